"""Transport failures of generated clients: what is retried, and what is raised.

A failed call raises an exception that is at once:

- an instance of the exact ``requests.exceptions`` class that requests raised
  (``ConnectionError``, ``ConnectTimeout``, ``ReadTimeout``, ``SSLError``...), so v1 code
  catching those keeps working, whatever the API's ``error_callback``;
- an :class:`~pymacaron_core.exceptions.UpstreamUnavailableError` (502) or
  :class:`~pymacaron_core.exceptions.UpstreamTimeoutError` (504), so a handler that lets
  it escape answers the right Error JSON.

Its message names the API and the operation, never the URL (internal host names stay
inside): ``.url``, ``.api_name``, ``.operation`` and the chained requests exception carry
the details for crash reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymacaron_core.exceptions import UpstreamTimeoutError, UpstreamUnavailableError

if TYPE_CHECKING:
    from pymacaron_core.spec.description import Operation

_classes: dict[type, type] = {}


def never_sent(exc: BaseException) -> bool:
    """True when the request certainly never left: the connection was never established.

    A connect timeout, or a connection refused / host not found (urllib3's
    NewConnectionError). Anything else (reset, closed without answer, read timeout...) may
    have happened after the request was sent.
    """
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.SSLError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, NewConnectionError)


def _upstream_class(original):
    cls = _classes.get(original)
    if cls is None:
        import requests

        ours = UpstreamTimeoutError if issubclass(original, requests.exceptions.Timeout) else UpstreamUnavailableError
        cls = type(f"Upstream{original.__name__}", (ours, original),
                   {"__module__": __name__, "__doc__": f"{ours.__doc__} Also a {original.__module__}."
                                                       f"{original.__qualname__}."})
        _classes[original] = cls
    return cls


def upstream_error(exc: BaseException, api_name: str, operation: Operation, url: str,
                   attempts: int) -> UpstreamUnavailableError | UpstreamTimeoutError:
    """The exception to raise for the requests exception ``exc`` (see the module docstring)."""
    import requests

    timeout = isinstance(exc, requests.exceptions.Timeout)
    what = "did not answer in time" if timeout else "could not be reached"
    tried = f"{attempts} attempt{'s' if attempts > 1 else ''}"
    message = (f"API {api_name!r} {what} ({operation.method} {operation.path}, client method "
               f"{operation.client_name}) after {tried}: {type(exc).__name__}")
    err = _upstream_class(type(exc))(message, request=getattr(exc, "request", None),
                                     response=getattr(exc, "response", None))
    err.url = url
    err.api_name = api_name
    err.operation = f"{operation.method} {operation.path}"
    err.attempts = attempts
    err.__cause__ = exc
    return err

"""Errors a service returns, and how they become Error JSON.

Hierarchy::

    PyMacaronCoreException (pymacaron_core)
    └── PyMacaronException          code 'UNKNOWN_EXCEPTION', status 500
        ├── UnhandledServerError    UNHANDLED_SERVER_ERROR 500
        ├── InternalServerError     SERVER_ERROR 500
        ├── AuthMissingHeaderError  AUTHORIZATION_HEADER_MISSING 401
        ├── AuthTokenExpiredError   TOKEN_EXPIRED 401
        ├── AuthInvalidTokenError   TOKEN_INVALID 401
        ├── AuthRequiredError       AUTHENTICATION_REQUIRED 401  (the spec's security: no credentials)
        ├── CredentialsInvalidError CREDENTIALS_INVALID 401      (the spec's security: refused)
        ├── InsufficientScopeError  INSUFFICIENT_SCOPE 403
        ├── ValidationError         INVALID_PARAMETER 400
        ├── NotFoundError           NOT_FOUND 404
        ├── MethodNotAllowedError   METHOD_NOT_ALLOWED 405
        ├── RequestTooLargeError    REQUEST_TOO_LARGE 413
        ├── UnsupportedMediaTypeError UNSUPPORTED_MEDIA_TYPE 415
        ├── RequestTimeoutError     REQUEST_TIMEOUT 408      the body came too slowly (body_timeout)
        ├── MalformedRequestError   MALFORMED_REQUEST 400    e.g. Content-Length and Transfer-Encoding
        ├── HandlerTimeoutError     HANDLER_TIMEOUT 504      the handler ran over handler_timeout
        ├── BadResponseError        BAD_RESPONSE 500
        ├── UpstreamUnavailableError UPSTREAM_UNAVAILABLE 502  (a client could not reach its API)
        ├── UpstreamTimeoutError    UPSTREAM_TIMEOUT 504       (a client's API did not answer in time)
        └── (your own: subclass with ``code``/``status``, or ``add_error``)

The Error JSON: ``{status, error, error_description, error_id, [user_message],
[error_caught], [errors]}``; ``status`` always equals the HTTP status.

A 500 the service did not choose (an exception that is not a PyMacaronException,
a response the spec forbids, a framework failure) says nothing internal: its
``error_description`` is :data:`GENERIC_500_DESCRIPTION`, and the exception's
text, trace and values go to the crash report and the log, under the same
``error_id``. In debug mode, with ``show_error_details: true`` in pym-config.yaml
(pymacaron v1's behaviour), or with ``$PYM_SHOW_ERROR_DETAILS=1``, the exception's text is sent too.
The 502/504 of a client call that failed (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT) keep
their description: it names the API, the operation and the attempts, never the URL.
"""

from __future__ import annotations

from typing import Any, NoReturn

import logging
import os
import pprint

from flask import Response

from pymacaron_core.exceptions import PyMacaronCoreException
from pymacaron_core.exceptions import ValidationError as CoreValidationError
from pymacaron_core.server.response import dumps

log = logging.getLogger(__name__)

code_to_class: dict[str, type[PyMacaronException]] = {}  # error code -> its class (subclasses, add_error)
GENERIC_500_DESCRIPTION = ("The server failed to handle this request. Its error_id identifies the failure in "
                           "the service's crash reports.")
MAX_ERRORS_LISTED = 100  # validation problems listed in 'errors' (the description counts them all)


class PyMacaronException(PyMacaronCoreException):
    """Base of the errors a service returns as Error JSON: ``code``, HTTP ``status``, message."""

    code = "UNKNOWN_EXCEPTION"
    status = 500
    error_id = None
    user_message = None
    error_caught = None
    errors = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if code and code not in code_to_class:
            code_to_class[code] = cls

    @property
    def status_code(self) -> int:
        """The HTTP status (``status``); setting it sets ``status``, as on core exceptions (settable there)."""
        return self.status

    @status_code.setter
    def status_code(self, value: int) -> None:
        """Set ``status``: the Error JSON's and the HTTP status."""
        self.status = value

    def tell_user(self, msg: str) -> PyMacaronException:
        """Set the message meant for the end user -> self."""
        self.user_message = msg
        return self

    def caught(self, err: BaseException) -> PyMacaronException:
        """Remember the exception this one wraps -> self."""
        self.error_caught = err
        return self

    def to_dict(self) -> dict[str, Any]:
        """The Error JSON of this exception (server secrets masked in the texts)."""
        from pymacaron.crash.redact import mask_config_secrets

        body = {"status": int(self.status), "error": str(self.code).upper(),
                "error_description": mask_config_secrets(str(self))}
        if self.error_id:
            body["error_id"] = self.error_id
        if self.user_message:
            body["user_message"] = self.user_message
        if self.error_caught is not None:
            body["error_caught"] = mask_config_secrets(pprint.pformat(self.error_caught))
        if self.errors:
            body["errors"] = list(self.errors)
        return body

    def http_reply(self) -> Response:
        """A Flask JSON response with this error's status."""
        body = self.to_dict()
        if self.status != 200:
            log.info("Error reply: %s %s", body["status"], body["error"])
        return Response(dumps(body), status=body["status"], mimetype="application/json")

    def to_model(self) -> Any:
        """The same content as an ``Error`` model (needs a loaded API: they all define Error)."""
        from pymacaron_core.models import yielding_model

        model: Any = yielding_model("Error")  # pymacaron's own Error, whatever Error a service's spec defines
        if model is None:
            raise RuntimeError("to_model() needs the Error model, defined once an API is loaded "
                               "(API(app).load_apis(...).start(...)); use to_dict() or http_reply() before that")
        return model._pym_build(self.to_dict())


def add_error(name: str | None = None, code: str | None = None, status: int | None = None) -> type[PyMacaronException]:
    """Create, register and return a PyMacaronException subclass.

    ``add_error(name="InvalidUser", code="INVALID_USER", status=401)``; the class is also
    importable as ``pymacaron.exceptions.InvalidUser``. Declaring the same error again
    (same name, code and status, e.g. when a module is reloaded) returns the same class;
    a code already used by another error is refused.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"add_error(name=...) must be a Python class name such as 'InvalidUser', got {name!r}")
    if not isinstance(code, str) or not code:
        raise ValueError(f"add_error(name={name!r}): code must be a non-empty string such as 'INVALID_USER', "
                         f"got {code!r}")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"add_error(name={name!r}, code={code!r}): status must be an HTTP status code "
                         f"(an integer from 100 to 599), got {status!r}")
    existing = code_to_class.get(code)
    if existing is not None:
        if existing.__name__ == name and existing.status == status:
            return existing
        raise ValueError(f"add_error(name={name!r}, code={code!r}, status={status}): the error code {code!r} is "
                         f"already used by {existing.__module__}.{existing.__name__} (status {existing.status}); "
                         "give this error another code, or use that class")
    taken = globals().get(name)
    if isinstance(taken, type) and issubclass(taken, PyMacaronException) and taken.__module__ == __name__ \
            and not getattr(taken, "_pym_added", False):
        raise ValueError(f"add_error(name={name!r}): pymacaron.exceptions already defines {name} "
                         f"(code {taken.code}); choose another class name")
    cls = type(name, (PyMacaronException,), {"code": code, "status": status, "_pym_added": True,
                                             "__module__": __name__})
    globals()[name] = cls
    code_to_class[code] = cls
    return cls


class UnhandledServerError(PyMacaronException):
    """500: an exception the endpoint did not handle."""

    code = "UNHANDLED_SERVER_ERROR"
    status = 500


class InternalServerError(PyMacaronException):
    """500: the server failed (an Error model with an unknown code maps here)."""

    code = "SERVER_ERROR"
    status = 500


class AuthMissingHeaderError(PyMacaronException):
    """401: no Authorization header on an endpoint that needs one."""

    code = "AUTHORIZATION_HEADER_MISSING"
    status = 401


class AuthTokenExpiredError(PyMacaronException):
    """401: the JWT has expired."""

    code = "TOKEN_EXPIRED"
    status = 401


class AuthInvalidTokenError(PyMacaronException):
    """401: the JWT or the Authorization header is malformed or badly signed."""

    code = "TOKEN_INVALID"
    status = 401


class AuthRequiredError(PyMacaronException):
    """401: the endpoint needs an authenticated caller."""

    code = "AUTHENTICATION_REQUIRED"
    status = 401


class CredentialsInvalidError(PyMacaronException):
    """401: the credentials given are wrong."""

    code = "CREDENTIALS_INVALID"
    status = 401


class InsufficientScopeError(PyMacaronException):
    """403: the token lacks a scope the endpoint requires."""

    code = "INSUFFICIENT_SCOPE"
    status = 403


class UnsupportedMediaTypeError(PyMacaronException):
    """415: the request body's content type is not one the endpoint consumes."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


class UpstreamUnavailableError(PyMacaronException):
    """502: a service this one calls could not be reached."""

    code = "UPSTREAM_UNAVAILABLE"
    status = 502


class UpstreamTimeoutError(PyMacaronException):
    """504: a service this one calls did not answer in time."""

    code = "UPSTREAM_TIMEOUT"
    status = 504


class ValidationError(PyMacaronException):
    """400: a parameter or the body does not match the spec."""

    code = "INVALID_PARAMETER"
    status = 400


class NotFoundError(PyMacaronException):
    """404: no route matches the path."""

    code = "NOT_FOUND"
    status = 404


class MethodNotAllowedError(PyMacaronException):
    """405: the path exists, not with this method."""

    code = "METHOD_NOT_ALLOWED"
    status = 405


class RequestTooLargeError(PyMacaronException):
    """413: the request body is larger than the limit."""

    code = "REQUEST_TOO_LARGE"
    status = 413


class RequestTimeoutError(PyMacaronException):
    """408: the request was not received in time."""

    code = "REQUEST_TIMEOUT"
    status = 408


class MalformedRequestError(PyMacaronException):
    """400: the request cannot be parsed (e.g. invalid JSON)."""

    code = "MALFORMED_REQUEST"
    status = 400


class HandlerTimeoutError(PyMacaronException):
    """504: the endpoint did not finish within its time limit."""

    code = "HANDLER_TIMEOUT"
    status = 504


class BadResponseError(PyMacaronException):
    """500: the endpoint returned something that does not match the spec."""

    code = "BAD_RESPONSE"
    status = 500


def is_error(o: object) -> bool:
    """True for an Error model, an Error dict or a PyMacaronException."""
    if isinstance(o, dict):
        return "error" in o and "error_description" in o and "status" in o
    return isinstance(o, PyMacaronException) or all(hasattr(o, a) for a in ("error", "error_description", "status"))


DETAILS_ENV = "PYM_SHOW_ERROR_DETAILS"


def show_error_details() -> bool:
    """True when 500s may carry the exception's text: debug mode, ``show_error_details: true`` in
    pym-config.yaml, or ``$PYM_SHOW_ERROR_DETAILS=1`` (set by ``pymacaron test --local`` for the
    service it starts)."""
    if os.environ.get(DETAILS_ENV, "").lower() in ("1", "true", "yes"):
        return True
    try:
        from flask import current_app, has_app_context

        if has_app_context() and current_app.debug:
            return True
        from pymacaron.config import config_loaded, get_config

        return config_loaded() and get_config().get("show_error_details") is True
    except Exception:
        return False


def _server_side(message):
    """The description of a 500 the service did not choose: generic, unless details may be shown."""
    return message if show_error_details() else GENERIC_500_DESCRIPTION


def _from_exception(e):
    """Any exception -> the PyMacaronException that describes it."""
    if isinstance(e, PyMacaronException):
        return e
    if isinstance(e, CoreValidationError) or type(e).__name__ == "ValidationError":
        err = ValidationError(str(e) or "Invalid data")
    elif isinstance(e, PyMacaronCoreException):
        err = _from_core_exception(e)
    else:
        err = UnhandledServerError(_server_side(str(e) or e.__class__.__name__))
    problems = getattr(e, "problems", None)
    if problems and isinstance(problems, (list, tuple)) and (err.status < 500 or show_error_details()):
        err.errors = [p.to_dict() if hasattr(p, "to_dict") else str(p) for p in problems[:MAX_ERRORS_LISTED]]
    return err


def _from_core_exception(e):
    """A pymacaron-core exception keeps its code and status (BAD_RESPONSE, REQUEST_TOO_LARGE...)."""
    code, status = getattr(e, "code", None), getattr(e, "status_code", None)
    message = str(e) or e.__class__.__name__
    if not isinstance(code, str) or isinstance(status, bool) or not isinstance(status, int) \
            or not 100 <= status <= 599:
        return UnhandledServerError(_server_side(message))
    if status >= 500 and getattr(e, "public_description", False) is not True:
        # BAD_RESPONSE, a client or framework failure: the details name internal code. The upstream
        # errors are written to be sent (API, operation and attempts, never the URL)
        message = _server_side(message)
    cls = code_to_class.get(code)
    if cls is not None and cls.status == status:
        return cls(message)
    err = PyMacaronException(message)
    err.code, err.status = code, status
    return err


def format_error(e: BaseException) -> Any:
    """The default error_callback: any exception -> an Error model."""
    return _from_exception(e).to_model()


def _error_data(error):
    if hasattr(error, "to_json"):
        return error.to_json()
    if isinstance(error, dict):
        return dict(error)
    raise TypeError(f"expected an Error model or an Error dict, got {type(error).__name__}")


def _mapped_exception(data, default):
    cls = code_to_class.get(data.get("error"))
    if cls is None:
        exc = default(f"Caught un-mapped error: {data.get('error')}: {data.get('error_description', '')}")
    else:
        exc = cls(data.get("error_description", ""))
    exc.error_id = data.get("error_id")
    exc.user_message = data.get("user_message")
    return exc


def responsify(error: Any) -> Response:
    """An Error model (or dict) -> the Flask response of its exception class (unknown code: a 500)."""
    return _mapped_exception(_error_data(error), UnhandledServerError).http_reply()


def raise_error(error: Any) -> NoReturn:
    """Raise the exception class mapped to an Error model's code (unknown code: InternalServerError)."""
    raise _mapped_exception(_error_data(error), InternalServerError)


def exception_to_error(e: BaseException) -> PyMacaronException:
    """Any exception -> the PyMacaronException describing it (code, status, message)."""
    return _from_exception(e)

"""Exceptions raised by pymacaron-core.

Hierarchy::

    PyMacaronCoreException (500)            base of everything core raises
    ├── KlueException                      legacy alias, kept for old services
    ├── ValidationError (400)              a request (or a model) breaks the spec;
    │                                      ``.problems`` lists every problem found
    ├── RequestTooLargeError (413)         body larger than the configured limit
    ├── UnsupportedMediaTypeError (415)    a body in a media type the operation does not consume
    ├── AuthenticationError (401)          the spec's ``security`` is not met: missing or
    │                                      invalid credentials (``.challenges`` for WWW-Authenticate)
    ├── InsufficientScopeError (403)       valid credentials without the operation's scopes
    ├── InternalServerError (500)
    ├── ResponseValidationError (500)      a handler returned something the spec forbids
    ├── MergeApisException (500)           two specs define the same model differently
    ├── PyMacaronModelException (500)
    ├── ClientError (500)                  a generated client could not get an answer
    │   ├── UpstreamUnavailableError (502)  no connection (also a requests ConnectionError)
    │   └── UpstreamTimeoutError (504)      no answer in time (also a requests Timeout)
    └── SpecError (500)                    a spec or its bindings cannot be loaded;
                                           ``.problems`` names file, line, operation, fix

Every class has ``status_code`` (the HTTP status it maps to) and ``code`` (a
stable error code, used when core formats the error itself). An exception may
carry ``response_headers`` (a dict): core adds them to the error response
(``WWW-Authenticate`` on 401s).

The upstream errors are created for the ``requests`` exception a client got
(:func:`pymacaron_core.client.errors.upstream_error`): they are instances of
that exact class too, so ``except requests.exceptions.ConnectionError`` keeps
working, and their message names the API and operation, never the URL
(``.url`` has it, for crash reports).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


class PyMacaronCoreException(Exception):
    """The base of every exception core raises; unhandled, it answers HTTP ``status_code`` with the error
    code ``code``."""

    status_code = 500
    code = "UNHANDLED_SERVER_ERROR"


KlueException = PyMacaronCoreException


MAX_MESSAGE_CHARS = 300  # a problem's message; longer ones (a huge value quoted whole) are cut in the middle
MAX_PROBLEMS_SUMMARIZED = 10  # problems spelled out in an error's description (all stay in .problems)


def clip(text: Any, limit: int = MAX_MESSAGE_CHARS) -> Any:
    """``text`` if short enough (or not a string), else its start and end around a note of what was
    cut."""
    if not isinstance(text, str) or len(text) <= limit:
        return text
    head, tail = (limit * 2) // 3, limit // 4
    return f"{text[:head]}...[{len(text) - head - tail} characters cut]...{text[-tail:]}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: where, which rule, and what.

    A message quoting a huge value (a 1 MB string, a 5000-digit number) is cut
    to :data:`MAX_MESSAGE_CHARS`, keeping its start and its end (the rule).
    """

    location: str
    rule: str
    message: str

    def __post_init__(self) -> None:
        if isinstance(self.message, str) and len(self.message) > MAX_MESSAGE_CHARS:
            object.__setattr__(self, "message", clip(self.message))
        if isinstance(self.location, str) and len(self.location) > MAX_MESSAGE_CHARS:
            object.__setattr__(self, "location", clip(self.location))

    def to_dict(self) -> dict[str, str]:
        """The problem as JSON: ``{"location", "rule", "message"}`` (the items of an error's ``problems``)."""
        return {"location": self.location, "rule": self.rule, "message": self.message}

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


def format_location(path: Iterable[str | int]) -> str:
    """('body', 'tags', 0, 'name') -> 'body.tags[0].name'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += "." + str(part)
        else:
            out = str(part)
    return out


class ValidationError(PyMacaronCoreException):
    """Raised when data does not match the spec. Carries every problem at once."""

    status_code = 400
    code = "INVALID_PARAMETER"

    def __init__(self, message: str | None = None, problems: Iterable[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if message is None:
            message = summarize_problems(self.problems)
        super().__init__(message)


def summarize_problems(problems: Sequence[Problem]) -> str:
    """A one-line message for an error: its one problem, or a count with the first
    :data:`MAX_PROBLEMS_SUMMARIZED` problems ("Invalid data" when there is none)."""
    if not problems:
        return "Invalid data"
    if len(problems) == 1:
        return str(problems[0])
    shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SUMMARIZED])
    more = len(problems) - MAX_PROBLEMS_SUMMARIZED
    return f"{len(problems)} problems: {shown}" + (f"; and {more} more" if more > 0 else "")


class RequestTooLargeError(PyMacaronCoreException):
    """A request body larger than the configured limit (413)."""

    status_code = 413
    code = "REQUEST_TOO_LARGE"


class UnsupportedMediaTypeError(PyMacaronCoreException):
    """A request body in a media type the operation does not consume (415)."""

    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class AuthenticationError(PyMacaronCoreException):
    """Missing or invalid credentials for the operation's ``security``."""

    status_code = 401
    code = "AUTHENTICATION_REQUIRED"

    def __init__(self, message: str, challenges: Sequence[str] = (), code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code
        if challenges:
            self.response_headers = {"WWW-Authenticate": ", ".join(challenges)}


class InsufficientScopeError(PyMacaronCoreException):
    """Valid credentials that lack a scope the operation requires."""

    status_code = 403
    code = "INSUFFICIENT_SCOPE"

    def __init__(self, message: str, challenges: Sequence[str] = ()) -> None:
        super().__init__(message)
        if challenges:
            self.response_headers = {"WWW-Authenticate": ", ".join(challenges)}


class InternalServerError(PyMacaronCoreException):
    """A server-side failure reported as a 500 with the code ``SERVER_ERROR``."""

    status_code = 500
    code = "SERVER_ERROR"


class ResponseValidationError(PyMacaronCoreException):
    """The handler's return value does not match the operation's responses."""

    status_code = 500
    code = "BAD_RESPONSE"

    def __init__(self, message: str, problems: Iterable[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class MergeApisException(PyMacaronCoreException):
    """Two served specs define a model of the same name differently (raised when the APIs are merged)."""


class PyMacaronModelException(PyMacaronCoreException):
    """The model error of v1, kept so that services importing or catching it still work; core itself
    does not raise it."""


class ClientError(PyMacaronCoreException):
    """A generated client got no usable answer (connection, timeout, bad reply)."""

    status_code = 500
    code = "UNHANDLED_SERVER_ERROR"


class UpstreamUnavailableError(ClientError):
    """A client could not reach the API it calls (502 when a handler lets it escape)."""

    status_code = 502
    code = "UPSTREAM_UNAVAILABLE"
    url = None
    public_description = True  # names the API, operation and attempts, never the URL: safe to send


class UpstreamTimeoutError(ClientError):
    """The API a client calls did not answer in time (504 when a handler lets it escape)."""

    status_code = 504
    code = "UPSTREAM_TIMEOUT"
    url = None
    public_description = True


@dataclass(frozen=True)
class SpecProblem:
    """One problem of a spec, located. ``severity``: "error" stops start-up; "warning" is
    something v1 tolerated that does not stop serving (logged, an error under ``strict_spec``)."""

    file: str
    line: int | None
    where: str
    message: str
    fix: str = ""
    severity: str = "error"

    @property
    def is_warning(self) -> bool:
        """Whether this problem is a warning (serving goes on) rather than an error."""
        return self.severity == "warning"

    def as_error(self) -> SpecProblem:
        """The same problem, as an error (strict mode)."""
        return self if not self.is_warning else SpecProblem(self.file, self.line, self.where, self.message,
                                                            self.fix, "error")

    def __str__(self) -> str:
        head = self.file or "<spec>"
        if self.line:
            head += f" line {self.line}"
        if self.where:
            head += f", {self.where}"
        text = f"{head}: {'warning: ' if self.is_warning else ''}{self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class SpecError(PyMacaronCoreException):
    """A spec cannot be loaded or served. Start-up must stop and say why."""

    def __init__(self, problems: SpecProblem | Iterable[SpecProblem]) -> None:
        if isinstance(problems, SpecProblem):
            problems = [problems]
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = str(self.problems[0])
        else:
            text = f"{len(self.problems)} problems:\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(text)

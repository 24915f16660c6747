"""Exceptions raised by pymacaron-core.

Hierarchy::

    PyMacaronCoreException (500)            base of everything core raises
    ├── KlueException                      legacy alias, kept for old services
    ├── ValidationError (400)              a request (or a model) breaks the spec;
    │                                      ``.problems`` lists every problem found
    ├── RequestTooLargeError (413)         body larger than the configured limit
    ├── InternalServerError (500)
    ├── ResponseValidationError (500)      a handler returned something the spec forbids
    ├── MergeApisException (500)           two specs define the same model differently
    ├── PyMacaronModelException (500)
    ├── ClientError (500)                  a generated client could not get an answer
    └── SpecError (500)                    a spec or its bindings cannot be loaded;
                                           ``.problems`` names file, line, operation, fix

Every class has ``status_code`` (the HTTP status it maps to) and ``code`` (a
stable error code, used when core formats the error itself).
"""

from __future__ import annotations

from dataclasses import dataclass


class PyMacaronCoreException(Exception):
    status_code = 500
    code = "UNHANDLED_SERVER_ERROR"


KlueException = PyMacaronCoreException


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: where, which rule, and what."""

    location: str
    rule: str
    message: str

    def to_dict(self):
        return {"location": self.location, "rule": self.rule, "message": self.message}

    def __str__(self):
        return f"{self.location}: {self.message}" if self.location else self.message


def format_location(path) -> str:
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

    def __init__(self, message=None, problems=None):
        self.problems = list(problems or [])
        if message is None:
            message = summarize_problems(self.problems)
        super().__init__(message)


def summarize_problems(problems) -> str:
    if not problems:
        return "Invalid data"
    if len(problems) == 1:
        return str(problems[0])
    return f"{len(problems)} problems: " + "; ".join(str(p) for p in problems)


class RequestTooLargeError(PyMacaronCoreException):
    status_code = 413
    code = "REQUEST_TOO_LARGE"


class InternalServerError(PyMacaronCoreException):
    status_code = 500
    code = "SERVER_ERROR"


class ResponseValidationError(PyMacaronCoreException):
    """The handler's return value does not match the operation's responses."""

    status_code = 500
    code = "BAD_RESPONSE"

    def __init__(self, message, problems=None):
        self.problems = list(problems or [])
        super().__init__(message)


class MergeApisException(PyMacaronCoreException):
    pass


class PyMacaronModelException(PyMacaronCoreException):
    pass


class ClientError(PyMacaronCoreException):
    """A generated client got no usable answer (connection, timeout, bad reply)."""

    status_code = 500
    code = "UNHANDLED_SERVER_ERROR"


@dataclass(frozen=True)
class SpecProblem:
    file: str
    line: int | None
    where: str
    message: str
    fix: str = ""

    def __str__(self):
        head = self.file or "<spec>"
        if self.line:
            head += f" line {self.line}"
        if self.where:
            head += f", {self.where}"
        text = f"{head}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class SpecError(PyMacaronCoreException):
    """A spec cannot be loaded or served. Start-up must stop and say why."""

    def __init__(self, problems):
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

"""Errors a service returns, and how they become Error JSON.

Hierarchy::

    PyMacaronCoreException (pymacaron_core)
    └── PyMacaronException          code 'UNKNOWN_EXCEPTION', status 500
        ├── UnhandledServerError    UNHANDLED_SERVER_ERROR 500
        ├── InternalServerError     SERVER_ERROR 500
        ├── AuthMissingHeaderError  AUTHORIZATION_HEADER_MISSING 401
        ├── AuthTokenExpiredError   TOKEN_EXPIRED 401
        ├── AuthInvalidTokenError   TOKEN_INVALID 401
        ├── ValidationError         INVALID_PARAMETER 400
        ├── NotFoundError           NOT_FOUND 404
        ├── MethodNotAllowedError   METHOD_NOT_ALLOWED 405
        ├── RequestTooLargeError    REQUEST_TOO_LARGE 413
        ├── BadResponseError        BAD_RESPONSE 500
        └── (your own: subclass with ``code``/``status``, or ``add_error``)

The Error JSON: ``{status, error, error_description, error_id, [user_message],
[error_caught], [errors]}``; ``status`` always equals the HTTP status.
"""

from __future__ import annotations

import logging
import pprint

from flask import Response

from pymacaron_core.exceptions import PyMacaronCoreException
from pymacaron_core.exceptions import ValidationError as CoreValidationError
from pymacaron_core.server.plan import dumps

log = logging.getLogger(__name__)

code_to_class = {}


class PyMacaronException(PyMacaronCoreException):
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
    def status_code(self):
        return self.status

    def tell_user(self, msg):
        self.user_message = msg
        return self

    def caught(self, err):
        self.error_caught = err
        return self

    def to_dict(self):
        body = {"status": int(self.status), "error": str(self.code).upper(),
                "error_description": str(self)}
        if self.error_id:
            body["error_id"] = self.error_id
        if self.user_message:
            body["user_message"] = self.user_message
        if self.error_caught is not None:
            body["error_caught"] = pprint.pformat(self.error_caught)
        if self.errors:
            body["errors"] = list(self.errors)
        return body

    def http_reply(self):
        """A Flask JSON response with this error's status."""
        body = self.to_dict()
        if self.status != 200:
            log.info("Error reply: %s %s", body["status"], body["error"])
        return Response(dumps(body), status=body["status"], mimetype="application/json")

    def to_model(self):
        """The same content as an ``Error`` model."""
        from pymacaron_core.models import get_model

        return get_model("Error")._pym_build(self.to_dict())


def add_error(name=None, code=None, status=None):
    """Create (and register) a PyMacaronException subclass; returns the class."""
    if not name or not code or not status:
        raise ValueError("add_error() needs name, code and status")
    if code in code_to_class:
        raise ValueError(f"Error code {code} is already defined by {code_to_class[code].__name__}")
    cls = type(name, (PyMacaronException,), {"code": code, "status": status})
    globals()[name] = cls
    code_to_class[code] = cls
    return cls


class UnhandledServerError(PyMacaronException):
    code = "UNHANDLED_SERVER_ERROR"
    status = 500


class InternalServerError(PyMacaronException):
    code = "SERVER_ERROR"
    status = 500


class AuthMissingHeaderError(PyMacaronException):
    code = "AUTHORIZATION_HEADER_MISSING"
    status = 401


class AuthTokenExpiredError(PyMacaronException):
    code = "TOKEN_EXPIRED"
    status = 401


class AuthInvalidTokenError(PyMacaronException):
    code = "TOKEN_INVALID"
    status = 401


class ValidationError(PyMacaronException):
    code = "INVALID_PARAMETER"
    status = 400


class NotFoundError(PyMacaronException):
    code = "NOT_FOUND"
    status = 404


class MethodNotAllowedError(PyMacaronException):
    code = "METHOD_NOT_ALLOWED"
    status = 405


class RequestTooLargeError(PyMacaronException):
    code = "REQUEST_TOO_LARGE"
    status = 413


class BadResponseError(PyMacaronException):
    code = "BAD_RESPONSE"
    status = 500


def is_error(o):
    """True for an Error model, an Error dict or a PyMacaronException."""
    if isinstance(o, dict):
        return "error" in o and "error_description" in o and "status" in o
    return isinstance(o, PyMacaronException) or all(hasattr(o, a) for a in ("error", "error_description", "status"))


def _from_exception(e):
    """Any exception -> the PyMacaronException that describes it."""
    if isinstance(e, PyMacaronException):
        return e
    problems = getattr(e, "problems", None)
    if isinstance(e, CoreValidationError) or type(e).__name__ == "ValidationError":
        err = ValidationError(str(e))
    else:
        code = getattr(e, "code", None)
        status = getattr(e, "status_code", None)
        if isinstance(e, PyMacaronCoreException) and isinstance(code, str) and isinstance(status, int) \
                and code != "UNHANDLED_SERVER_ERROR":
            err = PyMacaronException(str(e))
            err.code, err.status = code, status
        else:
            err = UnhandledServerError(str(e) or e.__class__.__name__)
    if problems:
        err.errors = [p.to_dict() if hasattr(p, "to_dict") else str(p) for p in problems]
    return err


def format_error(e):
    """The default error_callback: any exception -> an Error model."""
    return _from_exception(e).to_model()


def responsify(error):
    """An Error model (or dict) -> the Flask response of its mapped exception class."""
    data = error.to_json() if hasattr(error, "to_json") else dict(error)
    cls = code_to_class.get(data.get("error"))
    if cls is None:
        exc = UnhandledServerError(f"Caught un-mapped error: {data.get('error')}: {data.get('error_description')}")
        exc.status = data.get("status") if isinstance(data.get("status"), int) else 500
    else:
        exc = cls(data.get("error_description", ""))
    exc.error_id = data.get("error_id")
    exc.user_message = data.get("user_message")
    return exc.http_reply()


def raise_error(error):
    """Raise the exception class mapped to an Error model's code."""
    data = error.to_json() if hasattr(error, "to_json") else dict(error)
    cls = code_to_class.get(data.get("error"), InternalServerError)
    exc = cls(data.get("error_description", ""))
    exc.error_id = data.get("error_id")
    exc.user_message = data.get("user_message")
    raise exc


def exception_to_error(e):
    """Any exception -> the PyMacaronException describing it (code, status, message)."""
    return _from_exception(e)

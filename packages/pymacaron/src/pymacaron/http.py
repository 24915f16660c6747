"""App-wide HTTP behaviour: JSON errors for 404/405/413 and crashes outside
generated routes, the request size limit, and CORS."""

from __future__ import annotations

import logging

from werkzeug.exceptions import HTTPException

from pymacaron.exceptions import (
    MethodNotAllowedError,
    NotFoundError,
    PyMacaronException,
    RequestTooLargeError,
    UnhandledServerError,
)

log = logging.getLogger(__name__)


def _error_reply(exc, error_decorator):
    from pymacaron.crash.handler import _decorate_error_body

    response = exc.http_reply()
    _decorate_error_body(response, error_decorator)
    return response


def setup_app(app, config, error_decorator=None):
    """Make every error the app answers an Error JSON."""
    app.config["MAX_CONTENT_LENGTH"] = config.get("max_body_size") or None
    app.config.setdefault("JSON_SORT_KEYS", False)

    def not_found(e):
        return _error_reply(NotFoundError(f"No route for {_method_path()}"), error_decorator)

    def not_allowed(e):
        allowed = ", ".join(sorted(getattr(e, "valid_methods", None) or []))
        exc = MethodNotAllowedError(f"Method not allowed: {_method_path()} (allowed: {allowed})")
        response = _error_reply(exc, error_decorator)
        if allowed:
            response.headers["Allow"] = allowed
        return response

    def too_large(e):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return _error_reply(RequestTooLargeError(f"The request body is larger than {limit} bytes"),
                            error_decorator)

    def unhandled(e):
        if isinstance(e, HTTPException):
            exc = PyMacaronException(e.description or e.name)
            exc.code = (e.name or "HTTP_ERROR").upper().replace(" ", "_")
            exc.status = e.code or 500
            return _error_reply(exc, error_decorator)
        from pymacaron.crash import report_error

        log.exception("Unhandled exception outside a generated route")
        response = _error_reply(UnhandledServerError(str(e) or e.__class__.__name__), error_decorator)
        report_error(title=f"{_method_path()}: {e}", data={"trace": _trace(e)}, is_fatal=True)
        return response

    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_allowed)
    app.register_error_handler(413, too_large)
    app.register_error_handler(Exception, unhandled)
    _setup_cors(app, config)


def _method_path():
    from flask import has_request_context, request

    return f"{request.method} {request.path}" if has_request_context() else ""


def _trace(e):
    import traceback

    return traceback.format_exception(type(e), e, e.__traceback__, limit=30)


def _setup_cors(app, config):
    origins = config.get("cors_origins")
    if not origins:
        origins = "*"
    from flask_cors import CORS

    if origins == "*" or origins == ["*"]:
        # any origin may call, but browsers never send cookies cross-origin to '*'
        CORS(app, origins="*", supports_credentials=False,
             allow_headers=["Content-Type", "Authorization"])
    else:
        CORS(app, origins=list(origins) if not isinstance(origins, str) else [origins],
             supports_credentials=True, allow_headers=["Content-Type", "Authorization"])

"""App-wide HTTP behaviour: every error the app answers is an Error JSON.

- 404 (no route) -> ``NOT_FOUND``, 405 (wrong method) -> ``METHOD_NOT_ALLOWED``
  (with an ``Allow`` header), 413 (body over ``max_body_size`` of pym-config,
  10 MiB by default; 0 or null: no limit) -> ``REQUEST_TOO_LARGE``;
- an ``abort(<status>)`` outside generated routes -> its status and name as code;
- an exception outside generated routes (a plain Flask view, a before_request
  hook) -> 500 ``UNHANDLED_SERVER_ERROR`` and a FATAL report.

Each body gets an ``error_id`` and goes through the ``error_decorator``, like the
bodies of generated routes. CORS (``cors_origins``) is set up here too.
"""

from __future__ import annotations

import logging

from werkzeug.exceptions import HTTPException

from pymacaron.config import ConfigError
from pymacaron.crash.handler import decorate_error_body, report_response
from pymacaron.crash.redact import format_exception
from pymacaron.exceptions import (
    MethodNotAllowedError,
    NotFoundError,
    PyMacaronException,
    RequestTooLargeError,
    exception_to_error,
)

log = logging.getLogger(__name__)


def max_body_size(config):
    """``max_body_size`` of pym-config as a number of bytes, or None (no limit)."""
    value = config.get("max_body_size")
    if value in (None, 0, False):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        where = getattr(config, "config_path", None) or "pym-config.yaml"
        raise ConfigError(f"{where}: max_body_size must be a number of bytes (e.g. max_body_size: 1048576), "
                              f"or 0 for no limit; got {value!r}")
    return value


def _error_reply(exc, error_decorator):
    response = exc.http_reply()
    return response, decorate_error_body(response, error_decorator)


def _method_path():
    from flask import has_request_context, request

    return f"{request.method} {request.path}" if has_request_context() else ""


def _view_name():
    from flask import current_app, has_request_context, request

    if has_request_context() and request.endpoint:
        view = current_app.view_functions.get(request.endpoint)
        if view is not None:
            return f"{view.__module__}.{view.__qualname__}"
    return _method_path()


def setup_app(app, config, error_decorator=None):
    """Make every error the app answers an Error JSON (see the module docstring)."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_size(config)
    app.config.setdefault("JSON_SORT_KEYS", False)
    from pymacaron import session

    session.install(app)  # Flask's cookie session, without its cost on cookie-less requests

    def not_found(e):
        return _error_reply(NotFoundError(f"No route for {_method_path()}"), error_decorator)[0]

    def not_allowed(e):
        allowed = ", ".join(sorted(getattr(e, "valid_methods", None) or []))
        exc = MethodNotAllowedError(f"Method not allowed: {_method_path()} (allowed: {allowed})")
        response = _error_reply(exc, error_decorator)[0]
        if allowed:
            response.headers["Allow"] = allowed
        return response

    def too_large(e):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        exc = RequestTooLargeError(f"The request body is larger than {limit} bytes (max_body_size in pym-config)")
        return _error_reply(exc, error_decorator)[0]

    def unhandled(e):
        if isinstance(e, HTTPException) and e.code is not None and e.code < 500:
            exc = PyMacaronException(e.description or e.name)
            exc.code = (e.name or "HTTP_ERROR").upper().replace(" ", "_")
            exc.status = e.code
            return _error_reply(exc, error_decorator)[0]
        if isinstance(e, HTTPException):
            exc = PyMacaronException(e.description or e.name)
            exc.code = (e.name or "HTTP_ERROR").upper().replace(" ", "_")
            exc.status = e.code or 500
        else:
            exc = exception_to_error(e)  # a 500 gets a generic description: details go to the report and the log
            if exc.status < 500:  # a PyMacaronException raised by a hook (before_request...)
                return _error_reply(exc, error_decorator)[0]
            log.error("Unhandled exception in %s:\n%s", _method_path(), format_exception(e))
        response, body = _error_reply(exc, error_decorator)
        try:
            detail = exc if isinstance(e, HTTPException) else (str(e) or e.__class__.__name__)
            report_response(response, body, e, 0, title=f"{_view_name()}(): {detail}")
        except Exception as failure:
            log.error("could not report the error:\n%s", format_exception(failure))
        return response

    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_allowed)
    app.register_error_handler(413, too_large)
    app.register_error_handler(Exception, unhandled)
    _setup_cors(app, config)


def _setup_cors(app, config):
    origins = config.get("cors_origins")
    if not origins:
        origins = "*"
    from flask_cors import CORS

    if origins == "*" or origins == ["*"]:
        # any origin may call, but browsers never send cookies cross-origin to '*'
        CORS(app, origins="*", supports_credentials=False,
             allow_headers=["Content-Type", "Authorization"])
        from pymacaron.cors import wildcard_fast_path

        wildcard_fast_path(app)  # same headers, without flask-cors' per-request cost
    else:
        CORS(app, origins=list(origins) if not isinstance(origins, str) else [origins],
             supports_credentials=True, allow_headers=["Content-Type", "Authorization"])

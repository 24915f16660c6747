"""App-wide HTTP behaviour: every error the app answers is an Error JSON.

- 404 (no route) -> ``NOT_FOUND``, 405 (wrong method) -> ``METHOD_NOT_ALLOWED``
  (with an ``Allow`` header), 413 (body over ``max_body_size`` of pym-config,
  10 MiB by default; 0 or null: no limit) -> ``REQUEST_TOO_LARGE``;
- an ``abort(<status>)`` outside generated routes -> its status and name as code;
- an exception outside generated routes (a plain Flask view, a before_request
  hook) -> 500 ``UNHANDLED_SERVER_ERROR`` and a FATAL report.

Each body gets an ``error_id`` and goes through the ``error_decorator``, like the
bodies of generated routes. :func:`standalone_error` builds the same Error JSON
outside Flask, for the servers' own answers (408, 413, 504...).

CORS (``cors_origins``): unset or ``*``, any origin may call, without
credentials (``Access-Control-Allow-Origin: *``, never the caller's Origin
echoed back); a list of origins (``https://app.example.com``, exact values,
no patterns), only those, and with credentials (cookies) only when
``cors_credentials: true``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pymacaron_core.server.response import dumps
from werkzeug.exceptions import HTTPException

from pymacaron import limits
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

if TYPE_CHECKING:
    from flask import Flask

    from pymacaron.config import PyMacaronConfig
    from pymacaron.crash.handler import ErrorDecorator

log = logging.getLogger(__name__)


def max_body_size(config: PyMacaronConfig | None) -> int | None:
    """``max_body_size`` of pym-config as a number of bytes, or None (no limit)."""
    return limits.max_body_size(config)


def _error_reply(exc, error_decorator):
    response = exc.http_reply()
    return response, decorate_error_body(response, error_decorator)


def _method_path():
    """``GET /the/path`` of the current request, a huge path cut in the middle (it is echoed in errors)."""
    from flask import has_request_context, request
    from pymacaron_core.exceptions import clip

    return clip(f"{request.method} {request.path}", 200) if has_request_context() else ""


def _view_name():
    from flask import current_app, has_request_context, request

    if has_request_context() and request.endpoint:
        view = current_app.view_functions.get(request.endpoint)
        if view is not None:
            return f"{view.__module__}.{view.__qualname__}"
    return _method_path()


EXTENSION = "pymacaron"  # app.extensions[EXTENSION]: what the servers' own answers need to know


def setup_app(app: Flask, config: PyMacaronConfig, error_decorator: ErrorDecorator | None = None) -> None:
    """Make every error the app answers an Error JSON (see the module docstring)."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_size(config)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:  # Flask's cookie session: not sent by other sites' forms
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions[EXTENSION] = {"error_decorator": error_decorator, "cors": cors_policy(config),
                                 "limits": limits.limits_from_config(config)}
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
        response, body = _error_reply(exc, error_decorator)
        try:
            detail = exc if isinstance(e, HTTPException) else (str(e) or e.__class__.__name__)
            reported = report_response(response, body, e, 0, title=f"{_view_name()}(): {detail}")
            if reported and not isinstance(e, HTTPException):  # not when folded into an identical report
                log.error("Unhandled exception in %s:\n%s", _method_path(), format_exception(e))
        except Exception as failure:
            log.error("could not report the error:\n%s", format_exception(failure))
        return response

    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_allowed)
    app.register_error_handler(413, too_large)
    app.register_error_handler(Exception, unhandled)
    _setup_cors(app, config)


class CorsPolicy:
    """Which origins may call (``None``: any, as ``*``) and whether with credentials."""

    def __init__(self, origins: Collection[str] | None = None, credentials: bool = False) -> None:
        self.origins = origins
        self.credentials = credentials

    def allow_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for a request from ``origin`` (None: no header)."""
        if self.origins is None:
            return "*"
        return origin if origin in self.origins else None


def cors_policy(config: PyMacaronConfig) -> CorsPolicy:
    """The :class:`CorsPolicy` of ``cors_origins`` / ``cors_credentials`` (ConfigError saying what to fix)."""
    where = getattr(config, "config_path", None) or "pym-config.yaml"
    origins = config.get("cors_origins")
    credentials = config.get("cors_credentials", False)
    if not isinstance(credentials, bool):
        raise ConfigError(f"{where}: cors_credentials must be true or false, got {credentials!r}")
    if origins in (None, "", [], "*", ["*"]):
        if credentials:
            raise ConfigError(f"{where}: cors_credentials: true needs cors_origins to list the origins allowed to "
                              "call with cookies (e.g. cors_origins: [https://app.example.com]), not '*'")
        return CorsPolicy(None, False)
    if isinstance(origins, str):
        origins = [origins]
    if not isinstance(origins, (list, tuple)):
        raise ConfigError(f"{where}: cors_origins must be a list of origins such as [https://app.example.com], "
                          f"got {origins!r}")
    for origin in origins:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or "*" in origin \
                or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ConfigError(f"{where}: cors_origins: {origin!r} is not an origin; list exact origins, scheme and "
                              "host (and port), such as https://app.example.com (no path, no wildcard)")
    return CorsPolicy(frozenset(o.rstrip("/") for o in origins), credentials)


CORS_ALLOWED_HEADERS = ["Content-Type", "Authorization", "X-Requested-With"]


def _setup_cors(app, config):
    policy = cors_policy(config)
    from flask_cors import CORS

    if policy.origins is None:
        # any origin may call, without credentials; '*' itself is sent, never the caller's Origin
        CORS(app, origins="*", send_wildcard=True, supports_credentials=False, allow_headers=CORS_ALLOWED_HEADERS)
        from pymacaron.cors import wildcard_fast_path

        wildcard_fast_path(app)  # same headers, without flask-cors' per-request cost
    else:
        CORS(app, origins=sorted(policy.origins), supports_credentials=policy.credentials,
             allow_headers=CORS_ALLOWED_HEADERS)


def standalone_error(app: Flask | None, exc: PyMacaronException, origin: str | None = None) \
        -> tuple[int, list[tuple[str, str]], bytes]:
    """-> (status, [(header, value)], body bytes): the Error JSON of ``exc`` built without Flask.

    What the servers answer themselves (a body too slow or too large, a handler
    over its timeout): an ``error_id``, the app's ``error_decorator``, its CORS
    policy, ``Connection: close`` when the request's body was not read whole.
    """
    import uuid

    from pymacaron.crash.handler import _apply_decorator

    settings = (app.extensions.get(EXTENSION) if app is not None else None) or {}
    body = exc.to_dict()
    body["error_id"] = str(uuid.uuid4())
    decorator = settings.get("error_decorator")
    if decorator is not None:
        body = _apply_decorator(decorator, body)
    status = body.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        status = exc.status
    headers = [("Content-Type", "application/json")]
    policy = settings.get("cors")
    allowed = policy.allow_origin(origin) if policy is not None else None
    if allowed:
        headers.append(("Access-Control-Allow-Origin", allowed))
        if allowed != "*":
            headers.append(("Vary", "Origin"))
            if policy is not None and policy.credentials:  # always set when allowed
                headers.append(("Access-Control-Allow-Credentials", "true"))
    return status, headers, dumps(body).encode("utf-8")

"""Call id and call path of the request being served.

A call id marks every request triggered by one call to a public API; the
call path lists the services traversed ("public.user.login"). Incoming
headers ``PymCallID``/``PymCallPath`` (current) and ``PymCallerID``/
``PymCallerPath`` (as documented) are both read; clients send both.

Nothing is computed unless asked for: the id is generated on first use.
Outside a request, both functions return None.

Code written for pymacaron v1 read them from the request's application context
(``stack.top.call_id``): once an API is served by an app, ``flask.g.call_id`` /
``flask.g.call_path`` and the app-context object's ``call_id`` / ``call_path``
(``flask.globals._cv_app.get()``, Flask 3's successor of ``_app_ctx_stack.top``)
answer the same, computed when read (:func:`install_call_context`).
"""

from __future__ import annotations

import types
import uuid
from collections.abc import MutableMapping
from typing import Any

from flask import Flask, has_request_context, request
from flask.ctx import AppContext

HEADERS_ID = ("PymCallID", "PymCallerID")
HEADERS_PATH = ("PymCallPath", "PymCallerPath")
_ENV_KEY = "pymacaron.call"


class CallContext:
    """The call id and call path of one request: the id is generated when first read if the caller
    sent none; the path is the incoming one followed by this API's name."""

    __slots__ = ("_id", "incoming_path", "api_name")

    def __init__(self, call_id: str | None, incoming_path: str | None, api_name: str | None) -> None:
        self._id = call_id
        self.incoming_path = incoming_path
        self.api_name = api_name

    @property
    def call_id(self) -> str:
        """The caller's call id, else a new UUID4 (the same on every read)."""
        if self._id is None:
            self._id = str(uuid.uuid4())
        return self._id

    @property
    def call_path(self) -> str | None:
        """The incoming call path with ``.<api name>`` appended (either alone when the other is missing)."""
        if self.incoming_path:
            return f"{self.incoming_path}.{self.api_name}" if self.api_name else self.incoming_path
        return self.api_name


def enter_call(environ: MutableMapping[str, Any], api_name: str | None) -> CallContext:
    """Record the call context of the request described by ``environ``."""
    call_id = environ.get("HTTP_PYMCALLID") or environ.get("HTTP_PYMCALLERID")
    path = environ.get("HTTP_PYMCALLPATH") or environ.get("HTTP_PYMCALLERPATH")
    ctx = CallContext(call_id, path, api_name)
    environ[_ENV_KEY] = ctx
    return ctx


def current_call() -> CallContext | None:
    """The call context of the request being served, if it has one (None outside a request)."""
    if not has_request_context():
        return None
    return request.environ.get(_ENV_KEY)


def get_call_id() -> str | None:
    """The call id of the request being served (generated if the caller sent none); None outside a
    request."""
    ctx = current_call()
    if ctx is not None:
        return ctx.call_id
    if has_request_context():
        env = request.environ
        return env.get("HTTP_PYMCALLID") or env.get("HTTP_PYMCALLERID")
    return None


def get_call_path() -> str | None:
    """The call path of the request being served (``public.user.login``); None outside a request."""
    ctx = current_call()
    if ctx is not None:
        return ctx.call_path
    if has_request_context():
        env = request.environ
        return env.get("HTTP_PYMCALLPATH") or env.get("HTTP_PYMCALLERPATH")
    return None


def call_headers() -> dict[str, str]:
    """Headers a client forwards to the next service (both naming schemes)."""
    headers: dict[str, str] = {}
    call_id, call_path = get_call_id(), get_call_path()
    if call_id:
        headers["PymCallID"] = headers["PymCallerID"] = call_id
    if call_path:
        headers["PymCallPath"] = headers["PymCallerPath"] = call_path
    return headers


# -- v1's spelling: attributes of the application context ----------------------------

_ATTRS = {"call_id": get_call_id, "call_path": get_call_path}


def _lazy_globals_class(base):
    """A subclass of the app's ``g`` class where call_id / call_path are read on demand."""

    def __getattr__(self, name):
        getter = _ATTRS.get(name)
        if getter is not None:
            return getter()
        return base.__getattr__(self, name) if hasattr(base, "__getattr__") else \
            object.__getattribute__(self, name)

    return type(f"Pym{base.__name__}", (base,), {"__getattr__": __getattr__, "_pym_call_context": True})


def _context_attribute(name, getter):
    key = f"_pym_{name}"

    def get(self):
        value = self.__dict__.get(key)
        return getter() if value is None else value

    def set_(self, value):
        self.__dict__[key] = value

    return property(get, set_, doc=f"The {name} of the request being served (pymacaron v1's stack.top.{name}).")


class CallAppContext(AppContext):
    """Flask's AppContext, plus ``call_id`` and ``call_path`` (settable, as v1 code did)."""

    call_id = _context_attribute("call_id", get_call_id)
    call_path = _context_attribute("call_path", get_call_path)


def _app_context(app):
    return CallAppContext(app)


def install_call_context(app: Flask) -> None:
    """Expose call_id / call_path on ``flask.g`` and the app context of ``app`` (idempotent).

    ``g``: through Flask's ``app_ctx_globals_class`` hook. The app context: Flask creates it
    with ``app.app_context()``, so the app answers :class:`CallAppContext` instead, unless
    its class defines its own ``app_context`` (then only ``g`` has the attributes).
    """
    globals_class = app.app_ctx_globals_class
    if not getattr(globals_class, "_pym_call_context", False):
        app.app_ctx_globals_class = _lazy_globals_class(globals_class)
    if type(app).app_context is Flask.app_context and "app_context" not in vars(app):
        app.app_context = types.MethodType(_app_context, app)

"""Call id and call path of the request being served.

A call id marks every request triggered by one call to a public API; the
call path lists the services traversed ("public.user.login"). Incoming
headers ``PymCallID``/``PymCallPath`` (current) and ``PymCallerID``/
``PymCallerPath`` (as documented) are both read; clients send both.

Nothing is computed unless asked for: the id is generated on first use.
Outside a request, both functions return None.
"""

from __future__ import annotations

import uuid

from flask import has_request_context, request

HEADERS_ID = ("PymCallID", "PymCallerID")
HEADERS_PATH = ("PymCallPath", "PymCallerPath")
_ENV_KEY = "pymacaron.call"


class CallContext:
    __slots__ = ("_id", "incoming_path", "api_name")

    def __init__(self, call_id, incoming_path, api_name):
        self._id = call_id
        self.incoming_path = incoming_path
        self.api_name = api_name

    @property
    def call_id(self):
        if self._id is None:
            self._id = str(uuid.uuid4())
        return self._id

    @property
    def call_path(self):
        if self.incoming_path:
            return f"{self.incoming_path}.{self.api_name}" if self.api_name else self.incoming_path
        return self.api_name


def enter_call(environ, api_name):
    """Record the call context of the request described by ``environ``."""
    call_id = environ.get("HTTP_PYMCALLID") or environ.get("HTTP_PYMCALLERID")
    path = environ.get("HTTP_PYMCALLPATH") or environ.get("HTTP_PYMCALLERPATH")
    ctx = CallContext(call_id, path, api_name)
    environ[_ENV_KEY] = ctx
    return ctx


def current_call():
    if not has_request_context():
        return None
    return request.environ.get(_ENV_KEY)


def get_call_id():
    ctx = current_call()
    if ctx is not None:
        return ctx.call_id
    if has_request_context():
        env = request.environ
        return env.get("HTTP_PYMCALLID") or env.get("HTTP_PYMCALLERID")
    return None


def get_call_path():
    ctx = current_call()
    if ctx is not None:
        return ctx.call_path
    if has_request_context():
        env = request.environ
        return env.get("HTTP_PYMCALLPATH") or env.get("HTTP_PYMCALLERPATH")
    return None


def call_headers():
    """Headers a client forwards to the next service (both naming schemes)."""
    headers = {}
    call_id, call_path = get_call_id(), get_call_path()
    if call_id:
        headers["PymCallID"] = headers["PymCallerID"] = call_id
    if call_path:
        headers["PymCallPath"] = headers["PymCallerPath"] = call_path
    return headers

"""Flask adapter: one route per bound operation.

Per request: record the call context, extract and validate the arguments
(plan), call the handler (wrapped by its ``x-decorate-server`` decorator),
turn the result into a validated response. Every failure goes through the
API's ``error_callback``; if that fails too, core answers the Error JSON
itself, so a caller never sees a traceback page.
"""

from __future__ import annotations

import logging

from flask import request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.context import enter_call
from pymacaron_core.exceptions import PyMacaronCoreException, RequestTooLargeError
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.server.plan import dumps

log = logging.getLogger(__name__)

EXCEPTION_KEY = "pymacaron.exception"


class HTTPError(PyMacaronCoreException):
    """A werkzeug HTTPException (abort(403)...) raised by a handler."""

    def __init__(self, exc):
        super().__init__(exc.description or exc.name)
        self.status_code = exc.code or 500
        self.code = (exc.name or "HTTP_ERROR").upper().replace(" ", "_")


def error_body(exc):
    """The Error JSON core produces on its own for an exception."""
    status = getattr(exc, "status_code", 500)
    if not isinstance(status, int):
        status = 500
    body = {
        "status": status,
        "error": getattr(exc, "code", None) or "UNHANDLED_SERVER_ERROR",
        "error_description": str(exc) or exc.__class__.__name__,
    }
    problems = getattr(exc, "problems", None)
    if problems:
        body["errors"] = [p.to_dict() for p in problems if hasattr(p, "to_dict")]
    return body


def error_response(exc, response_class):
    body = error_body(exc)
    return response_class(dumps(body), body["status"], mimetype="application/json")


def normalise_exception(exc):
    if isinstance(exc, RequestEntityTooLarge):
        return RequestTooLargeError("The request body is larger than the server accepts")
    if isinstance(exc, HTTPException):
        return HTTPError(exc)
    return exc


def callback_result_to_response(result, exc, response_class):
    """Turn what an error_callback returned into a response."""
    if isinstance(result, WerkzeugResponse):
        return result
    if isinstance(result, PyMacaronModel):
        data = type(result)._pym_marshal(result, False)
        status = data.get("status")
        if not isinstance(status, int) or not 100 <= status <= 599:
            status = getattr(exc, "status_code", 500)
        return response_class(dumps(data), status, mimetype="application/json")
    if hasattr(result, "http_reply") and not isinstance(result, type):
        return result.http_reply()
    if isinstance(result, dict):
        status = result.get("status")
        if not isinstance(status, int):
            status = getattr(exc, "status_code", 500)
        return response_class(dumps(result), status, mimetype="application/json")
    if isinstance(result, tuple):
        return result
    return error_response(exc, response_class)


def make_view(api_name, handler, req_plan, resp_plan, error_callback, response_class):
    extract = req_plan.extract
    respond = resp_plan.respond

    def handle_error(exc):
        exc = normalise_exception(exc)
        try:
            result = error_callback(exc)
        except Exception as raised:
            if raised is not exc:
                log.exception("error_callback failed while handling %r", exc)
            return error_response(exc, response_class)
        return callback_result_to_response(result, exc, response_class)

    def view(**view_args):
        req = request._get_current_object()
        environ = req.environ
        enter_call(environ, api_name)
        try:
            args, kwargs = extract(req, view_args)
            result = handler(*args, **kwargs)
            return respond(result)
        except Exception as exc:
            environ[EXCEPTION_KEY] = exc
            return handle_error(exc)

    view.handle_error = handle_error
    view.handler = handler
    return view

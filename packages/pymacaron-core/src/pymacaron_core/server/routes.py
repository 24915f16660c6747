"""Flask adapter: one route per bound operation.

Per request, in this order (the spec pipeline's request order):

1. record the call context;
2. the pre-parse checks, before anything of the request is read: the spec's ``security``
   (:mod:`.security`), the pre-parse checks of ``x-decorate-server`` decorators (see
   :func:`pre_parse_check_of`), the body's media type (:mod:`.content_type`);
3. extract and validate the arguments (plan);
4. call the handler (wrapped by its ``x-decorate-server`` decorator);
5. turn the result into a validated response.

Every failure goes through the API's ``error_callback``; if that fails too, core answers
the Error JSON itself, so a caller never sees a traceback page. An exception's
``response_headers`` (``WWW-Authenticate``...) are added to its error response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask import request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.context import enter_call
from pymacaron_core.exceptions import PyMacaronCoreException, RequestTooLargeError
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.server.response import dumps

if TYPE_CHECKING:
    from flask import Request

    from pymacaron_core.server.plan import RequestPlan
    from pymacaron_core.server.response import ResponsePlan

log = logging.getLogger(__name__)

EXCEPTION_KEY = "pymacaron.exception"


class HTTPError(PyMacaronCoreException):
    """A werkzeug HTTPException (abort(403)...) raised by a handler."""

    def __init__(self, exc: HTTPException) -> None:
        super().__init__(exc.description or exc.name)
        self.status_code = exc.code or 500
        self.code = (exc.name or "HTTP_ERROR").upper().replace(" ", "_")


def error_body(exc: BaseException) -> dict[str, Any]:
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


def error_response(exc: BaseException, response_class: type[WerkzeugResponse]) -> WerkzeugResponse:
    """The Error JSON response core sends on its own for ``exc`` (see :func:`error_body`)."""
    body = error_body(exc)
    return response_class(dumps(body), body["status"], mimetype="application/json")


def normalise_exception(exc: BaseException) -> BaseException:
    """``exc``, or the PyMacaron exception answered for it: a 413 for werkzeug's RequestEntityTooLarge,
    an :class:`HTTPError` for another werkzeug HTTPException (``abort(403)``)."""
    if isinstance(exc, RequestEntityTooLarge):
        return RequestTooLargeError("The request body is larger than the server accepts")
    if isinstance(exc, HTTPException):
        return HTTPError(exc)
    return exc


def callback_result_to_response(result: Any, exc: BaseException, response_class: type[WerkzeugResponse]) -> Any:
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


PRE_PARSE_ATTRIBUTE = "pymacaron_pre_parse"


def pre_parse_check_of(decorator: Any) -> Callable[[], Any] | None:
    """The pre-parse check an ``x-decorate-server`` decorator exposes, or None.

    A decorator that guards its endpoint (authentication, rate limits...) may set
    ``decorator.pymacaron_pre_parse = check``: core then calls ``check()`` in the request
    context before the request is parsed or validated. ``check()`` returns None to let the
    request through, or a response (or raises) to answer at once. The decorator still wraps
    the handler as usual; it may skip its own check when the pre-parse one already ran.
    """
    check = getattr(decorator, PRE_PARSE_ATTRIBUTE, None)
    return check if callable(check) else None


def _with_headers(response, exc):
    headers = getattr(exc, "response_headers", None)
    if headers and hasattr(response, "headers"):
        for key, value in headers.items():
            response.headers.setdefault(key, value)
    return response


def make_view(api_name: str, handler: Callable[..., Any], req_plan: RequestPlan, resp_plan: ResponsePlan,
              error_callback: Callable[[BaseException], Any], response_class: type[WerkzeugResponse],
              security: Callable[[Request], Any] | None = None, pre_parse: Iterable[Callable[[], Any]] = (),
              content_check: Callable[[Mapping[str, Any]], Any] | None = None) -> Callable[..., Any]:
    """The Flask view of one operation. ``security(request)`` raises unless the caller may call;
    ``pre_parse``: decorators' checks, ``check()`` -> None or a response; ``content_check(environ)``
    raises on a body type the operation does not consume."""
    extract = req_plan.extract
    respond = resp_plan.respond
    pre_parse = tuple(pre_parse)

    def handle_error(exc):
        exc = normalise_exception(exc)
        try:
            result = error_callback(exc)
        except Exception as raised:
            if raised is not exc:
                log.exception("error_callback failed while handling %r", exc)
            return _with_headers(error_response(exc, response_class), exc)
        response = callback_result_to_response(result, exc, response_class)
        return _with_headers(response, exc)

    if security is None and not pre_parse and content_check is None:
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
    else:
        def view(**view_args):
            req = request._get_current_object()
            environ = req.environ
            enter_call(environ, api_name)
            try:
                if security is not None:
                    security(req)
                for check in pre_parse:
                    stop = check()
                    if stop is not None:
                        return respond(stop)
                if content_check is not None:
                    content_check(environ)
                args, kwargs = extract(req, view_args)
                result = handler(*args, **kwargs)
                return respond(result)
            except Exception as exc:
                environ[EXCEPTION_KEY] = exc
                return handle_error(exc)

    view.handle_error = handle_error  # type: ignore[attr-defined]
    view.handler = handler  # type: ignore[attr-defined]
    return view

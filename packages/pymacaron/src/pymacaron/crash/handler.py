"""The crash handler: wraps every served endpoint (and any Flask view given to it).

After the endpoint answers: an exception becomes its Error JSON; an error body
(status >= 400) gets an ``error_id`` and goes through the ``error_decorator``; a
status >= 500 sends a FATAL report (with the trace of the exception caught); a
call slower than ``report_call_exceeding_ms`` (read at each call, so it can be
changed at runtime through ``get_config()``), or than its own
``@report_slow(max_ms=)``, sends a NON-FATAL report. A successful, fast call
costs one clock read and a status check.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
import logging
import pprint
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context, request
from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.server.response import dumps

from pymacaron import config as _config_module
from pymacaron.crash.redact import format_exception
from pymacaron.crash.reporting import capture_trace, report_error, send_report
from pymacaron.exceptions import exception_to_error

log = logging.getLogger("pymacaron.crash")

EXCEPTION_KEY = "pymacaron.exception"  # where pymacaron-core leaves the exception it caught
DEFAULT_SLOW_MS = 1000
SLOW_ATTR = "_pym_report_slow_ms"
_slow_reports_enabled = True

ErrorDecorator = Callable[[dict[str, Any]], dict[str, Any]]  # rewrites an error body (a copy): error_decorator


def set_slow_call_reporting(enabled: bool) -> None:
    """Turn slow-call reports on or off (off inside async workers)."""
    global _slow_reports_enabled
    _slow_reports_enabled = bool(enabled)


def slow_call_limit_ms() -> float:
    """The global slow-call threshold: ``report_call_exceeding_ms`` of pym-config (1000 by default)."""
    config = _config_module._config
    if config is None:
        return DEFAULT_SLOW_MS
    limit = getattr(config, "report_call_exceeding_ms", DEFAULT_SLOW_MS)
    return limit if isinstance(limit, (int, float)) and not isinstance(limit, bool) else DEFAULT_SLOW_MS


def _handler_name(f: Callable[..., Any]) -> str:
    op = getattr(f, "operation", None)
    if op is not None and getattr(op, "handler", None):
        return op.handler
    return f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', getattr(f, '__name__', '?'))}"


def decorate_error_body(response: WerkzeugResponse, error_decorator: ErrorDecorator | None = None) -> dict[str, Any]:
    """Give a JSON error body its ``error_id``, pass it through ``error_decorator``.

    Returns the body as a dict (``{}`` for a body that is not a JSON object); the
    response status follows the body's ``status``. Never raises.
    """
    if response.is_streamed or response.mimetype != "application/json":
        return {}
    try:
        body = json.loads(response.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict) or "error" not in body:
        return body if isinstance(body, dict) else {}
    if not body.get("error_id"):
        body["error_id"] = str(uuid.uuid4())
    if error_decorator is not None:
        body = _apply_decorator(error_decorator, body)
    response.set_data(dumps(body))
    status = body.get("status")
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        response.status_code = status
    return body


def _apply_decorator(error_decorator: ErrorDecorator, body: dict[str, Any]) -> dict[str, Any]:
    try:
        result = error_decorator(copy.deepcopy(body))
    except Exception as e:
        log.error("the error_decorator %s failed, the error body is sent undecorated:\n%s",
                  getattr(error_decorator, "__name__", error_decorator), format_exception(e))
        return body
    if not isinstance(result, dict):
        log.error("the error_decorator %s returned %s instead of the error dict: the body is sent undecorated",
                  getattr(error_decorator, "__name__", error_decorator), type(result).__name__)
        return body
    try:
        dumps(result)
    except (TypeError, ValueError) as e:
        log.error("the error_decorator returned a dict that is not JSON (%s): the body is sent undecorated", e)
        return body
    return result


def generate_crash_handler_decorator(
        error_decorator: ErrorDecorator | None = None) -> Callable[[Callable[..., Any]], Callable[..., WerkzeugResponse]]:
    """The decorator put around each served endpoint (``error_decorator(dict) -> dict`` rewrites error bodies)."""

    def decorator(f: Callable[..., Any]) -> Callable[..., WerkzeugResponse]:
        handler_name = _handler_name(f)
        function_name = handler_name.rsplit(".", 1)[-1]
        own_limit = getattr(getattr(f, "handler", None) or f, SLOW_ATTR, None)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> WerkzeugResponse:
            t0 = time.perf_counter()
            caught: Exception | None = None
            try:
                result = f(*args, **kwargs)
            except Exception as e:
                caught = e
                result = exception_to_error(e).http_reply()
            elapsed_ms = (time.perf_counter() - t0) * 1000
            limit = own_limit if own_limit is not None else slow_call_limit_ms()
            response = result if isinstance(result, WerkzeugResponse) else current_app.make_response(result)
            if response.status_code < 400 and elapsed_ms <= limit:
                return response
            try:
                _after_error_or_slow_call(response, error_decorator, caught, handler_name, function_name,
                                          elapsed_ms, limit, args, kwargs)
            except Exception as e:  # the response must go out whatever happens here
                log.error("the crash handler failed on %s:\n%s", handler_name, format_exception(e))
            return response

        wrapper.__wrapped__ = f
        return wrapper

    return decorator


def _after_error_or_slow_call(response: WerkzeugResponse, error_decorator: ErrorDecorator | None,
                              caught: BaseException | None, handler_name: str, function_name: str,
                              elapsed_ms: float, limit: float, args: tuple[Any, ...],
                              kwargs: dict[str, Any]) -> None:
    body = decorate_error_body(response, error_decorator) if response.status_code >= 400 else {}
    if caught is None and has_request_context():
        caught = request.environ.get(EXCEPTION_KEY)
    if response.status_code >= 500:
        detail = (str(caught) or type(caught).__name__) if caught is not None else body.get("error_description", "")
        report_response(response, body, caught, elapsed_ms, title=f"{handler_name}(): {detail}",
                        params=[list(args), kwargs])
    elif elapsed_ms > limit and _slow_reports_enabled:
        report_response(response, body, None, elapsed_ms, fatal=False, function=function_name,
                        params=[list(args), kwargs],
                        title=f"{handler_name}() calltime exceeded {limit:g} millisec! (took {elapsed_ms:.0f} ms)")


def crash_handler(f: Callable[..., Any]) -> Callable[..., WerkzeugResponse]:
    """The crash handler without error decorator, usable on any Flask view."""
    return generate_crash_handler_decorator()(f)


def report_response(response: WerkzeugResponse, body: dict[str, Any], caught: BaseException | None,
                    elapsed_ms: float, title: str, fatal: bool = True, function: str | None = None,
                    params: object = None) -> str | None:
    """Report ``response`` (its error ``body``, the exception ``caught``); FATAL unless ``fatal=False``.

    -> the report's title, or None if it was not sent (reporting off, or folded into an identical one).
    """
    end = datetime.datetime.now(datetime.timezone.utc)
    start = end - datetime.timedelta(milliseconds=elapsed_ms)
    data: dict[str, Any] = {
        "error_id": str(body.get("error_id", "") or ""),
        "time": {"start": start.isoformat(), "end": end.isoformat(), "microsecs": elapsed_ms * 1000},
        "response": {
            "type": type(response).__name__,
            "status": str(response.status_code),
            "is_error": 1 if response.status_code >= 400 else 0,
            "error_code": body.get("error", "") or "",
            "error_description": body.get("error_description", "") or "",
            "user_message": body.get("user_message", "") or "",
        },
        "request": {"params": pprint.pformat(params if params is not None else [])[:10000]},
    }
    if function:
        data["function"] = function
    if caught is not None:
        data["trace"] = capture_trace(caught)
        url = getattr(caught, "url", None)
        if isinstance(url, str):  # a client's transport error: the answer hides the URL, the report keeps it
            data["upstream"] = {"api": getattr(caught, "api_name", ""), "operation": getattr(caught, "operation", ""),
                                "url": url, "attempts": getattr(caught, "attempts", None)}
    return send_report(title, data, is_fatal=fatal)


def report_slow(max_ms: float | Callable[..., Any] | None = None) -> Callable[..., Any]:
    """Report calls of the decorated function slower than ``max_ms`` (default: report_call_exceeding_ms).

    ``@report_slow``, ``@report_slow()`` and ``@report_slow(max_ms=200)`` all work. On an
    endpoint, its limit replaces the global one.
    """
    if callable(max_ms):  # used bare: @report_slow
        return report_slow()(max_ms)
    if max_ms is not None and (isinstance(max_ms, bool) or not isinstance(max_ms, (int, float)) or max_ms < 0):
        raise ValueError(f"report_slow(max_ms=...) takes a number of milliseconds >= 0, got {max_ms!r}")

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                elapsed_ms = (time.perf_counter() - t0) * 1000
                limit = max_ms if max_ms is not None else slow_call_limit_ms()
                if elapsed_ms > limit and _slow_reports_enabled:
                    try:
                        report_error(
                            title=f"{f.__module__}.{f.__qualname__}() calltime exceeded {limit:g} millisec! "
                                  f"(took {elapsed_ms:.0f} ms)",
                            data={"function": f.__name__, "time": {"microsecs": elapsed_ms * 1000}})
                    except Exception as e:
                        log.error("could not report a slow call of %s:\n%s", f.__qualname__, format_exception(e))

        # the crash handler leaves slow-call reports of this function to this wrapper
        setattr(wrapper, SLOW_ATTR, float("inf"))
        return wrapper

    return decorator

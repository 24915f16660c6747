"""The crash handler: wraps every served endpoint.

After the endpoint answers: an error body gets an ``error_id`` and goes
through the ``error_decorator``; a status >= 500 sends a FATAL report (with
the trace of the exception core caught); a call slower than
``report_call_exceeding_ms`` (or its ``@report_slow(max_ms=)``) sends a
NON-FATAL report. A successful, fast call costs one clock read and a
status check.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import pprint
import time
import traceback
import uuid

from flask import current_app, has_request_context, request
from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.server.plan import dumps

from pymacaron.crash.reporting import report_error
from pymacaron.exceptions import exception_to_error

log = logging.getLogger("pymacaron.crash")

EXCEPTION_KEY = "pymacaron.exception"  # where pymacaron-core leaves the exception it caught
_slow_reports_enabled = True


def set_slow_call_reporting(enabled):
    """Turn slow-call reports on or off (off inside async workers)."""
    global _slow_reports_enabled
    _slow_reports_enabled = bool(enabled)


def _slow_limit_ms(func):
    limit = getattr(func, "_pym_report_slow_ms", None) if func is not None else None
    if limit is not None:
        return limit
    try:
        from pymacaron.config import config_loaded, get_config

        if config_loaded():
            return get_config().get("report_call_exceeding_ms", 1000)
    except Exception:
        pass
    return 1000


def _handler_name(f):
    op = getattr(f, "operation", None)
    if op is not None and op.handler:
        return op.handler
    return f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', getattr(f, '__name__', '?'))}"


def _decorate_error_body(response, error_decorator):
    """Give an error body its error_id and pass it through the error decorator."""
    if response.mimetype != "application/json":
        return None
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return None
    if not isinstance(body, dict) or "error" not in body:
        return body
    changed = False
    if not body.get("error_id"):
        body["error_id"] = str(uuid.uuid4())
        changed = True
    if error_decorator is not None:
        try:
            body = error_decorator(body)
            changed = True
        except Exception:
            log.exception("the error_decorator failed; the error body is sent undecorated")
    if changed:
        response.set_data(dumps(body))
    status = body.get("status") if isinstance(body, dict) else None
    if isinstance(status, int) and 100 <= status <= 599 and status != response.status_code:
        response.status_code = status
    return body


def generate_crash_handler_decorator(error_decorator=None):
    def decorator(f):
        handler_name = _handler_name(f)
        own_limit = getattr(getattr(f, "handler", None) or f, "_pym_report_slow_ms", None)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            caught = None
            try:
                result = f(*args, **kwargs)
            except Exception as e:
                caught = e
                result = exception_to_error(e).http_reply()
            elapsed_ms = (time.perf_counter() - t0) * 1000
            slow_limit = own_limit if own_limit is not None else _slow_limit_ms(None)
            response = result if isinstance(result, WerkzeugResponse) else current_app.make_response(result)
            status = response.status_code
            if status < 400 and elapsed_ms <= slow_limit:
                return response
            body = _decorate_error_body(response, error_decorator) if status >= 400 else None
            if caught is None and has_request_context():
                caught = request.environ.get(EXCEPTION_KEY)
            status = response.status_code
            if status >= 500:
                _report(handler_name, response, body, caught, t0, elapsed_ms, args, kwargs, fatal=True)
            elif elapsed_ms > slow_limit and _slow_reports_enabled:
                _report(handler_name, response, body, None, t0, elapsed_ms, args, kwargs, fatal=False,
                        title=f"{handler_name}() calltime exceeded {int(slow_limit)} millisec!")
            return response

        wrapper.__wrapped__ = f
        return wrapper

    return decorator


def crash_handler(f):
    """The crash handler without error decorator, usable on any Flask view."""
    return generate_crash_handler_decorator()(f)


def _report(handler_name, response, body, caught, t0, elapsed_ms, args, kwargs, fatal, title=None):
    try:
        end = datetime.datetime.now(datetime.timezone.utc)
        start = end - datetime.timedelta(milliseconds=elapsed_ms)
        body = body if isinstance(body, dict) else {}
        data = {
            "error_id": body.get("error_id", ""),
            "time": {"start": start.isoformat(), "end": end.isoformat(), "microsecs": elapsed_ms * 1000},
            "response": {
                "type": type(response).__name__,
                "status": str(response.status_code),
                "is_error": 1 if response.status_code >= 400 else 0,
                "error_code": body.get("error", ""),
                "error_description": body.get("error_description", ""),
                "user_message": body.get("user_message", ""),
            },
            "request": {"params": pprint.pformat([list(args), kwargs])},
        }
        if caught is not None:
            data["trace"] = traceback.format_exception(type(caught), caught, caught.__traceback__, limit=30)
        if title is None:
            detail = str(caught) if caught is not None else body.get("error_description", "")
            title = f"{handler_name}(): {detail}"
        report_error(title=title, data=data, is_fatal=fatal)
    except Exception:
        log.exception("could not build the crash report")


def report_slow(max_ms=None):
    """Report a call of the decorated function slower than ``max_ms`` (NON-FATAL)."""

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                elapsed_ms = (time.perf_counter() - t0) * 1000
                limit = max_ms if max_ms is not None else _slow_limit_ms(None)
                if elapsed_ms > limit and _slow_reports_enabled:
                    report_error(title=f"{f.__module__}.{f.__qualname__}() calltime exceeded {int(limit)} millisec!",
                                 data={"time": {"microsecs": elapsed_ms * 1000}}, is_fatal=False)

        # the endpoint's own limit replaces the global one in the crash handler
        wrapper._pym_report_slow_ms = float("inf")
        return wrapper

    if callable(max_ms):  # used bare: @report_slow
        f, max_ms = max_ms, None
        return decorator(f)
    return decorator

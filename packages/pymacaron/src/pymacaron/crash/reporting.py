"""Crash reports: what they hold, their titles, and the gate that turns them off.

``report_error(title, caught=...)`` sends a NON-FATAL report; the crash handler
sends FATAL ones (status >= 500) and NON-FATAL slow-call ones. Each report goes,
redacted, to ``error_reporter(title, message)`` (``message``: the report as
indented JSON) on the background sender (:mod:`pymacaron.crash.sender`).

Titles::

    FATAL BACKEND ERROR <name> <status> <code>: <module.func>(): <text>
    NON-FATAL BACKEND ERROR <name> <func>(): <title>

``NO_ERROR_REPORTING=1`` or ``report_errors: false`` in pym-config turns
reporting off (``DO_REPORT_ERROR`` set forces it on); the error is still logged.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import socket
import sys
import traceback
from collections.abc import Callable, Collection
from types import FrameType
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request

from pymacaron.observability import hooks
from pymacaron.crash import sender
from pymacaron.crash.folding import fold_key
from pymacaron.crash.redact import MAX_BODY_SCAN, format_exception, redact, redact_text, secret_values

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig

log = logging.getLogger("pymacaron.crash")

FATAL_PREFIX = "FATAL BACKEND ERROR"
NON_FATAL_PREFIX = "NON-FATAL BACKEND ERROR"
CLAIMS_IN_REPORT = ("name", "email", "is_expert", "is_admin", "is_support", "is_tester", "language")


def default_reporter(title: str, message: str) -> None:
    """Log the report (the reporter used unless API(error_reporter=...) names another)."""
    log.error("error: %s", title)
    log.error("details:\n%s", message)


_reporter: Callable[[str, str], object] = default_reporter
_sync = False


def set_error_reporter(callback: Callable[[str, str], object] | None = None) -> None:
    """Install ``callback(title, message)`` as the crash reporter (None: the default, which logs)."""
    global _reporter
    if callback is not None and not callable(callback):
        raise TypeError(f"the error reporter must be a function reporter(title, message), got {callback!r}")
    _reporter = callback or default_reporter


def get_error_reporter() -> Callable[[str, str], object]:
    """The installed crash reporter, ``reporter(title, message)`` (default_reporter unless set)."""
    return _reporter


def set_synchronous_reporting(enabled: bool) -> None:
    """Call the reporter in the reporting thread (e.g. in a worker that must not exit early)."""
    global _sync
    _sync = bool(enabled)


def reporting_enabled() -> bool:
    """False when ``NO_ERROR_REPORTING=1`` or ``report_errors: false`` turns reports off (DO_REPORT_ERROR wins)."""
    if os.environ.get("DO_REPORT_ERROR"):
        return True
    if os.environ.get("NO_ERROR_REPORTING") == "1":
        return False
    config = _config()
    return config is None or config.get("report_errors", True) is not False


def _config() -> PyMacaronConfig | None:
    try:
        from pymacaron.config import config_loaded, get_config

        return get_config() if config_loaded() else None
    except Exception:
        return None


def _app_name() -> str:
    config = _config()
    return (config.get("name", "") or "") if config is not None else ""


def populate_error_report(data: dict[str, Any]) -> dict[str, Any]:
    """Add what is known about the current call, user, endpoint and server to ``data``."""
    from pymacaron_core.context import get_call_id, get_call_path

    data.setdefault("call_id", get_call_id() or "")
    data.setdefault("call_path", get_call_path() or "")
    user: dict[str, Any] = {"id": "", "is_auth": 0, "ip": ""}
    try:
        from pymacaron.auth import get_user_token_data

        claims = get_user_token_data() or {}
    except Exception:
        claims = {}
    if claims:
        user["id"] = claims.get("sub", "")
        user["is_auth"] = 1
        user.update({k: claims[k] for k in CLAIMS_IN_REPORT if k in claims})
    if has_request_context():
        user["ip"] = request.remote_addr or ""
        if request.headers.get("X-Forwarded-For"):
            user["forwarded_ip"] = request.headers.get("X-Forwarded-For")
        if request.headers.get("User-Agent"):
            user["user_agent"] = request.headers.get("User-Agent")
        view = request.url_rule.endpoint if request.url_rule is not None else ""
        api_name = view.split(":", 1)[0] if ":" in view else ""
        data["endpoint"] = {
            "id": f"{api_name} {request.method} {request.path}".replace("  ", " "),
            "url": request.url,
            "base_url": request.base_url,
            "path": request.path,
            "method": request.method,
            "data": _body_for_report(),
        }
        server = _server_info(api_name)
        if server:
            data["server"] = server
    data["user"] = user
    return data


def _body_for_report(limit: int = 10000) -> str:
    """The request body (secret fields masked), as text, at most ``limit`` characters."""
    try:
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = {k: v if len(v) > 1 else v[0] for k, v in request.form.lists()}
            files = sorted(request.files)
            return json.dumps(redact(dict(form, **({"files": files} if files else {}))))[:limit]
        raw = request.get_data(cache=True)
    except Exception:
        return ""
    if not raw:
        return ""
    if len(raw) > MAX_BODY_SCAN:  # fail closed: a body too large to parse for secret fields is not copied
        return f"[a body of {len(raw)} bytes, not shown: larger than the {MAX_BODY_SCAN} bytes searched for secrets]"
    try:
        return json.dumps(redact(json.loads(raw)))[:limit]
    except (ValueError, RecursionError):
        return redact_text(raw[:limit].decode("utf-8", "replace"))


def _server_info(api_name: str) -> dict[str, Any] | None:
    if not api_name:
        return None
    info = {"fqdn": socket.getfqdn(), "port": request.environ.get("SERVER_PORT", ""), "api_name": api_name,
            "api_version": ""}
    try:
        from pymacaron_core import ApiPool

        if ApiPool.has(api_name):
            info["api_version"] = ApiPool.get(api_name).get_version()
    except Exception:
        pass
    return info


def format_title(title: object, data: dict[str, Any], is_fatal: bool, secrets: Collection[str] | None = None) -> str:
    """The one-line title of a report (``title`` is redacted, the rest is ours)."""
    prefix = FATAL_PREFIX if is_fatal else NON_FATAL_PREFIX
    name = _app_name()
    response = data.get("response")
    if is_fatal and isinstance(response, dict):
        detail = " ".join(str(p) for p in (name, response.get("status", ""), response.get("error_code", "")) if p)
    else:
        detail = " ".join(p for p in (name, f"{data.get('function') or '?'}()") if p)
    return f"{prefix} {detail}: {redact_text(str(title), secrets)}"


def report_error(title: str | None = None, data: dict[str, Any] | None = None, caught: object = None,
                 is_fatal: bool = False) -> str | None:
    """Send a report (NON-FATAL unless ``is_fatal``); returns its title, or None if reporting is off.

    ``data`` is copied, never changed. ``caught``: the exception (or object) behind the report.
    """
    return send_report(title, _own_copy(data) if data else {}, caught, is_fatal)


def send_report(title: str | None, data: dict[str, Any], caught: Any = None, is_fatal: bool = False) -> str | None:
    """report_error() on a ``data`` dict the caller hands over (it must not change it afterwards).

    -> the report's title, or None when reporting is off or the report was folded into
    an identical one sent less than ``crash_report_fold_seconds`` ago (:mod:`~pymacaron.crash.folding`).
    """
    if title is None:
        title = str(caught) if caught is not None else "error"
    if not reporting_enabled():
        log.warning("Caught error (reporting is off): %s", redact_text(str(title), secret_values()))
        return None
    if caught is not None and getattr(caught, "__traceback__", None) is not None and "trace" not in data:
        data["trace"] = capture_trace(caught)
    key = fold_key(title, data, is_fatal)
    if not sender.fold(key, _reporter, str(data.get("error_id") or "")):
        log.debug("Folded into an identical report: %s", title)
        return None
    if hooks.crash_report is not None:
        hooks.crash_report(is_fatal)
    secrets = secret_values()
    if "function" not in data and not (is_fatal and "response" in data):
        data["function"] = _calling_function()
    full_title = format_title(title, data, is_fatal, secrets)
    sender.folded_title(key, full_title)
    log.warning("Caught error: %s", full_title)
    if "user" not in data:
        try:
            populate_error_report(data)
        except Exception as e:
            log.error("could not describe the request in the crash report:\n%s", format_exception(e))
    data["title"] = title
    data["is_fatal_error"] = bool(is_fatal)
    if caught is not None:
        data["error_caught"] = str(caught.to_json() if hasattr(caught, "to_json") else caught)
    if "stack" not in data:
        data["stack"] = _capture_stack()

    def message() -> str:  # built by the sender, off the request path
        return json.dumps(redact(_render(data), secrets), sort_keys=True, indent=4, default=str)

    if _sync:
        sender.deliver(_reporter, full_title, message)
    else:
        sender.submit(_reporter, full_title, message)
    return full_title


_PLAIN = (str, int, float, bool, type(None), traceback.TracebackException, traceback.StackSummary)


def _own_copy(data: dict[str, Any]) -> dict[str, Any]:
    """A copy the caller cannot change while the report waits in the queue."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, _PLAIN):
            out[key] = value
        else:
            try:
                out[key] = copy.deepcopy(value)
            except Exception:
                out[key] = repr(value)
    return out


def capture_trace(exc: BaseException, limit: int | None = 30) -> traceback.TracebackException:
    """The traceback of ``exc``, captured now, formatted later (off the request path)."""
    return traceback.TracebackException(type(exc), exc, exc.__traceback__, limit=limit, lookup_lines=False)


def _in_crash_package(frame: FrameType) -> bool:
    return "pymacaron/crash/" in frame.f_code.co_filename.replace(os.sep, "/")


def _capture_stack(limit: int = 30) -> traceback.StackSummary:
    """Where report_error was called from (the frames of pymacaron.crash left out)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_crash_package(frame):
        frame = frame.f_back
    stack = traceback.StackSummary.extract(traceback.walk_stack(frame), limit=limit, lookup_lines=False)
    stack.reverse()
    return stack


def _render(data: dict[str, Any]) -> dict[str, Any]:
    """Captured traces and stacks -> lists of lines, as in v1's reports."""
    out = dict(data)
    for key, value in data.items():
        if isinstance(value, traceback.TracebackException):
            out[key] = list(value.format())
        elif isinstance(value, traceback.StackSummary):
            out[key] = value.format()
    return out


def _calling_function() -> str:
    """Name of the function that called report_error (first frame outside pymacaron.crash)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_crash_package(frame):
        frame = frame.f_back
    return frame.f_code.co_name if frame is not None else ""

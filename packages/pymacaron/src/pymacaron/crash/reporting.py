"""Crash reports: build them, redact them, and send them off the request path.

``report_error()`` builds a report and hands it to a background sender; the
``error_reporter(title, message)`` callback runs in that thread, so a slow
or crashing reporter never delays or breaks a response. Reports still queued
at exit are flushed (bounded wait). ``NO_ERROR_REPORTING=1`` or
``report_errors: false`` in pym-config turns reporting off.
"""

from __future__ import annotations

import atexit
import datetime
import json
import logging
import os
import queue
import socket
import threading
import traceback

from flask import has_request_context, request

from pymacaron.crash.redact import redact, redact_text

log = logging.getLogger("pymacaron.crash")

FATAL_PREFIX = "FATAL BACKEND ERROR"
NON_FATAL_PREFIX = "NON-FATAL BACKEND ERROR"


def default_reporter(title, message):
    log.error("error: %s", title)
    log.error("details:\n%s", message)


_reporter = default_reporter


def set_error_reporter(callback=None):
    """Install ``callback(title, message)`` as the crash reporter (None: log only)."""
    global _reporter
    _reporter = callback or default_reporter


def get_error_reporter():
    return _reporter


class _Sender:
    """One daemon thread draining a bounded queue of reports."""

    def __init__(self, maxsize=1000):
        self.queue = queue.Queue(maxsize=maxsize)
        self.thread = None
        self.lock = threading.Lock()
        self.dropped = 0

    def _run(self):
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                title, message = item
                reporter = _reporter
                try:
                    reporter(title, message)
                except Exception:
                    log.exception("the error reporter failed (report titled %r was lost)", title)
            finally:
                self.queue.task_done()

    def submit(self, title, message):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="pymacaron-crash-reporter", daemon=True)
                self.thread.start()
        try:
            self.queue.put_nowait((title, message))
        except queue.Full:
            self.dropped += 1
            log.error("crash report queue full: dropped report %r", title)

    def flush(self, timeout=5.0):
        """Wait until every queued report was handed to the reporter (bounded)."""
        done = threading.Event()

        def waiter():
            self.queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)


_sender = _Sender()


def _reset_after_fork():
    global _sender
    _sender = _Sender()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def flush_reports(timeout=5.0):
    """Block until queued reports are sent (at most ``timeout`` seconds)."""
    return _sender.flush(timeout)


atexit.register(lambda: _sender.flush(5.0))

_sync = False


def set_synchronous_reporting(enabled):
    """Send reports in the calling thread (for scripts and workers that exit right away)."""
    global _sync
    _sync = bool(enabled)


def reporting_enabled():
    if os.environ.get("NO_ERROR_REPORTING") == "1":
        return False
    try:
        from pymacaron.config import config_loaded, get_config

        if config_loaded() and get_config().get("report_errors", True) is False:
            return False
    except Exception:
        pass
    return True


def _app_name():
    try:
        from pymacaron.config import config_loaded, get_config

        if config_loaded():
            return get_config().get("name", "") or ""
    except Exception:
        pass
    return ""


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def populate_error_report(data):
    """Add what is known about the current request, user and server to ``data``."""
    from pymacaron_core.context import get_call_id, get_call_path

    data.setdefault("call_id", get_call_id() or "")
    data.setdefault("call_path", get_call_path() or "")
    user = {"id": "", "is_auth": 0, "ip": ""}
    try:
        from pymacaron.auth import get_user_token_data

        claims = get_user_token_data() or {}
    except Exception:
        claims = {}
    if claims:
        user["id"] = claims.get("sub", "")
        user["is_auth"] = 1
        for key in ("name", "email", "is_expert", "is_admin", "is_support", "is_tester", "language"):
            if key in claims:
                user[key] = claims[key]
    if has_request_context():
        user["ip"] = request.remote_addr or ""
        if request.headers.get("X-Forwarded-For"):
            user["forwarded_ip"] = request.headers.get("X-Forwarded-For")
        if request.headers.get("User-Agent"):
            user["user_agent"] = request.headers.get("User-Agent")
        view = request.url_rule.endpoint if request.url_rule is not None else ""
        api_name = view.split(":", 1)[0] if ":" in view else ""
        data["endpoint"] = {
            "id": f"{api_name} {request.method} {request.path}",
            "url": request.url,
            "base_url": request.base_url,
            "path": request.path,
            "method": request.method,
            "data": _body_for_report(),
        }
        data["server"] = _server_info(api_name)
    data["user"] = user
    return data


def _body_for_report(limit=10000):
    try:
        raw = request.get_data(cache=True)
    except Exception:
        return ""
    if not raw:
        return ""
    text = raw[:limit].decode("utf-8", "replace")
    try:
        return json.dumps(redact(json.loads(text)))
    except ValueError:
        return redact_text(text)


def _server_info(api_name):
    info = {"fqdn": socket.getfqdn(), "port": request.environ.get("SERVER_PORT", ""), "api_name": api_name,
            "api_version": ""}
    try:
        from pymacaron_core import ApiPool

        if api_name and ApiPool.has(api_name):
            info["api_version"] = ApiPool.get(api_name).get_version()
    except Exception:
        pass
    return info


def format_title(title, data, is_fatal):
    prefix = FATAL_PREFIX if is_fatal else NON_FATAL_PREFIX
    name = _app_name()
    response = data.get("response")
    if isinstance(response, dict):
        detail = f"{name} {response.get('status', '')} {response.get('error_code', '')}".strip()
    else:
        detail = f"{name} {data.get('function', '')}()".strip()
    return f"{prefix} {detail}: {title}"


def report_error(title=None, data=None, caught=None, is_fatal=False):
    """Send a crash report (NON-FATAL unless ``is_fatal``) through the error reporter."""
    data = dict(data or {})
    if title is None:
        title = str(caught) if caught is not None else "error"
    log.warning("Caught error: %s", redact_text(str(title)))
    if not reporting_enabled():
        return None
    if "user" not in data:
        try:
            populate_error_report(data)
        except Exception:
            log.exception("could not describe the request in the crash report")
    if "function" not in data and "response" not in data:
        data["function"] = _calling_function()
    data["title"] = title
    data["is_fatal_error"] = bool(is_fatal)
    if caught is not None:
        data["error_caught"] = str(caught.to_json() if hasattr(caught, "to_json") else caught)
    data.setdefault("stack", traceback.format_stack()[:-1])
    full_title = redact_text(format_title(title, data, is_fatal))
    message = json.dumps(redact(data), sort_keys=True, indent=4, default=str)
    if _sync:
        try:
            _reporter(full_title, message)
        except Exception:
            log.exception("the error reporter failed")
    else:
        _sender.submit(full_title, message)
    return full_title


def _calling_function():
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "pymacaron/crash" not in frame.filename.replace(os.sep, "/"):
            return frame.name
    return ""

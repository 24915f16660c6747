"""Running one task message, in a worker or inline: with the caller's context, never crashing.

The function runs inside a request context of the service's Flask app, built
from the caller's URL, carrying its call id and call path; the caller's token
is loaded again, so ``get_userid()`` and ``get_user_token()`` answer as they
did in the request. A token that expired between the call and the run (a
delayed task, a busy queue) is accepted if it was valid when the task was
scheduled. Any exception becomes a FATAL crash report sent through the
service's error reporter; nothing propagates to Celery, so the worker lives on.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import logging
import pprint
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pymacaron.observability import hooks

if TYPE_CHECKING:
    from pymacaron_async.task import AsyncTask

from pymacaron_async.envelope import describe
from pymacaron_async.exceptions import TaskDefinitionError
from pymacaron_async.serialization import deserialize_call

log = logging.getLogger("pymacaron_async")

_fallback_app = None


def resolve_task(path: str) -> AsyncTask:
    """The :class:`~pymacaron_async.task.AsyncTask` named ``module:qualname`` (imported if needed)."""
    from pymacaron_async.task import AsyncTask

    module_name, _, qualname = str(path).partition(":")
    if not module_name or not qualname:
        raise TaskDefinitionError(f"task message names {path!r}, not 'module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise TaskDefinitionError(f"the worker cannot import {module_name!r} to run {path} ({e}): is the module in "
                                  "the service's folder, and does the worker run there?") from None
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise TaskDefinitionError(f"the worker found no {qualname!r} in {module_name}: was the task renamed or "
                                      "removed while messages were queued?")
    if not isinstance(obj, AsyncTask):
        raise TaskDefinitionError(f"{path} is not decorated with @asynctask: the worker only runs tasks")
    return obj


def _flask_app():
    from flask import Flask, current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    from pymacaron_async.loader import loaded_service_app

    app = loaded_service_app()
    if app is not None:
        return app
    global _fallback_app
    if _fallback_app is None:
        _fallback_app = Flask("pym-async")
    return _fallback_app


def _request_kwargs(ctx):
    headers = {}
    if ctx.get("call_id"):
        headers["PymCallID"] = ctx["call_id"]
    if ctx.get("call_path"):
        headers["PymCallPath"] = ctx["call_path"]
    kwargs = {"headers": headers}
    url = ctx.get("url")
    if url:
        parts = urlsplit(url)
        kwargs.update(path=parts.path or "/", query_string=parts.query,
                      base_url=f"{parts.scheme}://{parts.netloc}" if parts.scheme else None)
    return kwargs


def _load_user(token, scheduled_at):
    """Load the caller's token as the current user (valid now, or when the task was scheduled)."""
    from pymacaron.auth import load_auth_token
    from pymacaron.exceptions import AuthTokenExpiredError

    try:
        load_auth_token(token)
    except AuthTokenExpiredError:
        _load_token_valid_at(token, scheduled_at)


def _load_token_valid_at(token, scheduled_at):
    import jwt
    from flask import request

    from pymacaron import auth
    from pymacaron.exceptions import AuthInvalidTokenError, AuthTokenExpiredError

    settings = auth.jwt_settings()
    waited = max(0.0, time.time() - float(scheduled_at or 0))
    try:  # the expiry checked as of scheduling time: the leeway grows by the time spent in the queue
        payload = jwt.decode(token, settings.verify_key, algorithms=settings.algorithms, audience=settings.audience,
                             leeway=settings.leeway + waited, options={"require": list(auth.REQUIRED_CLAIMS)})
    except jwt.ExpiredSignatureError:
        raise AuthTokenExpiredError("the caller's token had already expired when the task was scheduled") from None
    except jwt.PyJWTError as e:
        raise AuthInvalidTokenError(f"the caller's token is not valid: {type(e).__name__}") from None
    if payload.get("iss") not in settings.issuers:
        raise AuthInvalidTokenError("incorrect issuer")
    payload["token"] = token
    request.environ[auth._ENV_KEY] = payload


def run_envelope(envelope: Any, raise_errors: bool = False) -> bool:
    """Run a task message -> True if the function returned, False if it failed (and was reported).

    ``raise_errors`` (eager mode in tests): exceptions reach the caller instead of a report.
    """
    from flask import request
    from pymacaron_core.context import enter_call

    name = envelope.get("function", "?") if isinstance(envelope, dict) else "?"
    ctx = (envelope.get("context") if isinstance(envelope, dict) else None) or {}
    try:
        if not isinstance(envelope, dict) or "function" not in envelope:
            raise TaskDefinitionError(f"not a pymacaron-async task message: {type(envelope).__name__}")
        task = resolve_task(name)
        args, kwargs = deserialize_call(envelope.get("args") or [], envelope.get("kwargs") or {})
    except Exception as e:
        if raise_errors:
            raise
        _report(envelope, name, e, ctx, "could not be started")
        return False
    app = _flask_app()
    span = hooks.task_span(name, ctx.get("trace")) if hooks.task_span is not None else contextlib.nullcontext()
    with app.test_request_context(**_request_kwargs(ctx)), span:
        enter_call(request.environ, None)
        stage = "was not run: the caller's token was refused"
        try:
            if ctx.get("token"):
                _load_user(ctx["token"], ctx.get("scheduled_at"))
            stage = "failed"
            t0 = time.perf_counter()
            task.func(*args, **kwargs)
        except Exception as e:
            _task_done(name, False)
            if raise_errors:
                raise
            _report(envelope, name, e, ctx, stage)
            return False
        _task_done(name, True)
        log.info("task %s done in %.0f ms", describe(envelope), (time.perf_counter() - t0) * 1000)
    return True


def _task_done(name, succeeded):
    if hooks.task_done is not None:
        try:
            hooks.task_done(name, succeeded)
        except Exception as e:  # metrics never fail a task
            log.warning("could not count the task %s: %s", name, e)


def _report(envelope, name, e, ctx, what):
    """A FATAL crash report about the task ``name`` (never raises)."""
    try:
        from pymacaron.crash import report_error

        scheduled = ctx.get("scheduled_at")
        when = (datetime.datetime.fromtimestamp(float(scheduled), datetime.timezone.utc).isoformat()
                if scheduled else "")
        params = [envelope.get("args"), envelope.get("kwargs")] if isinstance(envelope, dict) else []
        data = {
            "function": name.rpartition(":")[2] or name,
            "task": {"function": name, "scheduled_at": when, "delay": ctx.get("delay", 0), "outcome": what},
            "request": {"params": pprint.pformat(params)[:10000]},
        }
        report_error(title=f"async task {name} {what}: {type(e).__name__}: {e}", data=data, caught=e, is_fatal=True)
    except Exception:  # the reporter itself failed: the worker must still live on
        log.exception("async task %s %s, and the crash report could not be sent", name, what)

"""Development only: a request answers once the tasks it scheduled have run (bounded).

Under ``python server.py`` (with ``with_async: true``), the server starts its own worker
(:func:`pymacaron_async.supervise.start_local_worker`). There, a request that schedules
tasks (without ``delay``) waits, before its response goes out, until that worker has run
them, for at most ``async_dev_wait`` seconds of pym-config.yaml (default 10; 0 answers at
once, as pymacaron v1 did). So a test or a person calling ``/async`` and then looking at
what the task did sees it done: pymacaron v1's helloworld acceptance test reads the task's
file right after the reply. The tasks still run in the real worker, through the broker.

Production never waits: servers started otherwise (gunicorn, ``pymacaron run``, workers
run by ``pymacaron worker``) do not enable this.

How: the task's message carries a random ``notify`` id; the local worker (which gets
:data:`ENV_DONE_DIR`) writes ``<done dir>/<id>`` once the task has run or failed; the
request's ``after_request`` hook waits for those files and deletes them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger("pymacaron_async")

ENV_DONE_DIR = "PYM_ASYNC_DONE_DIR"
CONFIG_KEY = "async_dev_wait"
DEFAULT_WAIT = 10.0
POLL = 0.005
_ENV_KEY = "pymacaron_async.scheduled"
_ID = re.compile(r"[0-9a-f]{32}")

_done_dir = None  # set in the process of python server.py once its worker is started


def done_dir_for(folder: str) -> str:
    """Where the local worker of the service in ``folder`` reports finished tasks."""
    return os.path.join(folder, ".pym", "async-done")


def enable(done_dir: str) -> None:
    """Make this process (python server.py) wait for its requests' tasks; ``done_dir`` starts empty."""
    global _done_dir
    shutil.rmtree(done_dir, ignore_errors=True)
    os.makedirs(done_dir, mode=0o700, exist_ok=True)
    _done_dir = done_dir


def disable() -> None:
    """Stop waiting for the requests' tasks (this process no longer runs a local worker)."""
    global _done_dir
    _done_dir = None


def active() -> bool:
    """True while this process waits for its requests' tasks."""
    return _done_dir is not None


def tag(envelope: dict[str, Any], delay: float) -> str | None:
    """Give ``envelope`` a notify id when the current request will wait for it (returns the id or None)."""
    if _done_dir is None or delay:
        return None
    from flask import has_request_context, request

    if not has_request_context():
        return None
    notify = uuid.uuid4().hex
    envelope["notify"] = notify
    request.environ.setdefault(_ENV_KEY, []).append(notify)
    return notify


def untag(notify: str | None) -> None:
    """The task ``notify`` could not be sent: the request does not wait for it."""
    if notify is None:
        return
    from flask import has_request_context, request

    if has_request_context():
        pending = request.environ.get(_ENV_KEY) or []
        if notify in pending:
            pending.remove(notify)


def mark_done(envelope: object) -> None:
    """In the local worker: say that ``envelope`` has run (never raises)."""
    folder = os.environ.get(ENV_DONE_DIR)
    notify = envelope.get("notify") if isinstance(envelope, dict) else None
    if not folder or not isinstance(notify, str) or not _ID.fullmatch(notify):
        return
    try:
        fd = os.open(os.path.join(folder, notify), os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
    except OSError as e:
        log.debug("could not mark task %s done in %s: %s", notify, folder, e)


def _budget():
    from pymacaron.config import config_loaded, get_config

    value = get_config().get(CONFIG_KEY, DEFAULT_WAIT) if config_loaded() else DEFAULT_WAIT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        log.warning("%s in pym-config.yaml must be a number of seconds >= 0, got %r: using %s", CONFIG_KEY, value,
                    DEFAULT_WAIT)
        return DEFAULT_WAIT
    return float(value)


def wait_for_request_tasks(response: Response) -> Response:
    """Flask ``after_request`` hook: wait (bounded) for the tasks this request scheduled."""
    from flask import request

    pending = request.environ.pop(_ENV_KEY, None)
    folder = _done_dir
    if not pending or folder is None:
        return response
    deadline = time.monotonic() + _budget()
    waiting = list(pending)
    while waiting:
        waiting = [n for n in waiting if not os.path.exists(os.path.join(folder, n))]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(POLL)
    for notify in pending:
        try:
            os.remove(os.path.join(folder, notify))
        except OSError:
            pass
    if waiting:
        log.warning("development server: %d task(s) scheduled by %s %s did not finish within %s=%g s; answering "
                    "anyway (is the worker running?)", len(waiting), request.method, request.path, CONFIG_KEY,
                    _budget())
    return response


def install(app: Flask) -> None:
    """Register the waiting hook on ``app`` when this process runs a local worker (idempotent)."""
    if _done_dir is None or getattr(app, "_pym_async_dev_wait", False):
        return
    app.after_request(wait_for_request_tasks)
    app._pym_async_dev_wait = True

"""What happens to a task when the worker running it dies: ``async_delivery`` in pym-config.yaml.

``at_most_once`` (the default, as in pymacaron v1)
    A worker takes a task off the queue when it starts running it. If the
    worker dies then (killed, out of memory, the machine lost), the task is
    lost; it never runs twice. For tasks that must not be repeated (sending
    an e-mail, charging a card).

``at_least_once``
    A task leaves the queue only once it has run (Celery's ``acks_late``, and
    ``reject_on_worker_lost``): if its pool process dies, it is queued again at
    once; if the whole worker dies, the broker delivers it again once
    ``async_visibility_timeout`` seconds have passed (redis, SQS). A task is
    never lost, and may run twice: make it idempotent.

``async_visibility_timeout`` (seconds, default 300): how long redis or SQS wait
for a task delivered to a worker to be acknowledged before delivering it
again. It must be longer than the longest ``@asynctask(delay=...)`` (a delayed
task waits unacknowledged in the worker) and, with ``at_least_once``, than the
longest task run; else the task runs twice.

Either way, a pool process that dies while running a task sends a FATAL crash
report naming the task (see :class:`ReportingRequest`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from celery import Celery
    from celery.worker.request import Request
    from pymacaron.config import PyMacaronConfig

from pymacaron_async.exceptions import AsyncConfigError

log = logging.getLogger("pymacaron_async")

DELIVERY_KEY = "async_delivery"
VISIBILITY_KEY = "async_visibility_timeout"
AT_MOST_ONCE = "at_most_once"
AT_LEAST_ONCE = "at_least_once"
MODES = (AT_MOST_ONCE, AT_LEAST_ONCE)
DEFAULT_VISIBILITY_TIMEOUT = 300


def _where(config):
    return (config.get("config_path") if config is not None else None) or "pym-config.yaml"


def delivery_mode(config: PyMacaronConfig | None) -> str:
    """``async_delivery`` of ``config``: AT_MOST_ONCE or AT_LEAST_ONCE (AsyncConfigError otherwise)."""
    mode = config.get(DELIVERY_KEY) if config is not None else None
    if mode in (None, ""):
        return AT_MOST_ONCE
    if mode not in MODES:
        raise AsyncConfigError(f"{DELIVERY_KEY} in {_where(config)} is {mode!r}: use {AT_MOST_ONCE} (a task "
                               f"whose worker dies is lost, never repeated) or {AT_LEAST_ONCE} (it is run again, "
                               "so it may run twice)")
    return mode


def visibility_timeout(config: PyMacaronConfig | None) -> float:
    """``async_visibility_timeout`` of ``config``, in seconds."""
    value = config.get(VISIBILITY_KEY) if config is not None else None
    if value in (None, ""):
        return DEFAULT_VISIBILITY_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise AsyncConfigError(f"{VISIBILITY_KEY} in {_where(config)} must be a number of seconds > 0 "
                               f"(e.g. {VISIBILITY_KEY}: {DEFAULT_VISIBILITY_TIMEOUT}), got {value!r}")
    return value


def celery_settings(mode: str) -> dict[str, bool]:
    """The Celery settings of a delivery mode."""
    late = mode == AT_LEAST_ONCE
    return {"task_acks_late": late, "task_reject_on_worker_lost": late}


def _request_class():
    from celery.exceptions import WorkerLostError
    from celery.worker.request import Request

    class ReportingRequest(Request):
        """A task request whose pool process died sends a FATAL crash report (in the worker's main process)."""

        def on_failure(self, exc_info, send_failed_event=True, return_ok=False):
            exc = getattr(exc_info, "exception", None)
            exc = getattr(exc, "exc", exc)  # celery's ExceptionWithTraceback
            if isinstance(exc, WorkerLostError):
                try:
                    report_lost_process(self, exc)
                except Exception as e:  # the report must never stop Celery's own handling
                    log.error("pymacaron-async: could not report a lost pool process: %s", e)
            return super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)

    return ReportingRequest


def report_lost_process(request: Request, exc: BaseException) -> None:
    """A worker process died running a task: report it, saying whether the task runs again."""
    from pymacaron.crash import report_error

    from pymacaron_async.envelope import describe

    args = request.args or ()
    task = describe(args[0]) if args and isinstance(args[0], dict) else request.name
    requeued = bool(getattr(request.task, "acks_late", False) and getattr(request.task, "reject_on_worker_lost", False))
    fate = "it is queued again (async_delivery: at_least_once)" if requeued else \
        "the task is lost (async_delivery: at_most_once)"
    report_error(title=f"async task {task}: the pool process running it died ({exc}); {fate}",
                 data={"function": "pymacaron_async.run", "task": task, "task_id": request.id}, is_fatal=True)


ReportingRequest = None


def request_class() -> type:
    """:class:`ReportingRequest` (built on first use: Celery is imported lazily)."""
    global ReportingRequest
    if ReportingRequest is None:
        ReportingRequest = _request_class()
    return ReportingRequest


RESTORE_EVERY_MAX_S = 10.0


def restore_interval(timeout: float) -> float:
    """How often a worker looks for a dead worker's unacknowledged tasks: a quarter of the timeout, 1..10 s."""
    return max(1.0, min(RESTORE_EVERY_MAX_S, timeout / 4.0))


def redis_restore_options(timeout: float) -> dict[str, float]:
    """kombu redis transport options that keep a dead worker from holding up redelivery.

    Workers take a redis lock while they put messages whose visibility timeout is
    over back in their queue; kombu lets it expire after 300 s. A worker killed
    while holding it (SIGKILL, a lost machine) would stop every other worker from
    restoring anything for those 5 minutes, so at_least_once tasks came back late.
    Restoring takes milliseconds; the lock now expires after one
    :func:`restore_interval`. Two workers restoring at once is harmless: each
    message is put back in a redis transaction that only one of them wins.
    """
    return {"unacked_mutex_expire": restore_interval(timeout)}


def start_redelivery(app: Celery, stop: threading.Event | None = None) -> threading.Thread | None:
    """Deliver again, within about ``async_visibility_timeout`` s, the tasks a dead worker held (redis only).

    kombu's redis transport puts a delivered, unacknowledged message back in its
    queue only when a worker looks for such messages: once at start-up, then
    every 100 s. A worker killed with tasks waiting in its prefetch buffer (both
    modes) or running (``at_least_once``) would leave them stuck that long after
    their timeout. This thread looks every :func:`restore_interval` seconds over
    its own broker connection; redis' mutex keeps workers from restoring the same
    message twice. SQS makes a message visible again by itself: nothing to do.
    Returns the thread, or None when the broker is not redis.
    """
    options = dict(app.conf.broker_transport_options or {})
    url = app.conf.broker_url or ""
    if url.split(":", 1)[0].split("+", 1)[0] not in ("redis", "rediss"):
        return None
    every = restore_interval(float(options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT)))
    stop = stop or threading.Event()

    def run():
        conn = None
        while not stop.wait(every):
            try:
                if conn is None:
                    conn = app.connection_for_write()
                channel = conn.default_channel
                channel.qos.restore_visible(num=channel.unacked_restore_limit, interval=1)
            except Exception as e:  # broker down: the worker's own connection reports it; try again later
                log.debug("pymacaron-async: could not look for undelivered tasks: %s", e)
                if conn is not None:
                    conn.release()
                conn = None

    thread = threading.Thread(target=run, name="pymacaron-async-redelivery", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]  # callers set it to end the thread
    thread.start()
    return thread

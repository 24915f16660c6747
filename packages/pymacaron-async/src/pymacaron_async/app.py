"""The Celery app of the service: one per process, built from pym-config.yaml when first needed.

All tasks go through one Celery task, :data:`TASK_NAME`, whose message names
the decorated function (``module:qualname``): the worker imports it if the
service did not, and runs only functions decorated with ``@asynctask``.
Messages are JSON only; there is no result backend (a task's return value is
dropped, as in pymacaron v1). What happens to a task whose worker dies is
``async_delivery`` (:mod:`pymacaron_async.delivery`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery
    from pymacaron.config import PyMacaronConfig

    from pymacaron_async.broker import Broker

from pymacaron_async import broker as _broker
from pymacaron_async.delivery import AT_MOST_ONCE, celery_settings, delivery_mode, request_class

log = logging.getLogger("pymacaron_async")

TASK_NAME = "pymacaron_async.run"
_lock = threading.Lock()
_app = None
_app_key = None


def _service_config():
    from pymacaron.config import get_config

    return get_config()


def build_app(brk: Broker, delivery: str = AT_MOST_ONCE) -> Celery:
    """A Celery app sending to, and consuming from, the broker ``brk`` (:class:`~pymacaron_async.broker.Broker`),
    with the ``delivery`` mode of :mod:`pymacaron_async.delivery`."""
    from celery import Celery

    app = Celery("pymacaron_async", set_as_current=False)
    app.conf.update(
        broker_url=brk.url,
        broker_transport=brk.transport,
        broker_transport_options=dict(brk.transport_options),
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_backend=None,
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # the embedded broker has no broadcast worth paying for: no remote control, mingle or gossip
        worker_enable_remote_control=not brk.embedded,
        enable_utc=True,
        **celery_settings(delivery),
    )
    app.pym_broker = brk
    app.pym_delivery = delivery

    app.task(name=TASK_NAME, ignore_result=True, Request=request_class())(run)
    return app


def run(envelope: dict[str, Any]) -> None:
    """The Celery task: run one task message (see :func:`pymacaron_async.runner.run_envelope`)."""
    from pymacaron_async.devwait import mark_done
    from pymacaron_async.runner import run_envelope

    try:
        run_envelope(envelope)
    finally:
        mark_done(envelope)  # python server.py's request may be waiting for it


def get_celery_app(config: PyMacaronConfig | None = None) -> Celery:
    """The process's Celery app, (re)built when the configured broker changes."""
    global _app, _app_key
    config = config if config is not None else _service_config()
    brk = _broker.broker_for(config)
    delivery = delivery_mode(config)
    key = (brk.key, tuple(sorted(brk.transport_options.items())), delivery)
    with _lock:
        if _app is None or _app_key != key:
            _broker.prepare(brk)
            _app = build_app(brk, delivery)
            _app_key = key
            log.debug("pymacaron-async: tasks go through the %s", brk.description)
        return _app


def reset_celery_app() -> None:
    """Forget the process's Celery app (tests; a new config)."""
    global _app, _app_key
    with _lock:
        old, _app, _app_key = _app, None, None
    if old is not None:
        try:
            old.close()
        except Exception:  # closing pools of a broker that went away
            pass

"""One Celery worker process of a service: ``python -m pymacaron_async [options]``.

It loads the service (``server.py``, as gunicorn would), then runs a Celery
worker: a main process and a prefork pool of ``--concurrency`` children, each
replaced when it dies or exceeds ``--max-memory-per-child`` KiB. The worker is
normally started by :mod:`pymacaron_async.supervise` (``python server.py`` or
``pymacaron worker``), which restarts it if it crashes.

Inside the worker, slow-call reports are off and crash reports are sent
before the task returns (a recycled child loses none). If the process that
started it goes away (``$PYM_ASYNC_PARENT_PID``), the worker stops: no orphan
outlives a killed server.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from pymacaron_async.exceptions import AsyncError

log = logging.getLogger("pymacaron_async")

READY_ENV = "PYM_ASYNC_READY_FILE"  # written (with our pid) once the worker consumes tasks
PARENT_ENV = "PYM_ASYNC_PARENT_PID"  # stop when this process is gone
PARENT_POLL_SECONDS = 0.5
ORPHAN_GRACE_SECONDS = 10.0
LEVELS = ("debug", "info", "warning", "error", "critical")
_in_worker = False


def is_celery_task() -> bool:
    """True inside a pymacaron-async worker process (pymacaron v1's name)."""
    return _in_worker


def celery_argv(concurrency: int, max_memory_kib: int | None, level: str = "info",
                name: str = "pymacaron") -> list[str]:
    """The ``celery worker`` arguments of the process model (SPEC A7)."""
    argv = ["worker", f"--loglevel={level.upper()}", f"--concurrency={int(concurrency)}", "--pool=prefork",
            "--without-mingle", "--without-gossip", "--without-heartbeat", f"--hostname={name}-{os.getpid()}@%h"]
    if max_memory_kib:
        argv.append(f"--max-memory-per-child={int(max_memory_kib)}")
    return argv


def _setup_logging(level):
    from celery import signals

    from pymacaron.log import setup_logger

    def configure(**_):  # any receiver of setup_logging keeps Celery's hands off the root logger
        setup_logger(celery=True, level=getattr(logging, level.upper()))
        for name in ("celery", "pymacaron_async"):
            logging.getLogger(name).setLevel(getattr(logging, level.upper()))

    signals.setup_logging.connect(configure, weak=False)
    configure()


def _signal_ready(path):
    from celery import signals

    def ready(**_):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(str(os.getpid()))
        os.replace(tmp, path)

    signals.worker_ready.connect(ready, weak=False)


def _flush_on_shutdown():
    """A stopping worker process (warm shutdown) exports its spans and retires its metrics first."""
    from celery import signals

    def stopping(**_):
        from pymacaron.observability import worker_stopping

        worker_stopping()

    signals.worker_process_shutdown.connect(stopping, weak=False)
    signals.worker_shutdown.connect(stopping, weak=False)


def _watch_parent(parent_pid):
    """Stop this worker (warm, then hard) when ``parent_pid`` is no longer our parent."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        log.warning("pymacaron-async: the process that started this worker (pid %d) is gone: stopping", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE_SECONDS)
        if os.getpgrp() == os.getpid():  # our own process group: the pool's children go with us
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="pymacaron-async-parent-watch", daemon=True).start()


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The options of ``python -m pymacaron_async``."""
    p = argparse.ArgumentParser(prog="python -m pymacaron_async", description=__doc__.split("\n\n")[0])
    p.add_argument("--service-dir", default=None, help="the service's folder (default: the current one)")
    p.add_argument("--module", default="server", help="the module building the Flask app (default: server)")
    p.add_argument("--concurrency", type=int, default=None, help="pool processes (default: worker_count, cpu*2)")
    p.add_argument("--maxmem", type=int, default=None, help="KiB per pool process before it is replaced")
    p.add_argument("--level", default="info", choices=LEVELS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load the service and run the worker -> exit code (3: the service cannot start)."""
    global _in_worker
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _in_worker = True
    _setup_logging(args.level)
    parent = os.environ.get(PARENT_ENV)
    if parent and parent.isdigit():
        _watch_parent(int(parent))
    from pymacaron.crash import set_slow_call_reporting, set_synchronous_reporting

    set_slow_call_reporting(False)
    set_synchronous_reporting(True)
    from pymacaron_async.loader import check_async_enabled, load_service

    try:
        load_service(args.service_dir, args.module)
        check_async_enabled()
        from pymacaron_async.app import get_celery_app

        app = get_celery_app()
    except Exception as e:
        return _startup_failure(e)
    from pymacaron.resources import get_celery_worker_count, get_celery_worker_memory_limit

    concurrency = args.concurrency or get_celery_worker_count()
    maxmem = args.maxmem if args.maxmem is not None else get_celery_worker_memory_limit()
    if os.environ.get(READY_ENV):
        _signal_ready(os.environ[READY_ENV])
    log.info("pymacaron-async: worker %d, %d pool processes (max %s KiB each), tasks from the %s", os.getpid(),
             concurrency, maxmem or "unlimited", app.pym_broker.description)
    _flush_on_shutdown()
    from pymacaron_async.delivery import start_redelivery

    start_redelivery(app)
    app.worker_main(celery_argv(concurrency, maxmem, args.level))
    return 0


def _startup_failure(e):
    """A start-up error: its message alone for errors that explain themselves, a FATAL report for others."""
    from pymacaron_core import SpecError

    from pymacaron.config import ConfigError

    if isinstance(e, (ConfigError, SpecError, AsyncError)):
        sys.stderr.write(f"pymacaron-async: the worker could not start:\n{e}\n")
        return 3
    from pymacaron.crash import report_error

    report_error(f"Celery worker crashed: {type(e).__name__}: {e}", caught=e, is_fatal=True)
    log.exception("pymacaron-async: the worker could not load the service")
    return 3

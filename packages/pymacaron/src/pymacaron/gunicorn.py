"""A gunicorn configuration for PyMacaron services, in the service folder::

    gunicorn -c python:pymacaron.gunicorn server:app

(what ``run_production(folder, server="gunicorn")`` runs). Command-line options
given after it (``--bind``, ``--workers`` ...) override these values.

- bind ``$PYM_HOST`` (default 127.0.0.1, never public unless asked) on
  ``$PORT``, else ``$PYM_SERVER_PORT``, else 8080;
- ``gthread`` workers: ``$PYM_WORKERS`` or ``$WEB_CONCURRENCY`` (default: CPU
  count, at least 2), each with ``$PYM_THREADS`` threads (default 8), so
  handlers waiting on other services overlap, and keep-alive connections kept
  75 s (longer than the idle timeout of the load balancers in front);
- the app is loaded once in the master (``preload_app``): workers fork ready,
  and a broken spec stops start-up at once with its error;
- workers are recycled after 5000 (+ up to 500) requests, killed after 180 s
  without a heartbeat, and given ``$PYM_SHUTDOWN_GRACE`` seconds (``shutdown_grace``
  in pym-config, 30 by default) to finish on SIGTERM; a stopping worker delivers
  its crash reports, spans and metrics (:func:`pymacaron.observability.worker_stopping`);
- with ``metrics: true``, a dead worker's in-flight gauge is retired, and with
  ``metrics_port`` the master serves /metrics on that port;
- logs go to stderr at level info (no file paths to create); access logs go to
  stdout when ``$PYM_ACCESS_LOG`` is 1/true/yes (off by default: they cost
  throughput, and load balancers log requests already);
- SIGINT/SIGQUIT on a worker, or a worker timeout, logs every thread's stack, and so
  does a worker still stopping 1 s before its grace is over.
"""

from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker


def _env_int(name: str, default: int) -> int:
    value = _os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        n = int(value)
    except ValueError:
        raise SystemExit(f"pymacaron.gunicorn: ${name} must be a whole number, got {value!r}") from None
    if n < 1:
        raise SystemExit(f"pymacaron.gunicorn: ${name} must be at least 1, got {n}")
    return n


def _env_seconds(name: str, default: int) -> int:
    value = _os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise SystemExit(f"pymacaron.gunicorn: ${name} must be a number of seconds, got {value!r}") from None
    return max(1, round(seconds))


def _port() -> int:
    from pymacaron.serving import ServingError, _port

    try:
        return _port(None)
    except ServingError as e:
        raise SystemExit(f"pymacaron.gunicorn: {e}") from None


def _defaults() -> tuple[int, int, int, int, int]:
    from pymacaron import serving

    return serving.default_workers(), serving.DEFAULT_THREADS, serving.BACKLOG, serving.KEEPALIVE_S, \
        serving.GRACEFUL_TIMEOUT_S


_workers, _threads, _backlog, _keepalive, _graceful = _defaults()
_host = _os.environ.get("PYM_HOST") or "127.0.0.1"

bind = [f"[{_host}]:{_port()}" if ":" in _host else f"{_host}:{_port()}"]
backlog = _backlog
workers = _env_int("PYM_WORKERS", _env_int("WEB_CONCURRENCY", _workers))
worker_class = "gthread"
threads = _env_int("PYM_THREADS", _threads)
worker_connections = 1000
keepalive = _keepalive
timeout = 180
graceful_timeout = _env_seconds("PYM_SHUTDOWN_GRACE", _graceful)
max_requests = 5000
max_requests_jitter = 500
preload_app = True

loglevel = "info"
errorlog = "-"
accesslog = "-" if _os.environ.get("PYM_ACCESS_LOG", "").lower() in ("1", "true", "yes") else None
capture_output = False
control_socket_disable = True  # gunicorn >= 24's control socket: unused, and one per user home


def when_ready(server: Arbiter) -> None:
    """gunicorn hook, in the master once it listens: log the binding and sizes, serve /metrics on metrics_port."""
    server.log.info("PyMacaron: gunicorn ready on %s (%s workers x %s threads)",
                    ", ".join(str(b) for b in server.cfg.bind), server.cfg.workers, server.cfg.threads)
    from pymacaron.serving import serve_metrics_port

    serve_metrics_port()


def worker_exit(server: Arbiter, worker: Worker) -> None:
    """gunicorn hook, in a worker that stops: deliver its crash reports, spans and metrics."""
    from pymacaron.observability import worker_stopping

    worker_stopping()


def child_exit(server: Arbiter, worker: Worker) -> None:
    """gunicorn hook, in the master when a worker has exited: retire that worker's live metrics."""
    from pymacaron.observability.metrics import worker_exit as retire_metrics

    retire_metrics(worker.pid)


def post_fork(server: Arbiter, worker: Worker) -> None:
    """gunicorn hook, in a new worker: log its pid."""
    server.log.info("PyMacaron: worker %s spawned", worker.pid)


def _dump_stacks(worker: Worker, why: str) -> None:
    from pymacaron.stopping import thread_stacks

    stacks = thread_stacks(include_caller=True)
    worker.log.warning(f"PyMacaron: worker {worker.pid} {why}: stacks of its threads\n{stacks}")


def post_worker_init(worker: Worker) -> None:
    """gunicorn hook, in a worker ready to serve: from its SIGTERM on, its stop is watched.

    A worker still stopping 1 s before ``$PYM_SHUTDOWN_GRACE`` is over logs every thread's
    stack (:func:`pymacaron.stopping.watch_stop`) before the master kills it.
    """
    import signal

    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return

    def stopping(signum: int, frame: _Any) -> None:
        from pymacaron.stopping import watch_stop

        watch_stop()
        previous(signum, frame)

    signal.signal(signal.SIGTERM, stopping)


def worker_int(worker: Worker) -> None:
    """gunicorn hook, on SIGINT/SIGQUIT of a worker: log the stack of each of its threads."""
    _dump_stacks(worker, "interrupted")


def worker_abort(worker: Worker) -> None:
    """gunicorn hook, when a worker timed out: log the stack of each of its threads."""
    _dump_stacks(worker, "timed out")

"""Prometheus metrics (``metrics: true`` in pym-config): ``GET /metrics`` in the text format.

Series (prometheus_client, the field's own library)::

    pymacaron_requests_total{operation, method, status}        counter
    pymacaron_request_duration_seconds{operation}              histogram
    pymacaron_requests_in_flight                               gauge (summed over live workers)
    pymacaron_client_calls_total{api, operation, outcome}      counter (success, client_error,
                                                               server_error, unreachable)
    pymacaron_async_tasks_total{task, state}                   counter (fired, succeeded, failed)
    pymacaron_crash_reports_total{kind}                        counter (fatal, non_fatal)

``operation`` is the operation as the spec writes it (``GET /items/{id}``): one series per
operation, never per URL. Several worker processes: the production servers
(:mod:`pymacaron.serving`) give them a shared ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's
multiprocess mode), emptied at start, so any worker answers the sum of all of them. A worker's
files are marked dead when it exits, so the in-flight gauge counts live workers only.

``metrics_token``: /metrics answers 401 unless called with ``Authorization: Bearer <token>``.
``metrics_port``: /metrics is served on that port only, by the serving process's own small
HTTP server (and the main port answers 404).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from flask import Response

    from pymacaron.observability.settings import Settings

log = logging.getLogger("pymacaron.metrics")

METRICS_PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_metrics: Metrics | None = None


class Metrics:
    """This process's series (one per process: prometheus_client refuses a name twice)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("pymacaron_requests", "Requests answered, by operation, method and status",
                                ("operation", "method", "status"), registry=r)
        self.duration = Histogram("pymacaron_request_duration_seconds", "Time to answer, by operation",
                                  ("operation",), buckets=BUCKETS, registry=r)
        self.in_flight = Gauge("pymacaron_requests_in_flight", "Requests being answered",
                               multiprocess_mode="livesum", registry=r)
        self.client_calls = Counter("pymacaron_client_calls", "Calls to other services through generated clients",
                                    ("api", "operation", "outcome"), registry=r)
        self.tasks = Counter("pymacaron_async_tasks", "Asynchronous tasks fired, succeeded and failed",
                             ("task", "state"), registry=r)
        self.crash_reports = Counter("pymacaron_crash_reports", "Crash reports sent, by kind", ("kind",), registry=r)

    # -- what the hooks record -------------------------------------------------------------

    def crash_report(self, is_fatal: bool) -> None:
        """Count one crash report sent (``kind``: fatal or non_fatal)."""
        self.crash_reports.labels("fatal" if is_fatal else "non_fatal").inc()

    def task_fired(self, name: str) -> None:
        """Count one asynchronous task fired."""
        self.tasks.labels(name, "fired").inc()

    def task_done(self, name: str, succeeded: bool) -> None:
        """Count one asynchronous task run to its end, succeeded or failed."""
        self.tasks.labels(name, "succeeded" if succeeded else "failed").inc()

    def client_call(self, api: str, operation: str, status: int | None) -> None:
        """Count one call of a generated client by its outcome (``status`` None: the service was unreachable)."""
        if status is None:
            outcome = "unreachable"
        elif status < 400:
            outcome = "success"
        elif status < 500:
            outcome = "client_error"
        else:
            outcome = "server_error"
        self.client_calls.labels(api, operation, outcome).inc()

    # -- exposition ------------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """-> (body bytes, content type) of every series, summed over workers in multiprocess mode."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def get_metrics() -> Metrics:
    """This process's :class:`Metrics` (ConfigError when prometheus_client is missing)."""
    global _metrics
    if _metrics is None:
        try:
            import prometheus_client  # noqa: F401
        except ImportError:
            from pymacaron.config import ConfigError

            raise ConfigError("metrics: true in pym-config.yaml needs prometheus_client: "
                              "pip install 'pymacaron[metrics]'") from None
        _metrics = Metrics()
    return _metrics


def install(settings: Settings) -> Metrics:
    """Turn the series on: the hooks (the /metrics route: :func:`pymacaron.observability.add_routes`)."""
    from pymacaron.observability import hooks

    metrics = get_metrics()
    hooks.crash_report = metrics.crash_report
    hooks.task_fired = metrics.task_fired
    hooks.task_done = metrics.task_done
    return metrics


def uninstall() -> None:
    """Turn the series off: the hooks record nothing (the values counted so far are kept)."""
    from pymacaron.observability import hooks

    hooks.crash_report = hooks.task_fired = hooks.task_done = None


def authorized(header: str | None, token: str | None) -> bool:
    """Whether the Authorization ``header`` carries ``token`` (compared in constant time)."""
    if token is None:
        return True
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


def view(token: str | None) -> Callable[[], Response]:
    """GET /metrics (401 without the token, when there is one)."""
    from flask import Response, request

    def metrics_view() -> Response:
        if not authorized(request.headers.get("Authorization"), token):
            from pymacaron.exceptions import PyMacaronException

            exc = PyMacaronException("GET /metrics needs 'Authorization: Bearer <metrics_token>'")
            exc.code, exc.status = "METRICS_TOKEN_REQUIRED", 401
            return exc.http_reply()
        body, content_type = get_metrics().exposition()
        return Response(body, 200, content_type=content_type)

    return metrics_view


# -- several processes ------------------------------------------------------------------------


def prepare_multiprocess(env: MutableMapping[str, str], folder: str) -> str:
    """Before a production server starts: a fresh, empty multiprocess folder in ``env``.

    ``$PROMETHEUS_MULTIPROC_DIR`` given by the user is kept (and emptied of .db files);
    otherwise one is made under the system's temporary folder. -> its path.
    """
    import glob
    import tempfile

    path = env.get(MULTIPROC_ENV)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix="pym-metrics-")
    env[MULTIPROC_ENV] = path
    return path


def worker_exit(pid: int | None = None) -> None:
    """A worker stops: its live gauges (in-flight) no longer count."""
    if not os.environ.get(MULTIPROC_ENV) or _metrics is None:
        return
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
    except Exception as e:  # never stop a shutdown for this
        log.warning("could not mark the metrics of worker %s dead: %s", pid or os.getpid(), e)


_port_server: ThreadingHTTPServer | None = None


def serve_port(port: int, token: str | None = None, host: str | None = None) -> ThreadingHTTPServer:
    """Serve /metrics on ``port`` from this process (a thread), once. -> the server."""
    global _port_server
    if _port_server is not None:
        return _port_server
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    metrics = get_metrics()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != METRICS_PATH:
                return self._send(404, b'{"error": "NOT_FOUND", "status": 404}', "application/json")
            if not authorized(self.headers.get("Authorization"), token):
                return self._send(401, b'{"error": "METRICS_TOKEN_REQUIRED", "status": 401}', "application/json")
            body, content_type = metrics.exposition()
            self._send(200, body, content_type)

        def _send(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host or os.environ.get("PYM_HOST") or "127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="pymacaron-metrics", daemon=True).start()
    _port_server = server
    log.info("PyMacaron: metrics on http://%s:%s%s", server.server_address[0], server.server_address[1],
             METRICS_PATH)
    return server

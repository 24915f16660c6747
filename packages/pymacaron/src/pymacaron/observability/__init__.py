"""Observability and operations: tracing, metrics, JSON logs, readiness, gzip, graceful shutdown.

One module per concern, each turned on by its pym-config key (:mod:`.settings`), none costing
anything when off:

- :mod:`.tracing`: OpenTelemetry spans (``tracing:``), W3C trace context across services
  and asynchronous tasks;
- :mod:`.metrics`: Prometheus series on ``GET /metrics`` (``metrics: true``);
- :mod:`.observe`: what each request and each client call records for both, and the access log;
- :mod:`.jsonlog`: ``log_format: json``;
- :mod:`.readiness`: ``GET /ready``;
- :mod:`.gzip`: ``gzip: true``;
- :func:`worker_stopping`: what a stopping server process flushes (crash reports, spans, metrics).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymacaron.observability.settings import Settings, settings_from_config

if TYPE_CHECKING:
    from flask import Flask

    from pymacaron.config import PyMacaronConfig

log = logging.getLogger("pymacaron.observability")

__all__ = ["Settings", "add_routes", "install", "settings_from_config", "worker_stopping"]

_settings: Settings | None = None


def current_settings() -> Settings | None:
    """The settings of the last app set up in this process (None before)."""
    return _settings


def install(app: Flask, config: PyMacaronConfig | None) -> Callable[[Callable[..., Any]], Callable[..., Any]] | None:
    """Set up the features ``config`` turns on for ``app`` -> a decorator for each served view, or None."""
    global _settings
    from pymacaron_core import observe as core_observe

    from pymacaron.observability import hooks, metrics, tracing

    settings = settings_from_config(config)
    _settings = settings
    if settings.log_format == "json":
        from pymacaron.log import current_format, setup_logger

        if current_format() != "json":
            root = logging.getLogger()
            setup_logger(level=logging.INFO if root.level in (logging.NOTSET, logging.WARNING) else None, fmt="json")
    if settings.gzip:
        from pymacaron.observability.gzip import install as install_gzip

        install_gzip(app, settings.gzip_min_size, settings.gzip_level)
    tracer = tracing.setup(settings.tracing, settings.name) if settings.tracing is not None else None
    if tracer is None:
        tracing.shutdown()
    collected = metrics.install(settings) if settings.metrics else None
    if collected is None:
        metrics.uninstall()
    hooks.trace_carrier = tracing.task_carrier if tracer is not None else None
    hooks.task_span = tracing.task_span if tracer is not None else None
    if tracer is None and collected is None:
        core_observe.client_call = None
    else:
        from pymacaron.observability.observe import client_hook

        hook: Any = client_hook(tracer, collected)  # pymacaron_core.observe declares client_call with no type
        core_observe.client_call = hook
    if not settings.observed:
        return None
    from pymacaron.observability.observe import server_decorator

    return server_decorator(tracer, collected, settings.access_log)


def add_routes(app: Flask) -> None:
    """``GET /ready``, and ``GET /metrics`` when on, after the spec's routes: a spec serving either path keeps it."""
    from pymacaron.observability import metrics, readiness

    taken = {rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    routes: list[tuple[str, str, Callable[[], Any]]] = [(readiness.READY_PATH, "pymacaron_ready", readiness.view)]
    settings = _settings
    if settings is not None and settings.metrics and settings.metrics_port is None:
        routes.append((metrics.METRICS_PATH, "pymacaron_metrics", metrics.view(settings.metrics_token)))
    for path, endpoint, view in routes:
        if endpoint in app.view_functions:
            continue
        if path in taken:
            log.warning("PyMacaron: the spec serves GET %s already: pymacaron's own %s is not added", path, path)
            continue
        app.add_url_rule(path, endpoint=endpoint, view_func=view, methods=["GET"])


def worker_stopping(timeout_s: float = 5.0) -> None:
    """A server process stops: deliver queued crash reports, export buffered spans, retire its metrics."""
    from pymacaron.crash.sender import flush_reports
    from pymacaron.observability import metrics, readiness, tracing

    readiness.start_draining()
    try:
        flush_reports(timeout_s)
    except Exception as e:
        log.error("could not deliver the queued crash reports: %s", e)
    tracing.flush(timeout_s)
    metrics.worker_exit()


def reset() -> None:
    """Everything off, as before any app was set up (tests; the running provider is shut down)."""
    global _settings
    from pymacaron_core import observe as core_observe

    from pymacaron.observability import hooks, metrics, readiness, tracing

    _settings = None
    tracing.shutdown()
    metrics.uninstall()
    hooks.trace_carrier = hooks.task_span = None
    core_observe.client_call = None
    readiness.reset()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pymacaron", False) and type(handler.formatter).__name__ == "JsonFormatter":
            root.removeHandler(handler)

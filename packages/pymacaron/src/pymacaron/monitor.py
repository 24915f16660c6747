"""``pymacaron.monitor``: v1's monitoring module, now on OpenTelemetry.

v1 timed blocks with Scout APM; the same calls now make OpenTelemetry spans, in the trace
of the request being served, when ``tracing`` is on in pym-config (and do nothing when it
is off, at the cost of one attribute read)::

    from pymacaron.monitor import monitor, monitor_init

    with monitor(kind="DynamoDB", method="get_item"):    # v1's context manager
        ...

    @monitor(kind="Stripe", method="charge")             # also a decorator
    def charge(...):
        ...

A span is named ``<kind> <method>`` (``DynamoDB get_item``), with the attributes
``pymacaron.monitor.kind`` and ``pymacaron.monitor.method``; an exception leaving the block is
recorded on it. ``monitor_init(app=None, config=None, celery=False)`` (v1 called it at start-up)
starts tracing from ``config`` when it is not on already; ``API(...).start()`` does that itself.
``scout_key`` is no longer read: tracing replaces Scout (see the README, Changes from v1).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from pymacaron.observability import tracing

if TYPE_CHECKING:
    from flask import Flask
    from opentelemetry.trace import Tracer

    from pymacaron.config import PyMacaronConfig

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["monitor", "monitor_init"]


class monitor:  # noqa: N801 (v1's name)
    """Time a block (``with monitor(...)``) or a function (``@monitor(...)``) as a span."""

    def __init__(self, kind: object = "Custom", method: object = None) -> None:
        self.kind = str(kind)
        self.method = str(method) if method is not None else None
        self._spans: list[AbstractContextManager[Any] | None] = []

    def _name(self) -> str:
        return f"{self.kind} {self.method}" if self.method else self.kind

    def __enter__(self) -> monitor:
        tracer = tracing.get_tracer()
        if tracer is None:
            self._spans.append(None)
            return self
        attributes = {"pymacaron.monitor.kind": self.kind}
        if self.method:
            attributes["pymacaron.monitor.method"] = self.method
        cm = tracer.start_as_current_span(self._name(), attributes=attributes)
        cm.__enter__()
        self._spans.append(cm)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        cm = self._spans.pop()
        if cm is not None:
            cm.__exit__(exc_type, exc, tb)
        return False

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with monitor(self.kind, self.method or func.__name__):
                return func(*args, **kwargs)

        return wrapper


def monitor_init(app: Flask | None = None, config: PyMacaronConfig | None = None,
                 celery: bool = False) -> Tracer | None:
    """Start tracing as ``config`` (default: pym-config) says, if it is not on already. -> the tracer or None."""
    if tracing.get_tracer() is not None:
        return tracing.get_tracer()
    from pymacaron.observability.settings import settings_from_config

    if config is None:
        from pymacaron.config import config_loaded, get_config

        config = get_config() if config_loaded() else None
    settings = settings_from_config(config)
    if settings.tracing is None:
        return None
    return tracing.setup(settings.tracing, settings.name)

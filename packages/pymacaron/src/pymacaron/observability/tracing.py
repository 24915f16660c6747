"""OpenTelemetry tracing (``tracing:`` in pym-config; the SDK comes with ``pymacaron[otel]``).

- a SERVER span per request, named by the operation (``GET /items/{id}``), child of the
  caller's W3C ``traceparent`` when there is one (:mod:`pymacaron.observability.observe`);
- a CLIENT span per call of a generated client (``x-bind-client``), which sends
  ``traceparent`` / ``tracestate`` to the next service;
- a CONSUMER span per asynchronous task, in the trace of the request that fired it (the
  context travels in the task message) and linked to the span that fired it;
- ``pymacaron.monitor``'s blocks.

Spans go to ``tracing.exporter``: ``otlp`` (OTLP over HTTP, protobuf: ``tracing.endpoint``,
else the ``OTEL_EXPORTER_OTLP_*`` variables, else http://localhost:4318), ``console``
(stdout), ``memory`` (kept in :func:`memory_exporter`, for tests) or ``none``. Only the W3C
trace-context propagator is used, whatever ``OTEL_PROPAGATORS`` says, so that every
PyMacaron service speaks the same headers.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    from pymacaron_core.client.caller import ClientMethod

    from pymacaron.observability.settings import Tracing

log = logging.getLogger("pymacaron.tracing")

Headers = TypeVar("Headers", bound=MutableMapping[str, str])

INSTRUMENTATION = "pymacaron"


class _State:
    provider: TracerProvider | None = None
    tracer: Tracer | None = None
    exporter: InMemorySpanExporter | None = None  # the memory exporter, when tracing.exporter is memory
    settings: tuple[Tracing, str] | None = None
    propagator: TraceContextTextMapPropagator | None = None


_state = _State()


def _require_sdk() -> None:
    try:
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError:
        from pymacaron.config import ConfigError

        raise ConfigError("tracing is on in pym-config.yaml but the OpenTelemetry SDK is not installed: "
                          "pip install 'pymacaron[otel]'") from None


def setup(tracing: Tracing, service_name: str = "") -> Tracer:
    """Start tracing with the :class:`~pymacaron.observability.settings.Tracing` settings -> the tracer.

    Called again with the same settings, it keeps the running provider.
    """
    if _state.tracer is not None and _state.settings == (tracing, service_name):
        return _state.tracer
    _require_sdk()
    import os

    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    shutdown()
    name = tracing.service_name or os.environ.get("OTEL_SERVICE_NAME") or service_name or "pymacaron"
    provider = TracerProvider(resource=Resource.create({"service.name": name}),
                              sampler=ParentBased(TraceIdRatioBased(tracing.sample_ratio)))
    if tracing.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = tracing.endpoint.rstrip("/") + "/v1/traces" if tracing.endpoint else None
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    elif tracing.exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif tracing.exporter == "memory":
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        _state.exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(_state.exporter))
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)  # user code's trace.get_tracer() reports to the same place
    _state.provider = provider
    _state.tracer = provider.get_tracer(INSTRUMENTATION)
    _state.settings = (tracing, service_name)
    _state.propagator = TraceContextTextMapPropagator()
    return _state.tracer


def get_tracer() -> Tracer | None:
    """The tracer of pymacaron's spans, or None when tracing is off."""
    return _state.tracer


def memory_exporter() -> InMemorySpanExporter | None:
    """The InMemorySpanExporter of ``tracing: {exporter: memory}`` (None otherwise)."""
    return _state.exporter


def flush(timeout_s: float = 5.0) -> bool:
    """Export the spans still buffered (at shutdown) -> True if all were."""
    if _state.provider is None:
        return True
    try:
        return bool(_state.provider.force_flush(int(timeout_s * 1000)))
    except Exception as e:
        log.warning("could not export the last spans: %s", e)
        return False


def shutdown() -> None:
    """Flush and stop the provider; tracing is off afterwards."""
    provider = _state.provider
    _state.provider = _state.tracer = _state.exporter = _state.settings = None
    if provider is not None:
        try:
            provider.shutdown()
        except Exception as e:
            log.warning("could not stop the trace exporter: %s", e)


# -- W3C trace context --------------------------------------------------------------------------


class _EnvironGetter:
    """Reads ``traceparent`` / ``tracestate`` from a WSGI environ."""

    def get(self, environ: dict[str, Any], key: str) -> list[str] | None:
        value = environ.get("HTTP_" + key.upper().replace("-", "_"))
        return [value] if value is not None else None

    def keys(self, environ: dict[str, Any]) -> list[str]:
        return [k[5:].lower().replace("_", "-") for k in environ if k.startswith("HTTP_")]


_environ_getter = _EnvironGetter()


def extract(environ: dict[str, Any]) -> Context:
    """The caller's context from the request's ``traceparent`` (an empty context without one)."""
    assert _state.propagator is not None, "tracing is off: call setup() first"
    return _state.propagator.extract(environ, getter=_environ_getter)


def inject(headers: Headers) -> Headers:
    """Add ``traceparent`` (and ``tracestate``) of the current span to ``headers`` (a dict)."""
    if _state.propagator is not None:
        _state.propagator.inject(headers)
    return headers


# -- client calls and tasks ---------------------------------------------------------------------


def client_span(method: ClientMethod) -> contextlib.AbstractContextManager[Span]:
    """A CLIENT span for one call of the generated client ``method`` (a context manager)."""
    from opentelemetry.trace import SpanKind

    op = method.operation
    assert _state.tracer is not None, "tracing is off: call setup() first"
    return _state.tracer.start_as_current_span(
        f"{op.method} {op.path}", kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=True,
        attributes={"http.request.method": op.method, "pymacaron.client.api": method.api.name,
                    "pymacaron.client.operation": method.name, "url.template": op.path})


def task_carrier() -> dict[str, str] | None:
    """The W3C headers of the current span, for a task message (None outside any span)."""
    if _state.tracer is None:
        return None
    carrier: dict[str, str] = inject({})
    return carrier or None


@contextlib.contextmanager
def task_span(name: str, carrier: dict[str, str] | None) -> Iterator[Span | None]:
    """The CONSUMER span of a task run: child of the span that fired it, and linked to it."""
    if _state.tracer is None:
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.trace import Link, SpanKind

    assert _state.propagator is not None
    parent = _state.propagator.extract(carrier) if carrier else None
    links: list[Any] = []
    if parent is not None:
        fired_by = trace.get_current_span(parent).get_span_context()
        if fired_by.is_valid:
            links.append(Link(fired_by, {"pymacaron.link": "fired_by"}))
    with _state.tracer.start_as_current_span(f"task {name}", context=parent, kind=SpanKind.CONSUMER, links=links,
                                             attributes={"pymacaron.task": name}) as span:
        yield span


def current_ids() -> tuple[str, str] | tuple[None, None]:
    """(trace_id, span_id) of the current span as hex, or (None, None)."""
    if _state.tracer is None:
        return None, None
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")

"""What each served operation and each client call records, when tracing, metrics or the
access log are on (nothing of this is installed otherwise).

The server side is a decorator put around each operation's view, outside the crash handler,
so that it sees the status actually answered: the SERVER span (the caller's ``traceparent``
honoured), the request series, and the access log line (logger ``pymacaron.access``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from flask import request

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer
    from pymacaron_core.client.caller import ClientMethod

    from pymacaron.observability.metrics import Metrics

access_log = logging.getLogger("pymacaron.access")


def operation_name(view: Callable[..., Any]) -> tuple[str, str]:
    """(``"GET /items/{id}"``, ``"GET"``) for a served operation's view; (its function name, "") for another view."""
    op = getattr(view, "operation", None)
    if op is None:
        return getattr(view, "__name__", "?"), ""
    return f"{op.method} {op.full_path}", op.method


def server_decorator(tracer: Tracer | None, metrics: Metrics | None,
                     access: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-> decorator(view): the view observed (see the module docstring)."""
    from pymacaron_core.context import get_call_id, get_call_path

    from pymacaron.auth import get_userid

    if tracer is not None:
        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from pymacaron.observability.tracing import extract

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        name, method = operation_name(view)
        op = getattr(view, "operation", None)
        handler = getattr(op, "handler", None) or name
        if metrics is not None:
            in_flight = metrics.in_flight
            counted: dict[int, Any] = {}  # status -> this operation's counter child (labels() looked up once per status)
            duration = metrics.duration.labels(name)

            def count(status: int) -> None:
                child = counted.get(status)
                if child is None:
                    child = counted[status] = metrics.requests.labels(name, method, str(status))
                child.inc()

        @functools.wraps(view)
        def observed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            status = 500
            span = token = None
            if metrics is not None:
                in_flight.inc()
            if tracer is not None:
                parent = extract(request.environ)
                span = tracer.start_span(name, context=parent, kind=SpanKind.SERVER, attributes={
                    "http.request.method": method, "http.route": name.partition(" ")[2], "url.path": request.path,
                    "pymacaron.operation_id": handler})
                token = otel_context.attach(trace.set_span_in_context(span, parent))
            try:
                response = view(*args, **kwargs)
                status = getattr(response, "status_code", 200)
                return response
            finally:
                elapsed = time.perf_counter() - t0
                if metrics is not None:
                    in_flight.dec()
                    count(status)
                    duration.observe(elapsed)
                if access:
                    access_log.info("%s %s %s %.1f ms", request.method, request.path, status, elapsed * 1000,
                                    extra={"operation": name, "status": status, "duration_ms": round(elapsed * 1000, 3),
                                           "method": request.method, "path": request.path})
                if span is not None:
                    try:
                        span.set_attribute("http.response.status_code", status)
                        user = get_userid()
                        if user:
                            span.set_attribute("enduser.id", str(user))
                        call_id, call_path = get_call_id(), get_call_path()
                        if call_id:
                            span.set_attribute("pymacaron.call_id", call_id)
                        if call_path:
                            span.set_attribute("pymacaron.call_path", call_path)
                        if status >= 500:
                            span.set_status(Status(StatusCode.ERROR))
                    finally:
                        span.end()
                        otel_context.detach(token)

        return observed

    return decorator


def client_hook(tracer: Tracer | None, metrics: Metrics | None) -> Callable[[ClientMethod, MutableMapping[str, str], Callable[[], Any]], Any]:
    """-> the hook of :data:`pymacaron_core.observe.client_call` (see pymacaron_core.client.caller)."""
    from pymacaron.observability.tracing import client_span, inject

    def client_call(method: ClientMethod, headers: MutableMapping[str, str], call: Callable[[], Any]) -> Any:
        status = None
        try:
            if tracer is None:
                resp = call()
                status = resp.status_code
                return resp
            with client_span(method) as span:
                inject(headers)
                resp = call()
                status = resp.status_code
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    from opentelemetry.trace import Status, StatusCode

                    span.set_status(Status(StatusCode.ERROR))
                return resp
        finally:
            if metrics is not None:
                metrics.client_call(method.api.name, method.name or "", status)  # a built client method has a name

    return client_call

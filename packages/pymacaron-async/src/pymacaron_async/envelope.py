"""The message of one task call: which function, its arguments, and the caller's context.

::

    {"pym_async": 1,
     "function": "helloworld.api:my_task",        # module:qualname of the @asynctask function
     "args": [...], "kwargs": {...},               # see pymacaron_async.serialization
     "context": {"url": "http://host/async?x=1",   # the request that fired the task (None outside one)
                 "token": "<jwt>" | None,          # the caller's token: the task sees the same user
                 "call_id": "...", "call_path": "public.helloworld",
                 "scheduled_at": 1700000000.0,     # epoch seconds
                 "delay": 0,
                 "trace": {"traceparent": "00-..."}}}  # W3C context of the span that fired it (tracing on)

The token is a credential: the message never goes to logs (Celery is given
``argsrepr`` instead), and the embedded broker keeps its files private.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymacaron_async.serialization import serialize_call

VERSION = 1


def capture_context(delay: float = 0) -> dict[str, Any]:
    """The current caller's context (empty outside a request)."""
    from flask import has_request_context, request

    ctx: dict[str, Any] = {"url": None, "token": None, "call_id": None, "call_path": None, "scheduled_at": time.time(),
           "delay": delay}
    from pymacaron.observability import hooks

    if hooks.trace_carrier is not None:
        carrier = hooks.trace_carrier()
        if carrier:
            ctx["trace"] = carrier
    if not has_request_context():
        return ctx
    from pymacaron_core.context import get_call_id, get_call_path

    from pymacaron.auth import get_user_token

    ctx.update(url=request.url, token=get_user_token() or None, call_id=get_call_id(), call_path=get_call_path())
    return ctx


def build_envelope(function_path: str, args: Sequence[Any], kwargs: Mapping[str, Any],
                   delay: float = 0) -> dict[str, Any]:
    """The task message of a call: function, arguments as JSON, and the caller's context."""
    wire_args, wire_kwargs = serialize_call(args, kwargs)
    return {"pym_async": VERSION, "function": function_path, "args": wire_args, "kwargs": wire_kwargs,
            "context": capture_context(delay)}


def describe(envelope: Mapping[str, Any]) -> str:
    """What logs may show of a call: the function only (arguments may hold personal data)."""
    return f"{envelope.get('function', '?')}(...)"

"""The observability hooks other modules call: ``None`` until a feature is turned on.

Each is read at the place it serves (``hooks.crash_report``), so that with tracing and
metrics off a request costs one attribute read per hook and nothing else.
"""

from __future__ import annotations

# crash_report(is_fatal): a crash report was sent (metrics)
crash_report = None
# task_fired(task_name), task_done(task_name, succeeded): pymacaron-async (metrics)
task_fired = None
task_done = None
# trace_carrier() -> dict of W3C headers to put in a task message; task_span(name, carrier) -> context manager
trace_carrier = None
task_span = None

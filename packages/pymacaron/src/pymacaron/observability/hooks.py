"""The observability hooks other modules call: ``None`` until a feature is turned on.

Each is read at the place it serves (``hooks.crash_report``), so that with tracing and
metrics off a request costs one attribute read per hook and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

# crash_report(is_fatal): a crash report was sent (metrics)
crash_report: Callable[[bool], None] | None = None
# task_fired(task_name), task_done(task_name, succeeded): pymacaron-async (metrics)
task_fired: Callable[[str], None] | None = None
task_done: Callable[[str, bool], None] | None = None
# trace_carrier() -> dict of W3C headers to put in a task message; task_span(name, carrier) -> context manager
trace_carrier: Callable[[], dict[str, str] | None] | None = None
task_span: Callable[[str, dict[str, str] | None], AbstractContextManager[Any]] | None = None

"""Crash handling and error reporting.

    from pymacaron.crash import report_error, report_slow

``report_error(title, caught=...)`` sends a NON-FATAL report; every response
with status >= 500 sends a FATAL one; slow calls send NON-FATAL ones. Reports
go, secrets masked, to the ``error_reporter(title, message)`` given to
``API(...)``, from a background thread flushed at exit.

Modules: :mod:`~pymacaron.crash.handler` (the decorator around endpoints,
``report_slow``), :mod:`~pymacaron.crash.reporting` (report content, titles,
on/off gate), :mod:`~pymacaron.crash.sender` (background delivery),
:mod:`~pymacaron.crash.redact` (secret masking).
"""

from pymacaron.crash.handler import (
    crash_handler,
    decorate_error_body,
    generate_crash_handler_decorator,
    report_slow,
    set_slow_call_reporting,
    slow_call_limit_ms,
)
from pymacaron.crash.reporting import (
    default_reporter,
    get_error_reporter,
    populate_error_report,
    report_error,
    reporting_enabled,
    set_error_reporter,
    set_synchronous_reporting,
)
from pymacaron.crash.sender import flush_reports

__all__ = [
    "crash_handler",
    "decorate_error_body",
    "default_reporter",
    "flush_reports",
    "generate_crash_handler_decorator",
    "get_error_reporter",
    "populate_error_report",
    "report_error",
    "report_slow",
    "reporting_enabled",
    "set_error_reporter",
    "set_slow_call_reporting",
    "set_synchronous_reporting",
    "slow_call_limit_ms",
]

"""Crash handling and error reporting.

    from pymacaron.crash import report_error, report_slow

``report_error(title, caught=...)`` sends a NON-FATAL report; every response
with status >= 500 sends a FATAL one; slow calls send NON-FATAL ones. Reports
go to the ``error_reporter(title, message)`` given to ``API(...)``, in a
background thread. Ready-made reporters live in :mod:`pymacaron.crash.reporters`.
"""

from pymacaron.crash.handler import (
    crash_handler,
    generate_crash_handler_decorator,
    report_slow,
    set_slow_call_reporting,
)
from pymacaron.crash.reporting import (
    default_reporter,
    flush_reports,
    get_error_reporter,
    populate_error_report,
    report_error,
    set_error_reporter,
    set_synchronous_reporting,
)

__all__ = [
    "crash_handler",
    "default_reporter",
    "flush_reports",
    "generate_crash_handler_decorator",
    "get_error_reporter",
    "populate_error_report",
    "report_error",
    "report_slow",
    "set_error_reporter",
    "set_slow_call_reporting",
    "set_synchronous_reporting",
]

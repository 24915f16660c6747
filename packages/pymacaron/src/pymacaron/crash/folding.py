"""Fold identical crash reports: the first is sent, the next ones within a window are counted.

An endpoint failing 1,000 times a second must not send 1,000 reports (nor log
them) a second. Reports are identical when they describe the same error at the
same place: the same exception type raised at the same file and line with the
same message, or, for a report without exception, the same status, error code
and title; numbers and hexadecimal ids (durations, user ids, uuids) left out. Within ``crash_report_fold_seconds`` (pym-config,
default 60; 0 turns folding off) of the first one, the first :data:`BURST`
identical reports are sent (a developer who triggers a bug twice sees both) and
the next ones are only counted; when the window is over (or the process exits)
one summary report gives their number, the window, and the error_ids of the
first of them.
Folding is per process: a server with N worker processes sends up to N reports
(and N summaries) per window.
"""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_WINDOW_S = 60
BURST = 3  # identical reports sent in a window before the next ones are only counted
MAX_IDS = 20  # error_ids of folded reports listed in a summary
_VARYING = re.compile(r"(?i)\b[0-9a-f]*\d[0-9a-f-]{6,}\b|\d+")  # uuids and hex ids, then any number


def window_seconds() -> float:
    """``crash_report_fold_seconds`` of the loaded config (defaults to 60; 0: no folding)."""
    try:
        from pymacaron.config import config_loaded, get_config

        value = get_config().get("crash_report_fold_seconds", DEFAULT_WINDOW_S) if config_loaded() \
            else DEFAULT_WINDOW_S
    except Exception:
        value = DEFAULT_WINDOW_S
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return DEFAULT_WINDOW_S
    return value


def fold_key(title: object, data: dict[str, Any], is_fatal: bool) -> tuple[object, ...]:
    """What makes two reports identical (see the module docstring)."""
    trace = data.get("trace")
    if isinstance(trace, traceback.TracebackException) and trace.stack:
        frame = trace.stack[-1]
        exc_type = getattr(trace, "exc_type_str", None) or getattr(getattr(trace, "exc_type", None), "__name__", "")
        message = "".join(trace.format_exception_only())[-300:]
        return (is_fatal, "raised", exc_type, frame.filename, frame.lineno, _VARYING.sub("#", message))
    found = data.get("response")
    response: dict[str, Any] = found if isinstance(found, dict) else {}
    return (is_fatal, "title", response.get("status"), response.get("error_code"),
            _VARYING.sub("#", str(title))[:300])


class _Window:
    __slots__ = ("start", "sent", "count", "title", "ids", "reporter")

    def __init__(self, start: float, title: str, reporter: Callable[[str, str], object]) -> None:
        self.start = start
        self.sent = 1
        self.count = 0
        self.title = title
        self.ids: list[str] = []
        self.reporter = reporter


class Folder:
    """Open windows of identical reports (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.windows: dict[Hashable, _Window] = {}

    def admit(self, key: Hashable, reporter: Callable[[str, str], object], window: float, error_id: str = "",
              burst: int = BURST) -> bool:
        """-> True to send this report (one of the first ``burst`` of a window: the title of the
        first is set afterwards with :meth:`titled`), False when it is folded into the open window."""
        if not window:
            return True
        now = self.clock()
        with self.lock:
            current = self.windows.get(key)
            if current is not None and now - current.start < window:
                if current.sent < burst:
                    current.sent += 1
                    return True
                current.count += 1
                if error_id and len(current.ids) < MAX_IDS:
                    current.ids.append(error_id)
                return False
            self.windows[key] = _Window(now, "", reporter)
        return True

    def titled(self, key: Hashable, title: str) -> None:
        """The title (redacted, as sent) of the report that opened the window of ``key``."""
        with self.lock:
            current = self.windows.get(key)
            if current is not None and not current.title:
                current.title = title

    def due(self, window: float, everything: bool = False) -> list[tuple[Callable[[str, str], object], str, dict[str, Any]]]:
        """-> [(reporter, title, summary data)] of the windows now over (all of them: ``everything``)."""
        now = self.clock()
        out: list[tuple[Callable[[str, str], object], str, dict[str, Any]]] = []
        with self.lock:
            for key, w in list(self.windows.items()):
                if not everything and window and now - w.start < window:
                    continue
                del self.windows[key]
                if w.count:
                    out.append((w.reporter, f"{w.title} [folded: {w.count} more identical report(s) within "
                                f"{now - w.start:.1f} s]", {"folded_count": w.count, "window_seconds": window,
                                                            "title": w.title, "folded_error_ids": w.ids}))
        return out

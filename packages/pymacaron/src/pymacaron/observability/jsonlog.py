"""JSON logs (``log_format: json``): one JSON object per line.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, and, when
there is one, ``call_id``, ``call_path``, ``user_id`` (of the request being served),
``trace_id`` and ``span_id`` (of the current span, with tracing on) and ``exception`` (the
traceback). The access line (logger ``pymacaron.access``) adds ``operation``, ``method``,
``path``, ``status`` and ``duration_ms``. Secrets are scrubbed from the message and the
traceback as in text logs (:mod:`pymacaron.crash.redact`).
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

ACCESS_FIELDS = ("operation", "method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """Formats a log record as one JSON object (the fields of the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; secrets in its traceback are masked."""
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("call_id", "call_path", "user_id", "trace_id", "span_id"):
            value = getattr(record, "pym_" + key, None)
            if value:
                line[key] = value
        for key in ACCESS_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            from pymacaron.crash.redact import redact_text

            line["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


def request_fields(record: logging.LogRecord) -> None:
    """Put the request's call id/path, user id and trace ids on ``record`` (as ``pym_*``)."""
    try:
        from flask import has_request_context

        if has_request_context():
            from pymacaron_core.context import get_call_id, get_call_path

            record.pym_call_id = get_call_id()
            record.pym_call_path = get_call_path()
    except Exception:
        pass
    from pymacaron.observability.tracing import current_ids

    record.pym_trace_id, record.pym_span_id = current_ids()

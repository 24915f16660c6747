"""Logging: one stdout handler, the user id in each line, secrets scrubbed.

``log_format: json`` in pym-config (or ``setup_logger(fmt="json")``) writes one JSON object
per line instead: see :mod:`pymacaron.observability.jsonlog`.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pymacaron.crash.redact import redact_text

FORMAT = "%(asctime)s - %(pym_process)s %(process)d%(pym_user)s %(name)s - %(levelname)s - %(message)s"
_QUIET = ("boto", "boto3", "botocore", "bravado_core", "swagger_spec_validator", "celery", "kombu",
          "urllib3", "werkzeug")


class _Context(logging.Filter):
    """Adds the current user id and scrubs secrets from the message."""

    def __init__(self, process_kind: str = "FLASK", json_fields: bool = False) -> None:
        super().__init__()
        self.process_kind = process_kind
        self.json_fields = json_fields

    def filter(self, record: logging.LogRecord) -> bool:
        record.pym_process = self.process_kind
        record.pym_user = ""
        try:
            from pymacaron.auth import get_userid

            uid = get_userid()
            if uid:
                record.pym_user = f" [{uid}]"
                record.pym_user_id = uid
        except Exception:
            pass
        if self.json_fields:
            from pymacaron.observability.jsonlog import request_fields

            request_fields(record)
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def setup_logger(celery: bool = False, level: int | str | None = None,
                 fmt: Literal["text", "json"] | None = None) -> logging.Logger:
    """One stdout handler on the root logger; ``fmt``: "text" (default) or "json"."""
    if fmt not in (None, "text", "json"):
        raise ValueError(f"setup_logger(fmt=...) takes 'text' or 'json', got {fmt!r}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pymacaron", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler._pymacaron = True  # type: ignore[attr-defined]  # marks the handlers setup_logger owns
    if fmt == "json":
        from pymacaron.observability.jsonlog import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_Context("WORKER" if celery else "FLASK", json_fields=fmt == "json"))
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return root


def current_format() -> Literal["text", "json"] | None:
    """"json" or "text": the format of the handler setup_logger installed (None: none installed)."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_pymacaron", False):
            return "json" if type(handler.formatter).__name__ == "JsonFormatter" else "text"
    return None


def set_level(level: int | str) -> None:
    """Set the root logger's level (``logging.DEBUG``, or a name such as "INFO")."""
    logging.getLogger().setLevel(level)


def get_logger() -> logging.Logger:
    """The root logger (the one setup_logger configures)."""
    return logging.getLogger()


def pymlogger(name: str | None) -> logging.Logger:
    """``logging.getLogger(name)``, kept from pymacaron v1."""
    return logging.getLogger(name)

"""Logging: one stdout handler, the user id in each line, secrets scrubbed."""

from __future__ import annotations

import logging
import sys

from pymacaron.crash.redact import redact_text

FORMAT = "%(asctime)s - %(pym_process)s %(process)d%(pym_user)s %(name)s - %(levelname)s - %(message)s"
_QUIET = ("boto", "boto3", "botocore", "bravado_core", "swagger_spec_validator", "celery", "kombu",
          "urllib3", "werkzeug")


class _Context(logging.Filter):
    """Adds the current user id and scrubs secrets from the message."""

    def __init__(self, process_kind="FLASK"):
        super().__init__()
        self.process_kind = process_kind

    def filter(self, record):
        record.pym_process = self.process_kind
        record.pym_user = ""
        try:
            from pymacaron.auth import get_userid

            uid = get_userid()
            if uid:
                record.pym_user = f" [{uid}]"
        except Exception:
            pass
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def setup_logger(celery=False, level=None):
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pymacaron", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler._pymacaron = True
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_Context("WORKER" if celery else "FLASK"))
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return root


def set_level(level):
    logging.getLogger().setLevel(level)


def get_logger():
    return logging.getLogger()


def pymlogger(name):
    return logging.getLogger(name)

"""Keeping the SDKs' debug logs quiet while a deploy runs.

google-cloud clients log whole request payloads at DEBUG (a Secret Manager ``addVersion`` carries a
secret value), and the kubernetes client logs response bodies (a Secret's data). During a deploy,
every logger of those libraries is held at WARNING, whatever the application's logging setup or
``GOOGLE_SDK_PYTHON_LOGGING_SCOPE`` say; the previous levels come back afterwards.
"""

from __future__ import annotations

import contextlib
import logging

SDK_PREFIXES = ("google", "grpc", "kubernetes", "urllib3", "requests", "websocket")


def _sdk_loggers():
    names = [name for name in list(logging.root.manager.loggerDict)
             if name.split(".", 1)[0] in SDK_PREFIXES]
    return [logging.getLogger(name) for name in sorted(set(names) | set(SDK_PREFIXES))]


@contextlib.contextmanager
def quiet_sdk_logs(level=logging.WARNING):
    """Hold the SDK loggers at ``level`` (and above) inside the block."""
    saved = [(logger, logger.level) for logger in _sdk_loggers()]
    for logger, current in saved:
        if current < level:
            logger.setLevel(level)
    try:
        yield
    finally:
        for logger, current in saved:
            logger.setLevel(current)

"""The limits every request is held to, read once from pym-config.yaml.

=====================  =========  =================================================================
key                    default    what happens beyond it
=====================  =========  =================================================================
``max_body_size``      10485760   413 ``REQUEST_TOO_LARGE`` (bytes; chunked bodies too; 0: no limit)
``body_timeout``       60         408 ``REQUEST_TIMEOUT``: the body did not arrive within this many
                                  seconds (a slow client); 0: no limit
``handler_timeout``    60         504 ``HANDLER_TIMEOUT`` and a FATAL crash report naming where the
                                  handler was stuck; 0: no limit
``threads``            8          handlers running at once in a worker process; more requests wait
=====================  =========  =================================================================

The production server (:mod:`pymacaron.front`) and the development server
(:mod:`pymacaron.guard`) enforce them; ``/ping`` never waits behind busy handlers.
Malformed values stop start-up with the file, the line and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig

DEFAULT_MAX_BODY_SIZE = 10 * 1024 * 1024
DEFAULT_BODY_TIMEOUT_S = 60
DEFAULT_HANDLER_TIMEOUT_S = 60
DEFAULT_THREADS = 8  # per worker: handlers that wait on I/O (other services, databases) overlap
THREADS_ENV = "PYM_THREADS"


@dataclass(frozen=True)
class Limits:
    """``None`` means no limit."""

    max_body_size: int | None = DEFAULT_MAX_BODY_SIZE
    body_timeout: float | None = DEFAULT_BODY_TIMEOUT_S
    handler_timeout: float | None = DEFAULT_HANDLER_TIMEOUT_S
    threads: int = DEFAULT_THREADS


def _where(config: Any, key: str) -> str:
    path = getattr(config, "config_path", None)
    if not path:
        return "pym-config"
    try:
        from pymacaron.config import _key_lines

        line = _key_lines(path).get(key)
    except Exception:
        line = None
    return f"{path} line {line}" if line else path


def _seconds(config: PyMacaronConfig | None, key: str, default: float) -> float | None:
    from pymacaron.config import ConfigError

    value = config.get(key, default) if config is not None else default
    if value in (None, 0, False):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{_where(config, key)}: {key} must be a number of seconds (e.g. {key}: {default}), "
                          f"or 0 for no limit; got {value!r}")
    return float(value)


def max_body_size(config: PyMacaronConfig | None) -> int | None:
    """``max_body_size`` of pym-config as a number of bytes, or None (no limit)."""
    from pymacaron.config import ConfigError

    value = config.get("max_body_size", DEFAULT_MAX_BODY_SIZE) if config is not None else DEFAULT_MAX_BODY_SIZE
    if value in (None, 0, False):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{_where(config, 'max_body_size')}: max_body_size must be a number of bytes "
                          f"(e.g. max_body_size: 1048576), or 0 for no limit; got {value!r}")
    return value


def threads(config: PyMacaronConfig | None) -> int:
    """Handlers running at once per process: ``$PYM_THREADS``, else ``threads`` in pym-config, else 8."""
    from pymacaron.config import ConfigError

    value, where = os.environ.get(THREADS_ENV), f"${THREADS_ENV}"
    if value in (None, ""):
        value = config.get("threads") if config is not None else None
        where = _where(config, "threads")
    if value in (None, ""):
        return DEFAULT_THREADS
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        n = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: threads must be a whole number, got {value!r}") from None
    if n < 1:
        raise ConfigError(f"{where}: threads must be at least 1, got {n}")
    return n


def limits_from_config(config: PyMacaronConfig | None) -> Limits:
    """The :class:`Limits` of a loaded PyMacaronConfig (``None``: the defaults)."""
    return Limits(max_body_size=max_body_size(config),
                  body_timeout=_seconds(config, "body_timeout", DEFAULT_BODY_TIMEOUT_S),
                  handler_timeout=_seconds(config, "handler_timeout", DEFAULT_HANDLER_TIMEOUT_S),
                  threads=threads(config))

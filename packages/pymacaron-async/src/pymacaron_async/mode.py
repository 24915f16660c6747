"""Where a task runs when it is called: sent to a worker, or inline ("eager").

Decided at each call, first match wins:

1. :func:`eager_tasks` / :func:`set_eager_tasks` (tests);
2. ``$PYM_ASYNC_EAGER=1`` (e.g. in a CI job running unit tests);
3. ``async_eager: true`` in pym-config.yaml;
4. ``with_async: true`` in pym-config.yaml: tasks go to the broker, for a worker;
5. otherwise (``with_async`` unset or false, or no pym-config.yaml): inline, with one warning,
   so code using ``@asynctask`` still works in a service or script without workers.

Inline (eager) runs take the same path as in a worker: arguments go through
JSON and back, the task sees the caller's user and call id, and an exception
becomes a FATAL crash report instead of reaching the caller, unless
``raise_errors=True`` was asked for.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("pymacaron_async")

ENV_EAGER = "PYM_ASYNC_EAGER"
CONFIG_EAGER = "async_eager"
SCHEDULE = "schedule"
INLINE = "inline"
_TRUE = ("1", "true", "yes", "on")

_state = threading.local()
_global_override = None  # (enabled, raise_errors) or None
_warned = False


def set_eager_tasks(enabled: bool | None = True, raise_errors: bool = False) -> None:
    """Run every task inline (``enabled``), or send them again (``False``); ``None`` restores the default."""
    global _global_override
    _global_override = None if enabled is None else (bool(enabled), bool(raise_errors))


@contextmanager
def eager_tasks(raise_errors: bool = False) -> Iterator[None]:
    """Within the block (this thread), tasks run inline; ``raise_errors``: their exceptions reach the caller."""
    previous = getattr(_state, "override", None)
    _state.override = (True, bool(raise_errors))
    try:
        yield
    finally:
        _state.override = previous


def _override():
    local = getattr(_state, "override", None)
    return local if local is not None else _global_override


def _config():
    from pymacaron.config import ConfigError, config_loaded, get_config

    if config_loaded():
        return get_config()
    try:
        return get_config()
    except ConfigError:
        return None


def execution_mode() -> tuple[str, bool]:
    """-> (SCHEDULE or INLINE, raise_errors)."""
    global _warned
    override = _override()
    if override is not None:
        enabled, raise_errors = override
        if enabled:
            return INLINE, raise_errors
        return SCHEDULE, False
    if os.environ.get(ENV_EAGER, "").strip().lower() in _TRUE:
        return INLINE, False
    config = _config()
    if config is not None and config.get(CONFIG_EAGER):
        return INLINE, False
    if config is not None and config.get("with_async"):
        return SCHEDULE, False
    if not _warned:
        _warned = True
        where = config.get("config_path") if config is not None else None
        log.warning("with_async is not set in %s: @asynctask functions run inline, in the caller's process "
                    "(set with_async: true to run them in a worker)", where or "pym-config.yaml (none found)")
    return INLINE, False

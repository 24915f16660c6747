"""``@asynctask``: calling the function schedules it in a worker and returns None at once.

::

    from pymacaron_async import asynctask

    @asynctask                  # or @asynctask(), or @asynctask(delay=30) (seconds)
    def send_email(title, body):
        ...

    send_email("Welcome!", "...")        # scheduled; returns None immediately
    send_email.fire("Welcome!", "...")   # the same, as the docs of pymacaron v1 wrote it

The worker finds the function again by ``module:qualname``, so it must be
defined at module level (a function of ``server.py`` run as a script is
found in the worker's ``server`` module).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, overload

from pymacaron.observability import hooks

from pymacaron_async import devwait
from pymacaron_async.envelope import build_envelope, describe
from pymacaron_async.exceptions import AsyncError, TaskDefinitionError
from pymacaron_async.mode import INLINE, execution_mode

log = logging.getLogger("pymacaron_async")


def task_path(func: Callable[..., Any]) -> str:
    """``module:qualname`` under which a worker imports ``func``."""
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    module = getattr(func, "__module__", None)
    if not qualname or not module:
        raise TaskDefinitionError(f"@asynctask needs a function, got {func!r}")
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise TaskDefinitionError(
            f"@asynctask on {module}.{qualname}: workers import tasks by name, so decorate a function defined at "
            "module level (not inside another function, not a lambda)")
    if module == "__main__":
        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        if not main_file:
            raise TaskDefinitionError(f"@asynctask on {qualname}: functions typed in an interactive session cannot "
                                      "run in a worker; define them in a module")
        module = os.path.splitext(os.path.basename(main_file))[0]
    return f"{module}:{qualname}"


def _check_delay(delay):
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise TaskDefinitionError(f"asynctask(delay=...) takes a number of seconds >= 0, got {delay!r}")
    return delay


class AsyncTask:
    """A function run by a worker: call it (or ``.fire(...)``) to schedule it; ``.func`` is the original."""

    def __init__(self, func: Callable[..., Any], delay: float = 0) -> None:
        if not callable(func):
            raise TaskDefinitionError(f"@asynctask decorates functions, got {func!r}")
        self.func = func
        self.delay = _check_delay(delay)
        self.name = task_path(func)
        functools.update_wrapper(self, func)

    def __repr__(self):
        return f"<asynctask {self.name} delay={self.delay:g}s>"

    def __call__(self, *args, **kwargs):
        return self.fire(*args, **kwargs)

    def fire(self, *args: Any, **kwargs: Any) -> None:
        """Schedule a call (or run it inline in eager mode); returns None at once."""
        envelope = build_envelope(self.name, args, kwargs, self.delay)
        if hooks.task_fired is not None:
            hooks.task_fired(self.name)
        mode, raise_errors = execution_mode()
        if mode == INLINE:
            from pymacaron_async.runner import run_envelope

            # through JSON and back, as in a worker: what works eagerly works there
            run_envelope(json.loads(json.dumps(envelope)), raise_errors=raise_errors)
            return None
        notify = devwait.tag(envelope, self.delay)
        try:
            send(envelope, self.delay)
        except Exception:
            devwait.untag(notify)
            raise
        return None


def send(envelope: dict[str, Any], delay: float = 0) -> None:
    """Put ``envelope`` on the broker (after ``delay`` seconds, a worker runs it)."""
    from pymacaron_async.app import TASK_NAME, get_celery_app

    app = get_celery_app()
    try:
        app.tasks[TASK_NAME].apply_async(args=[envelope], countdown=delay or None, argsrepr=describe(envelope),
                                         kwargsrepr="{}")
    except Exception as e:
        raise AsyncError(f"cannot send the task {describe(envelope)} to the {app.pym_broker.description}: "
                         f"{type(e).__name__}: {e} (is the broker running? see celery_broker_url in "
                         "pym-config.yaml)") from None
    log.debug("scheduled %s%s", describe(envelope), f" in {delay:g}s" if delay else "")


@overload
def asynctask(func: Callable[..., Any], delay: float = 0) -> AsyncTask: ...


@overload
def asynctask(func: float | None = None, delay: float = 0) -> Callable[[Callable[..., Any]], AsyncTask]: ...


def asynctask(func: Callable[..., Any] | float | None = None,
              delay: float = 0) -> AsyncTask | Callable[[Callable[..., Any]], AsyncTask]:
    """Make ``func`` an asynchronous task: ``@asynctask``, ``@asynctask()`` or ``@asynctask(delay=N)``."""
    if func is None:
        _check_delay(delay)
        return lambda f: AsyncTask(f, delay=delay)
    if isinstance(func, (int, float)) and not isinstance(func, bool):  # @asynctask(30)
        return asynctask(delay=func)
    return AsyncTask(func, delay=delay)  # type: ignore[arg-type]  # a bool: AsyncTask says it is no function

"""Errors of pymacaron-async; each message says what to fix.

    AsyncError                 base class
    ├── AsyncConfigError       pym-config.yaml or the environment cannot run tasks (broker, worker settings)
    ├── TaskDefinitionError    @asynctask used on something a worker cannot find again
    └── TaskArgumentError      an argument cannot travel to the worker (not JSON, unknown model)
"""

from __future__ import annotations


class AsyncError(Exception):
    """Base class of pymacaron-async's errors."""


class AsyncConfigError(AsyncError):
    """The configuration cannot run asynchronous tasks; the message names the key and the fix."""


class TaskDefinitionError(AsyncError, TypeError):
    """``@asynctask`` was given something that a worker could not import again."""


class TaskArgumentError(AsyncError, TypeError):
    """An argument of a task cannot be sent to the worker, or rebuilt there."""

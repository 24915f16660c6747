"""Asynchronous tasks for PyMacaron services, on Celery.

::

    from pymacaron_async import asynctask

    @asynctask
    def send_email(title, body):
        ...

    send_email("Welcome!", "You now have an account")   # runs in a worker; returns None at once

Modules: :mod:`~pymacaron_async.task` (the decorator), :mod:`~pymacaron_async.mode`
(worker or inline/eager), :mod:`~pymacaron_async.envelope` and
:mod:`~pymacaron_async.serialization` (the message), :mod:`~pymacaron_async.runner`
(running a message with the caller's context), :mod:`~pymacaron_async.broker`,
:mod:`~pymacaron_async.fsbroker` and :mod:`~pymacaron_async.app` (Celery),
:mod:`~pymacaron_async.loader`, :mod:`~pymacaron_async.worker` and
:mod:`~pymacaron_async.supervise` (worker processes), :mod:`~pymacaron_async.cli`
(``pymacaron worker`` / ``pymasync``).
"""

from pymacaron_async.__about__ import __version__
from pymacaron_async.app import get_celery_app, reset_celery_app
from pymacaron_async.exceptions import AsyncConfigError, AsyncError, TaskArgumentError, TaskDefinitionError
from pymacaron_async.mode import eager_tasks, set_eager_tasks
from pymacaron_async.serialization import model_to_task_arg, task_arg_to_model
from pymacaron_async.task import AsyncTask, asynctask
from pymacaron_async.worker import is_celery_task

__all__ = [
    "AsyncConfigError",
    "AsyncError",
    "AsyncTask",
    "TaskArgumentError",
    "TaskDefinitionError",
    "__version__",
    "asynctask",
    "eager_tasks",
    "get_celery_app",
    "is_celery_task",
    "model_to_task_arg",
    "reset_celery_app",
    "set_eager_tasks",
    "task_arg_to_model",
]

"""Asynchronous tasks of the helloworld service (pymacaron-async), scheduled by GET /async and /asyncdie.

Calling a task schedules it and returns at once; a worker process runs it with the
caller's context (user, call id) and the service's config. ``python server.py`` starts
that worker; in production, ``pymacaron worker`` runs the workers.
"""

import logging
import os
import uuid

from pymacaron.config import get_config
from pymacaron_async import asynctask

log = logging.getLogger(__name__)


def new_code():
    return str(uuid.uuid4())


def uuid_file_path():
    """uuid_file_path from pym-config.yaml; a relative path is relative to that file's folder."""
    config = get_config()
    path = config.uuid_file_path
    if not os.path.isabs(path) and config.config_path:
        path = os.path.join(os.path.dirname(config.config_path), path)
    return path


@asynctask
def my_task_async(one, two, three, four, code, dict_arg=None):
    """Check the arguments came through intact, then write ``code`` to uuid_file_path."""
    assert (one, two, three, four) == (1, "2", {"3": "4"}, [5, 6, 7]), (one, two, three, four)
    assert dict_arg == code
    path = uuid_file_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(code)
    os.replace(tmp, path)  # readers never see a half-written code
    log.info("wrote code %s to %s", code, path)


class AsyncDeathWish(Exception):
    """Raised by the task of GET /asyncdie."""


@asynctask()
def my_task_async_die():
    raise AsyncDeathWish("I was asked to die in a worker (GET /asyncdie)")

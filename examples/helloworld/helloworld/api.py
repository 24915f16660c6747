"""The endpoints of apis/helloworld.yaml.

Each function is named by an ``x-bind-server`` in the spec. PyMacaron calls it with the
request's parameters already validated (a body arrives as a model instance, here a Question)
and expects a model back, which it validates against the spec and serialises to JSON.
"""

import logging

from pymacaron.auth import get_userid
from pymacaron.models import Message

from helloworld.tasks import my_task_async, my_task_async_die, new_code

log = logging.getLogger(__name__)

GREETING = "Hello world!"


def do_hello():
    """GET /hello"""
    return Message(message=GREETING)


def do_hello_with_auth():
    """GET /hello/with/auth: requires_auth (x-decorate-server) already checked the JWT."""
    log.info("hello to authenticated user %s", get_userid())
    return Message(message=GREETING)


def do_hello_with_inheritance(question):
    """POST /hello/with/inheritance: ``question`` is a Question, with helloworld.models.Question's methods."""
    return Message(message=question.answer())


class DeathWish(Exception):
    """Raised by GET /die, to show what a crash looks like."""


def do_die():
    """GET /die: crash on purpose. The caller gets a 500 Error JSON, the error_reporter a FATAL report."""
    raise DeathWish("I was asked to die (GET /die crashes on purpose)")


def do_async():
    """GET /async: schedule a task writing a new code to uuid_file_path; answer at once."""
    code = new_code()
    my_task_async(1, "2", {"3": "4"}, [5, 6, 7], code, dict_arg=code)
    return Message(message=f"Writing code {code}")


def do_async_die():
    """GET /asyncdie: schedule a task that crashes in the worker (a FATAL crash report follows)."""
    my_task_async_die()
    return Message(message="Scheduled a task that will crash")

"""The endpoints of apis/helloworld.yaml.

Each function is named by an ``x-bind-server`` in the spec. PyMacaron calls it with the
request's parameters already validated (a body arrives as a model instance, here a Question)
and expects a model back, which it validates against the spec and serialises to JSON.
"""

import logging

from pymacaron.auth import get_userid
from pymacaron.models import Message

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

"""Helpers for the error and crash-report tests: a service served over real HTTP
on 127.0.0.1 (random port), and a reporter that records what it receives.

Import the fixtures in a test module with
``from crash_testing import http_service, reports  # noqa: F401``.
"""

import json
import threading

import pytest
import requests
from pymacaron_unit import LiveServer as BaseLiveServer

from pymacaron.crash import flush_reports, set_error_reporter

WAIT = 10  # seconds: upper bound of every wait in these tests

# A service failing in every way an endpoint can (P18), for the error and crash tests.
ERRORS_SPEC = """\
swagger: '2.0'
info: {title: testsvc, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /ok:
    get:
      x-bind-server: HANDLERS.do_ok
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /raise/custom:
    get:
      x-bind-server: HANDLERS.do_raise_custom
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /raise/fatal:
    get:
      x-bind-server: HANDLERS.do_raise_fatal
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /raise/any:
    get:
      x-bind-server: HANDLERS.do_raise_any
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /return/exception:
    get:
      x-bind-server: HANDLERS.do_return_exception
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /return/reply:
    get:
      x-bind-server: HANDLERS.do_return_reply
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /return/model:
    get:
      x-bind-server: HANDLERS.do_return_model
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /passthrough:
    get:
      x-bind-server: HANDLERS.do_passthrough
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
  /badresponse:
    get:
      x-bind-server: HANDLERS.do_bad_response
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Login'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /items/{item_id}:
    get:
      x-bind-server: HANDLERS.do_item
      parameters:
        - {in: path, name: item_id, type: integer, required: true}
        - {in: query, name: count, type: integer, minimum: 1}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /login:
    post:
      x-bind-server: HANDLERS.do_login
      parameters:
        - {in: body, name: body, required: true, schema: {$ref: '#/definitions/Login'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /me/crash:
    get:
      x-bind-server: HANDLERS.do_raise_any
      x-decorate-server: pymacaron.auth.requires_auth
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Login:
    type: object
    required: [user, password]
    properties:
      user: {type: string}
      password: {type: string}
      api_secret: {type: string}
      remember: {type: boolean}
"""

ERRORS_HANDLERS = """\
import os

from flask import jsonify

from pymacaron.exceptions import PyMacaronException, add_error
from pymacaron.models import Error, Ok

InvalidUser = add_error(name="InvalidUser", code="INVALID_USER", status=401)


class ShopClosed(PyMacaronException):
    code = "SHOP_CLOSED"
    status = 543


def do_ok():
    return Ok()


def do_raise_custom():
    raise InvalidUser("user 42 is unknown").tell_user("Sorry, we don't know you")


def do_raise_fatal():
    raise ShopClosed("the shop is closed")


def do_raise_any():
    raise ValueError("something broke")


def do_return_exception():
    return ShopClosed("returned, not raised")


def do_return_reply():
    return ShopClosed("an http_reply").http_reply()


def do_return_model():
    return Error(status=543, error="ANOTHER_CUSTOM_ERROR", error_description="an Error model")


def do_passthrough():
    return jsonify({"foo": 1}), 534


def do_bad_response():
    return Ok(ok="the spec says this endpoint returns a Login")


def do_item(item_id, count=None):
    return Ok(ok=f"{item_id}x{count}")


def do_login(body):
    # leaks on purpose: the password, and a server secret, in the exception text
    raise Exception(f"login failed for {body.user} with {body.password} ({os.environ['PYM_TEST_JWT_SECRET']})")
"""


class LiveServer(BaseLiveServer):
    """A Flask app served in a background thread, with a requests session to call it."""

    def __init__(self, app):
        super().__init__(app)
        self.session = requests.Session()

    def stop(self):
        self.session.close()
        super().stop()

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", WAIT)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


class Report:
    def __init__(self, title, message):
        self.title = title
        self.message = message
        self.data = json.loads(message)

    @property
    def fatal(self):
        return self.data.get("is_fatal_error") is True

    def __repr__(self):
        return f"Report({self.title!r})"


class Reports:
    """An error_reporter that keeps every report it receives, in order."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def __call__(self, title, message):
        with self.cond:
            self.items.append(Report(title, message))
            self.cond.notify_all()

    def wait(self, count=1, timeout=WAIT):
        """Wait until ``count`` reports arrived; returns all of them."""
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.items) >= count, timeout):
                raise AssertionError(f"expected {count} report(s) within {timeout}s, got {self.items}")
            return list(self.items)

    def settled(self):
        """Every report queued so far, once the background sender drained its queue."""
        assert flush_reports(WAIT), "the report queue did not drain"
        with self.cond:
            return list(self.items)


@pytest.fixture
def reports():
    """The installed error reporter, recording reports (``reports.wait(n)``, ``reports.settled()``)."""
    collector = Reports()
    set_error_reporter(collector)
    yield collector
    flush_reports(WAIT)


@pytest.fixture
def http_service(service):
    """``http_service(**service_kwargs)`` -> a LiveServer answering on 127.0.0.1 (stopped afterwards)."""
    started = []

    def factory(**kwargs):
        live = LiveServer(service(**kwargs)).start()
        started.append(live)
        return live

    yield factory
    for live in started:
        live.stop()

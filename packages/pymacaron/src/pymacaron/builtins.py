"""Handlers of the built-in APIs (ping.yaml and crash.yaml)."""

from __future__ import annotations

import logging
import os
import time

from pymacaron_core import ApiPool
from pymacaron_core.models import api_models, get_model

from pymacaron.crash import report_error
from pymacaron.exceptions import PyMacaronException
from pymacaron.utils import get_container_version

log = logging.getLogger(__name__)

_ping_hooks = []


def add_ping_hook(hook) -> None:
    if hook is not None and hook not in _ping_hooks:
        _ping_hooks.append(hook)


def clear_ping_hooks() -> None:
    _ping_hooks.clear()


def builtin_model(name: str) -> type:
    """The class of a built-in API's model (Error, Ok, Version): the ping API's own, whatever a
    service's specs define under that name."""
    return api_models("ping").get(name) or get_model(name)


def do_ping():
    for hook in _ping_hooks:
        hook()
    return builtin_model("Ok")()


def do_version():
    api = ApiPool.current_server_api
    return builtin_model("Version")(
        name=ApiPool.current_server_name,
        version=api.get_version() if api is not None else "",
        container=get_container_version(),
        pym_env=os.environ.get("PYM_ENV", ""),
    )


class MyFatalCustomError(PyMacaronException):
    code = "FATAL_CUSTOM_ERROR"
    status = 543


class MyNonFatalCustomError(PyMacaronException):
    code = "NON_FATAL_CUSTOM_ERROR"
    status = 401


def do_crash_internal_exception():
    raise Exception("Raising an internal exception")


def do_crash_pymacaron_exception():
    raise MyNonFatalCustomError("Raising a non-fatal custom error")


def do_crash_report_error():
    report_error("Testing report_error()", caught=MyNonFatalCustomError("caught while testing"))
    return builtin_model("Ok")()


def do_crash_slow_call(ms=None):
    time.sleep((ms if ms is not None else 6000) / 1000)
    return builtin_model("Ok")()


def do_crash_return_error_instance():
    return MyFatalCustomError("Returning a fatal custom error instance")


def do_crash_return_fatal_error_response():
    return MyFatalCustomError("Returning a fatal custom error response").http_reply()


def do_crash_return_non_fatal_error_response():
    return MyNonFatalCustomError("Returning a non-fatal custom error response").http_reply()


def do_crash_return_error_model():
    return builtin_model("Error")(status=543, error="ANOTHER_CUSTOM_ERROR", error_description="Testing error model")

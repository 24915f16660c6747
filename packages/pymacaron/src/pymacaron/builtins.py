"""Handlers of the built-in APIs (ping.yaml and crash.yaml)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, cast

from pymacaron_core import ApiPool
from pymacaron_core.models import api_models, get_model

from pymacaron.crash import report_error
from pymacaron.exceptions import PyMacaronException
from pymacaron.utils import get_container_version

if TYPE_CHECKING:
    from flask import Response
    from pymacaron_core.api import API
    from pymacaron_core.models.base import PyMacaronModel

log = logging.getLogger(__name__)

PingHook = Callable[[], object]  # called by GET /ping; its result is ignored, an exception makes /ping fail

_ping_hooks: list[PingHook] = []


def add_ping_hook(hook: PingHook | None) -> None:
    """Call ``hook()`` at each GET /ping (``API(app, ping_hook=...)`` adds them); None or a hook already
    added is ignored."""
    if hook is not None and hook not in _ping_hooks:
        _ping_hooks.append(hook)


def clear_ping_hooks() -> None:
    """Forget every ping hook (``API(app)`` does, before adding its own)."""
    _ping_hooks.clear()


def builtin_model(name: str) -> type:
    """The class of a built-in API's model (Error, Ok, Version): the ping API's own, whatever a
    service's specs define under that name."""
    return api_models("ping").get(name) or get_model(name)


def do_ping() -> PyMacaronModel:
    """Run every ping hook, then answer ``{}`` (a hook that raises makes the answer a 500).

    GET /ping: the health check of load balancers and of the Docker image (``API(app, ping_hook=f)`` adds
    hooks)."""
    for hook in _ping_hooks:
        hook()
    return builtin_model("Ok")()


def do_version() -> PyMacaronModel:
    """Answer the service's name, its versions (spec, container) and $PYM_ENV, as a Version model.

    GET /version, and GET /auth/version which needs a valid JWT (to test tokens). Serving several APIs:
    their names, comma-separated, and the first one's spec version."""
    # ApiPool's metaclass property (mypy reads the same-named property of ApiPool instances instead)
    api = cast("API | None", ApiPool.current_server_api)
    return builtin_model("Version")(
        name=ApiPool.current_server_name,
        version=api.get_version() if api is not None else "",
        container=get_container_version(),
        pym_env=os.environ.get("PYM_ENV", ""),
    )


class MyFatalCustomError(PyMacaronException):
    """The crash API's fatal error: FATAL_CUSTOM_ERROR, status 543 (a 5xx, so it sends a FATAL crash report)."""

    code = "FATAL_CUSTOM_ERROR"
    status = 543


class MyNonFatalCustomError(PyMacaronException):
    """The crash API's non-fatal error: NON_FATAL_CUSTOM_ERROR, status 401 (not reported)."""

    code = "NON_FATAL_CUSTOM_ERROR"
    status = 401


def do_crash_internal_exception() -> NoReturn:
    """Raise a plain Exception: a generic 500 and a FATAL crash report.

    GET /crash/internalexception, of the crash API (``load_apis(..., include_crash_api=True)``, served by
    ``start(serve=[..., "crash"])``)."""
    raise Exception("Raising an internal exception")


def do_crash_pymacaron_exception() -> NoReturn:
    """Raise a MyNonFatalCustomError: its 401 Error JSON, no crash report.

    GET /crash/pymacaronexception, of the crash API."""
    raise MyNonFatalCustomError("Raising a non-fatal custom error")


def do_crash_report_error() -> PyMacaronModel:
    """Send a NON-FATAL crash report through ``report_error()``, then answer ``{}``.

    GET /crash/reporterror, of the crash API."""
    report_error("Testing report_error()", caught=MyNonFatalCustomError("caught while testing"))
    return builtin_model("Ok")()


def do_crash_slow_call(ms: int | None = None) -> PyMacaronModel:
    """Sleep ``ms`` milliseconds (default 6000), then answer ``{}``.

    GET /crash/slowcall?ms=N, of the crash API: slower than ``report_call_exceeding_ms``, the call sends
    a NON-FATAL crash report."""
    time.sleep((ms if ms is not None else 6000) / 1000)
    return builtin_model("Ok")()


def do_crash_return_error_instance() -> MyFatalCustomError:
    """Return (not raise) a MyFatalCustomError: its 543 Error JSON and a FATAL crash report.

    GET /crash/returnerrorinstance, of the crash API."""
    return MyFatalCustomError("Returning a fatal custom error instance")


def do_crash_return_fatal_error_response() -> Response:
    """Return the ``http_reply()`` of a MyFatalCustomError: 543, a FATAL crash report.

    GET /crash/returnfatalerrorresponse, of the crash API."""
    return MyFatalCustomError("Returning a fatal custom error response").http_reply()


def do_crash_return_non_fatal_error_response() -> Response:
    """Return the ``http_reply()`` of a MyNonFatalCustomError: 401, no crash report.

    GET /crash/returnnonfatalerrorresponse, of the crash API."""
    return MyNonFatalCustomError("Returning a non-fatal custom error response").http_reply()


def do_crash_return_error_model() -> PyMacaronModel:
    """Return an Error model (543 ANOTHER_CUSTOM_ERROR): that status, a FATAL crash report.

    GET /crash/returnerrormodel, of the crash API."""
    return builtin_model("Error")(status=543, error="ANOTHER_CUSTOM_ERROR", error_description="Testing error model")

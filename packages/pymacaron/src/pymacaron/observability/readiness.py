"""Readiness: ``GET /ready`` answers 503 until start-up is complete and while draining.

``/ping`` stays the liveness check (is the process alive?); ``/ready`` answers "may I be sent
traffic?": 503 ``NOT_READY`` until ``API.start()`` has served every API (the routes exist),
503 ``DRAINING`` once the process was told to stop (SIGTERM), and otherwise what the user's
``ready_hook`` says (``API(app, ready_hook=f)``: ``f()`` returns something false, or raises,
to answer 503 ``NOT_READY``, e.g. while a cache warms up or the database is unreachable).
Like ``/ping``, it is answered by threads of its own in the production server, so a busy
service still answers it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Response

log = logging.getLogger("pymacaron.readiness")

READY_PATH = "/ready"


class Readiness:
    """Whether this process may be sent traffic: started, not draining, and every ready_hook agrees."""

    def __init__(self) -> None:
        self.started = False
        self.draining = False
        self.hooks: list[Callable[[], Any]] = []

    def state(self) -> tuple[bool, str, str]:
        """-> (ready, code, why)."""
        if self.draining:
            return False, "DRAINING", "the service is shutting down"
        if not self.started:
            return False, "NOT_READY", "the service is still starting"
        for hook in self.hooks:
            try:
                ok = hook()
            except Exception as e:
                return False, "NOT_READY", f"ready_hook {getattr(hook, '__name__', hook)} failed: {type(e).__name__}"
            if not ok:
                return False, "NOT_READY", f"ready_hook {getattr(hook, '__name__', hook)} says not ready"
        return True, "OK", ""


_readiness = Readiness()


def get_readiness() -> Readiness:
    """This process's :class:`Readiness`."""
    return _readiness


def reset() -> None:
    """Back to 'starting' with no hook (a new app is being set up)."""
    global _readiness
    _readiness = Readiness()


def set_hooks(hooks: Sequence[Callable[[], Any]]) -> None:
    """Install the user's ready_hook functions (ValueError for one that is not callable)."""
    for hook in hooks:
        if not callable(hook):
            raise ValueError(f"ready_hook must be a function, got {hook!r}")
    _readiness.hooks = list(hooks)


def mark_started() -> None:
    """Start-up is complete (every API is served): /ready may answer 200."""
    _readiness.started = True


def start_draining() -> None:
    """The process was told to stop: /ready answers 503 from now on."""
    if not _readiness.draining:
        _readiness.draining = True
        log.info("PyMacaron: draining (/ready answers 503)")


def view() -> Response:
    """GET /ready."""
    from flask import jsonify

    ok, code, why = get_readiness().state()
    if ok:
        return jsonify({"ready": True})
    from pymacaron.exceptions import PyMacaronException

    exc = PyMacaronException(why)
    exc.code, exc.status = code, 503
    return exc.http_reply()

"""How the production servers' worker processes stop (granian's and gunicorn's, see :mod:`pymacaron.serving`).

- :func:`default_stop_signals_in_workers`: a worker forked by granian's master ends on a
  SIGTERM/SIGINT that comes before it has installed its own handlers.
- :func:`stop_workers`: granian's graceful stop, killing only the workers still running.
- :func:`watch_stop`: a worker still stopping 1 s before its grace is over logs where its
  threads are (:func:`thread_stacks`), so the log says what held the stop up.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def default_stop_signals_in_workers() -> None:
    """Make every process forked from now on start with the default SIGTERM/SIGINT action (it ends).

    The stop signals are blocked from just before each fork until the child has set that default (and in
    the parent, until the fork returned): a SIGTERM reaching the child in between stays pending and ends it
    once unblocked. Unblocked, it would be caught by the handler inherited from the master, which only marks
    it for later, and lost when the default replaced that handler (seen under load: a worker forked as the
    master was told to stop served on until killed after the graceful timeout).
    """
    forking = threading.local()  # the mask of the thread that forks, before the stop signals were blocked

    def block():
        forking.mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)

    def restore():
        mask = getattr(forking, "mask", None)
        if mask is None:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        else:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def default_then_restore():
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        restore()  # a stop signal that came in the meantime is delivered now: the default ends the child

    os.register_at_fork(before=block, after_in_parent=restore, after_in_child=default_then_restore)


STOP_WATCH_MARGIN_S = 1.0  # how long before the master's kill a worker still stopping shows where it is


def watch_stop(grace: float | None = None) -> threading.Timer | None:
    """In a worker given SIGTERM: if it is still alive 1 s before its grace is over, log every thread's stack.

    The master (granian's or gunicorn's) kills a worker that has not stopped after
    ``shutdown_grace`` seconds (``$PYM_SHUTDOWN_GRACE``, set by :func:`pymacaron.serving.production_command`),
    which leaves no trace of what held it: a handler running past the grace, a flush
    that waits, a lock. The log says which thread waited where. Returns the (daemon)
    timer, or None when the grace is unknown.
    """
    if grace is None:
        try:
            grace = float(os.environ.get("PYM_SHUTDOWN_GRACE", ""))
        except ValueError:
            return None
    timer = threading.Timer(max(0.1, grace - STOP_WATCH_MARGIN_S), _log_stuck_stop, args=(grace,))
    timer.daemon = True
    timer.name = "pymacaron-stop-watch"
    timer.start()
    return timer


def _log_stuck_stop(grace):
    import logging

    logging.getLogger("pymacaron.serving").error(
        "pymacaron: worker %d is still stopping %g s after SIGTERM; it will be killed at %g s (shutdown_grace). "
        "Its threads:\n%s", os.getpid(), grace - STOP_WATCH_MARGIN_S, grace, thread_stacks())


def thread_stacks(include_caller: bool = False) -> str:
    """The stack of every thread of this process, each under ``--- thread NAME (ID)``.

    The calling thread's is left out unless ``include_caller`` (a signal handler runs in the
    thread it interrupted: its stack says where that thread was).
    """
    import traceback

    names = {t.ident: t.name for t in threading.enumerate()}
    me = None if include_caller else threading.get_ident()
    lines = []
    for ident, frame in sys._current_frames().items():
        if ident != me:
            lines.append(f"--- thread {names.get(ident, '?')} ({ident})")
            lines.extend(line.rstrip("\n") for line in traceback.format_stack(frame))
    return "\n".join(lines)


KILLED_WORKER_WAIT_S = 5.0  # after SIGKILL, how long the master waits for a worker's exit


def stop_workers(server: Any) -> None:
    """A granian server's graceful stop of its worker processes: SIGTERM, ``workers_kill_timeout`` s, SIGKILL.

    granian's own stop asks ``is_alive()`` whether a worker outlived the timeout. Each
    worker also has a thread of granian's waiting for its exit: when that thread
    reaps the process first, ``is_alive()`` says True until the thread records the
    exit status, and under load that took longer than granian's 1 ms retry: a worker
    that had stopped was reported as having "refused to gracefully stop" and sent a
    SIGKILL (to a PID that may already be another process's). Here a worker has
    stopped when its process has ended (multiprocessing's sentinel, which no other
    thread can consume), and only a live one is killed.
    """
    from multiprocessing.connection import wait

    from granian.log import logger

    workers = list(server.wrks)
    for wrk in workers:
        wrk.terminate()
    kill_timeout = server.workers_kill_timeout
    deadline = time.monotonic() + kill_timeout if kill_timeout else None
    for wrk in workers:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.001)
        if not wait([wrk.inner.sentinel], timeout) and wrk.inner.exitcode is None:
            logger.warning(f"Killing worker-{wrk.idx + 1} after it refused to gracefully stop")
            wrk.kill()
        wrk.join(KILLED_WORKER_WAIT_S)
        logger.info(f"Stopped worker-{wrk.idx + 1}")
    server.wrks.clear()

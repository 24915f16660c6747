"""Deliver reports off the request path: one daemon thread drains a bounded queue.

A slow reporter (Slack, e-mail...) never delays a response, and one that raises
is logged and never breaks anything. Reports still queued when the process
exits are delivered first (at most ``EXIT_FLUSH_SECONDS``), with the summaries
of reports folded (:mod:`pymacaron.crash.folding`): at interpreter exit, at the
end of a multiprocessing child (granian's workers end that way, skipping
``atexit``), and when the production front stops. After a fork the child gets
its own, empty, queue.
"""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing.util
import os
import queue
import threading
import time
from collections.abc import Callable, Hashable

from pymacaron.crash import folding
from pymacaron.crash.redact import format_exception

log = logging.getLogger("pymacaron.crash")

QUEUE_SIZE = 1000
EXIT_FLUSH_SECONDS = 10.0
FOLD_TICK_SECONDS = 1.0  # how often the sender looks for fold windows that are over

Reporter = Callable[[str, str], object]  # reporter(title, message): sends one crash report
Message = str | Callable[[], str]  # the report's text, or a function building it in the sender's thread


def deliver(reporter: Reporter, title: str, message: Message) -> None:
    """Call ``reporter(title, message)`` (``message`` may be a function building it); log, never raise."""
    if callable(message):
        try:
            message = message()
        except Exception as e:
            log.error("could not build the crash report %r:\n%s", title, format_exception(e))
            return
    try:
        reporter(title, message)
    except Exception as e:
        log.error("the error reporter %s failed, report %r was lost:\n%s",
                  getattr(reporter, "__name__", type(reporter).__name__), title, format_exception(e))


class Sender:
    """A bounded queue of (reporter, title, message) and the thread that sends them."""

    def __init__(self, maxsize: int = QUEUE_SIZE) -> None:
        self.queue: queue.Queue[tuple[Reporter, str, Message]] = queue.Queue(maxsize=maxsize)
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.dropped = 0

    def _run(self) -> None:
        while True:
            try:
                reporter, title, message = self.queue.get(timeout=FOLD_TICK_SECONDS)
            except queue.Empty:
                submit_folded()  # the windows of folded reports now over: their summaries
                continue
            try:
                deliver(reporter, title, message)
            finally:
                self.queue.task_done()

    def _ensure_thread(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                thread = threading.Thread(target=self._run, name="pymacaron-crash-reporter", daemon=True)
                thread.start()  # RuntimeError at interpreter shutdown: the caller sends inline
                self.thread = thread

    def submit(self, reporter: Reporter, title: str, message: Message) -> None:
        """Queue one report for the sender thread (sent inline at interpreter shutdown; dropped, and logged,
        when the queue is full)."""
        try:
            self._ensure_thread()
        except RuntimeError:
            deliver(reporter, title, message)
            return
        try:
            self.queue.put_nowait((reporter, title, message))
        except queue.Full:
            self.dropped += 1
            log.error("crash report queue full (%d reports waiting): dropped report %r", self.queue.qsize(), title)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued report was delivered; False if ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        done = self.queue.all_tasks_done
        with done:
            while self.queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                done.wait(remaining)
        return True


_sender = Sender()
_folder = folding.Folder()


def submit(reporter: Reporter, title: str, message: Message) -> None:
    """Queue one report on the process's sender (see :meth:`Sender.submit`)."""
    _sender.submit(reporter, title, message)


def fold(key: Hashable, reporter: Reporter, error_id: str = "") -> bool:
    """True: send the report of ``key`` now; False: it is folded (counted) into an open window."""
    return _folder.admit(key, reporter, folding.window_seconds(), error_id)


def folded_title(key: Hashable, title: str) -> None:
    """Record ``title`` (as sent) as the title of the fold window ``key`` opened, for its summary."""
    _folder.titled(key, title)


def submit_folded(everything: bool = False) -> None:
    """Queue the summaries of the fold windows that are over (all of them: ``everything``)."""
    for reporter, title, data in _folder.due(folding.window_seconds(), everything):
        message = json.dumps(data, sort_keys=True, indent=4, default=str)
        log.warning("Folded errors: %s", title)
        _sender.submit(reporter, title, message)


def forget_folds() -> None:
    """Close every fold window without a summary (tests: no state left from one test to the next)."""
    global _folder
    _folder = folding.Folder()


def flush_reports(timeout: float = 5.0) -> bool:
    """Block until queued reports, and the summaries of folded ones, are delivered (at most ``timeout``
    seconds); True if all were."""
    submit_folded(everything=True)
    return _sender.flush(timeout)


def _flush_at_exit() -> None:
    submit_folded(everything=True)
    if _sender.queue.unfinished_tasks and not _sender.flush(EXIT_FLUSH_SECONDS):
        log.error("exiting with %d crash report(s) not delivered after %ss",
                  _sender.queue.unfinished_tasks, EXIT_FLUSH_SECONDS)


def _flush_when_child_exits() -> None:
    # a multiprocessing child (granian's workers) ends with os._exit(), skipping atexit: its finalizers run
    multiprocessing.util.Finalize(None, _flush_at_exit, exitpriority=100)


def _reset_after_fork() -> None:
    global _sender, _folder
    _sender = Sender()
    _folder = folding.Folder()
    _flush_when_child_exits()


atexit.register(_flush_at_exit)
if multiprocessing.parent_process() is not None:  # imported in a spawned child
    _flush_when_child_exits()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)

"""Deliver reports off the request path: one daemon thread drains a bounded queue.

A slow reporter (Slack, e-mail...) never delays a response, and one that raises
is logged and never breaks anything. Reports still queued when the process
exits are delivered first (at most ``EXIT_FLUSH_SECONDS``). After a fork the
child gets its own, empty, queue.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

from pymacaron.crash.redact import format_exception

log = logging.getLogger("pymacaron.crash")

QUEUE_SIZE = 1000
EXIT_FLUSH_SECONDS = 10.0


def deliver(reporter, title, message):
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

    def __init__(self, maxsize=QUEUE_SIZE):
        self.queue = queue.Queue(maxsize=maxsize)
        self.thread = None
        self.lock = threading.Lock()
        self.dropped = 0

    def _run(self):
        while True:
            reporter, title, message = self.queue.get()
            try:
                deliver(reporter, title, message)
            finally:
                self.queue.task_done()

    def _ensure_thread(self):
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                thread = threading.Thread(target=self._run, name="pymacaron-crash-reporter", daemon=True)
                thread.start()  # RuntimeError at interpreter shutdown: the caller sends inline
                self.thread = thread

    def submit(self, reporter, title, message):
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

    def flush(self, timeout=5.0):
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


def submit(reporter, title, message):
    _sender.submit(reporter, title, message)


def flush_reports(timeout=5.0):
    """Block until queued reports are delivered (at most ``timeout`` seconds); True if all were."""
    return _sender.flush(timeout)


def _flush_at_exit():
    if _sender.queue.unfinished_tasks and not _sender.flush(EXIT_FLUSH_SECONDS):
        log.error("exiting with %d crash report(s) not delivered after %ss",
                  _sender.queue.unfinished_tasks, EXIT_FLUSH_SECONDS)


def _reset_after_fork():
    global _sender
    _sender = Sender()


atexit.register(_flush_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)

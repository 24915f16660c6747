"""pymacaron.crash.sender: background delivery, bounded queue, bounded flush, fork safety."""

import logging
import os
import sys
import threading

import pytest
from crash_testing import WAIT

from pymacaron.crash.sender import Sender


def test_reports_are_delivered_in_order_off_the_calling_thread():
    sender, seen = Sender(), []
    caller = threading.current_thread()
    for n in range(5):
        sender.submit(lambda t, m: seen.append((t, m, threading.current_thread() is caller)), f"t{n}", "{}")
    assert sender.flush(WAIT)
    assert seen == [(f"t{n}", "{}", False) for n in range(5)]


def test_a_full_queue_drops_reports_and_says_so(caplog):
    release = threading.Event()
    sender = Sender(maxsize=1)
    blocked = threading.Event()

    def reporter(title, message):
        blocked.set()
        release.wait(WAIT)

    sender.submit(reporter, "taken by the thread", "{}")
    assert blocked.wait(WAIT)
    with caplog.at_level(logging.ERROR, logger="pymacaron.crash"):
        sender.submit(reporter, "queued", "{}")
        sender.submit(reporter, "dropped", "{}")
    assert sender.dropped == 1 and "dropped report 'dropped'" in caplog.text
    assert not sender.flush(0.05)  # still blocked: flush gives up after its timeout
    release.set()
    assert sender.flush(WAIT)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_a_forked_child_sends_its_own_reports(tmp_path):
    from pymacaron.crash import flush_reports, report_error, set_error_reporter

    out = tmp_path / "child.txt"
    set_error_reporter(lambda title, message: out.write_text(title))
    report_error("in the parent")
    assert flush_reports(WAIT)
    pid = os.fork()
    if pid == 0:  # child: the parent's sender thread does not exist here
        try:
            report_error("in the child")
            os._exit(0 if flush_reports(WAIT) else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert out.read_text().endswith("in the child")

"""pymacaron.crash.folding: identical reports within a window are sent once, then counted."""

import logging
import traceback

from crash_testing import ERRORS_HANDLERS, ERRORS_SPEC, http_service, reports  # noqa: F401

from pymacaron.crash.folding import BURST, Folder, fold_key

FOLD_CONFIG = "name: testsvc\nlive_host: testsvc.example.com\ncrash_report_fold_seconds: {}\n"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _trace(text="user-123", line_offset=0):
    try:
        if line_offset:
            raise KeyError(text)
        raise KeyError(text)
    except KeyError as e:
        return traceback.TracebackException(type(e), e, e.__traceback__)


def test_same_exception_at_the_same_place_is_one_key_whatever_its_numbers():
    first, again = _trace("user-123"), _trace("user-9")
    uuid_a, uuid_b = _trace("3f2a9c1e-1b2c-4d5e-8f90-123456789abc"), _trace("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")
    assert fold_key("a(): 'user-123'", {"trace": first}, True) == fold_key("a(): 'user-9'", {"trace": again}, True)
    assert fold_key("a()", {"trace": uuid_a}, True) == fold_key("a()", {"trace": uuid_b}, True)
    assert fold_key("a()", {"trace": first}, True) != fold_key("a()", {"trace": _trace("other")}, True)  # message
    assert fold_key("a()", {"trace": first}, True) != fold_key("a()", {"trace": _trace(line_offset=1)}, True)  # line
    assert fold_key("a()", {"trace": first}, True) != fold_key("a()", {"trace": first}, False)
    # without an exception: the title, numbers left out (durations, ids)
    assert fold_key("f() took 1203 ms", {}, False) == fold_key("f() took 98 ms", {}, False)
    assert fold_key("f() took 1203 ms", {}, False) != fold_key("g() took 1203 ms", {}, False)


def test_a_window_sends_the_first_reports_then_a_summary_of_the_rest():
    clock, reporter = Clock(), object()
    folder = Folder(clock)
    key = ("k",)
    assert folder.admit(key, reporter, 60, "id-0", burst=2) is True
    folder.titled(key, "FATAL BACKEND ERROR x")
    assert folder.admit(key, reporter, 60, "id-0b", burst=2) is True  # the burst: a second one is sent
    assert [folder.admit(key, reporter, 60, f"id-{n}", burst=2) for n in range(1, 4)] == [False] * 3
    clock.now += 30
    assert folder.due(60) == []  # the window is still open
    clock.now += 31
    [(who, title, data)] = folder.due(60)
    assert who is reporter and title.startswith("FATAL BACKEND ERROR x [folded: 3 more identical report(s)")
    assert data["folded_count"] == 3 and data["folded_error_ids"] == ["id-1", "id-2", "id-3"]
    assert folder.admit(key, reporter, 60) is True  # a new window
    assert folder.admit(("k",), reporter, 0) is True and folder.admit(("k",), reporter, 0) is True  # 0: off


def test_a_flood_of_identical_500s_sends_the_first_reports_and_one_summary(http_service, reports, caplog):
    """BURST reports + 1 summary for 40 identical 500s; the log gets a line per report sent, not per error."""
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, config=FOLD_CONFIG.format(60))
    with caplog.at_level(logging.DEBUG, logger="pymacaron"):
        ids = [live.get("/raise/any").json()["error_id"] for _ in range(40)]
        other = live.get("/raise/fatal")  # another error: not folded
        received = reports.settled()  # flushing sends the summaries of open windows
    assert other.status_code == 543
    titles = [r.title for r in received]
    assert len(received) == BURST + 2, titles
    first = next(r for r in received if r.data.get("error_id") == ids[0])
    assert [r.data.get("error_id") for r in received if "/raise/any" in r.message and "folded_count" not in r.data] \
        == ids[:BURST]
    summary = next(r for r in received if "folded_count" in r.data)
    assert summary.data["folded_count"] == 40 - BURST and summary.data["folded_error_ids"] == ids[BURST:BURST + 20]
    assert summary.title.startswith(first.title + f" [folded: {40 - BURST} more identical report(s) within")
    caught = [r for r in caplog.records if r.getMessage().startswith("Caught error")]
    assert len(caught) == BURST + 1  # the first /raise/any ones and /raise/fatal


def test_folding_can_be_turned_off(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, config=FOLD_CONFIG.format(0))
    for _ in range(5):
        live.get("/raise/any")
    received = reports.settled()
    assert len(received) == 5 and not any("folded_count" in r.data for r in received)

"""pymacaron.crash.reporting: report_error, report content and titles, the on/off gate, delivery."""

import logging
import subprocess
import sys
import textwrap
import threading

import pytest
from crash_testing import WAIT, Reports, http_service, reports  # noqa: F401

from pymacaron.config import load_config
from pymacaron.crash import (
    flush_reports,
    report_error,
    reporting_enabled,
    set_error_reporter,
    set_synchronous_reporting,
)


def test_report_error_sends_a_non_fatal_report(reports):
    def check_stock():
        return report_error("stock is negative", caught=ValueError("-3 items"))

    title = check_stock()
    report = reports.wait(1)[0]
    assert title == report.title == "NON-FATAL BACKEND ERROR check_stock(): stock is negative"
    assert not report.fatal and report.data["title"] == "stock is negative"
    assert report.data["error_caught"] == "-3 items"
    assert report.data["user"] == {"id": "", "is_auth": 0, "ip": ""}
    assert (report.data["call_id"], report.data["call_path"]) == ("", "")
    assert "endpoint" not in report.data and "server" not in report.data
    assert any("check_stock" in line for line in report.data["stack"])


def test_report_titles_carry_the_service_name(reports):
    load_config(data={"name": "shop", "live_host": "shop.example.com"})
    report_error("with a name")
    report_error("fatal without a response", is_fatal=True)
    titles = [r.title for r in reports.wait(2)]
    assert titles == ["NON-FATAL BACKEND ERROR shop test_report_titles_carry_the_service_name(): with a name",
                      "FATAL BACKEND ERROR shop test_report_titles_carry_the_service_name(): "
                      "fatal without a response"]


def test_a_raised_exception_passed_as_caught_brings_its_trace(reports):
    try:
        {}["missing"]
    except KeyError as e:
        report_error("lookup failed", caught=e)
    data = reports.wait(1)[0].data
    assert data["error_caught"] == "'missing'" and data["trace"][-1] == "KeyError: 'missing'\n"


def test_successive_reports_share_nothing(reports):
    """K9: no mutable default; the caller's data is left as it was."""
    mine = {"order": 12}
    report_error("first", data=mine, caught=RuntimeError("one"))
    report_error("second")
    first, second = (r.data for r in reports.wait(2))
    assert mine == {"order": 12}
    assert (first["title"], first["order"], first["error_caught"]) == ("first", 12, "one")
    assert second["title"] == "second" and "order" not in second and "error_caught" not in second


def test_report_error_inside_a_request_describes_it(http_service, reports):
    live = http_service(include_crash_api=True)
    r = live.get("/crash/reporterror", headers={"User-Agent": "probe/2"})
    assert (r.status_code, r.json()) == (200, {})
    report = reports.wait(1)[0]
    assert report.title == "NON-FATAL BACKEND ERROR testsvc do_crash_report_error(): Testing report_error()"
    assert report.data["error_caught"] == "caught while testing"
    assert report.data["user"]["user_agent"] == "probe/2" and report.data["user"]["ip"] == "127.0.0.1"
    assert report.data["endpoint"]["id"] == "crash GET /crash/reporterror"
    assert report.data["call_path"] == "crash" and len(report.data["call_id"]) == 36


def test_a_slow_reporter_never_delays_the_response(http_service):
    """The response is back while the reporter is still blocked (it waits for the test to release it)."""
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    received = []

    def slow_reporter(title, message):
        entered.set()
        release.wait(WAIT)  # sleeps until released (at most WAIT s)
        received.append(title)
        finished.set()

    set_error_reporter(slow_reporter)
    live = http_service(include_crash_api=True)
    r = live.get("/crash/internalexception")
    assert r.status_code == 500 and r.json()["error"] == "UNHANDLED_SERVER_ERROR"
    assert not finished.is_set()  # the response came back before the reporter finished
    assert entered.wait(WAIT)
    release.set()
    assert finished.wait(WAIT) and received[0].startswith("FATAL BACKEND ERROR testsvc 500")


def test_a_failing_reporter_is_logged_and_changes_nothing(http_service, caplog):
    calls = Reports()

    def failing(title, message):
        calls(title, message)
        raise ConnectionError("slack is down")

    set_error_reporter(failing)
    live = http_service(include_crash_api=True)
    with caplog.at_level(logging.ERROR, logger="pymacaron.crash"):
        first, second = live.get("/crash/internalexception"), live.get("/crash/returnerrorinstance")
        assert flush_reports(WAIT)
    assert (first.status_code, second.status_code) == (500, 543)
    assert first.json()["error"] == "UNHANDLED_SERVER_ERROR" and second.json()["error"] == "FATAL_CUSTOM_ERROR"
    assert len(calls.wait(2)) == 2  # the second report was still delivered
    assert "the error reporter failing failed, report 'FATAL BACKEND ERROR testsvc 500" in caplog.text
    assert "ConnectionError: slack is down" in caplog.text


def test_no_error_reporting_env_turns_reports_off(http_service, reports, monkeypatch, caplog):
    live = http_service(include_crash_api=True)
    monkeypatch.setenv("NO_ERROR_REPORTING", "1")
    assert not reporting_enabled()
    with caplog.at_level(logging.WARNING, logger="pymacaron.crash"):
        assert live.get("/crash/internalexception").status_code == 500
        assert report_error("direct") is None
    assert reports.settled() == []
    assert "Caught error (reporting is off): pymacaron.builtins.do_crash_internal_exception()" in caplog.text
    monkeypatch.setenv("DO_REPORT_ERROR", "1")  # forces reporting on
    live.get("/crash/internalexception")
    assert len(reports.wait(1)) == 1


def test_report_errors_false_in_the_config_turns_reports_off(http_service, reports):
    config = "name: testsvc\nlive_host: testsvc.example.com\nreport_errors: false\n"
    live = http_service(include_crash_api=True, config=config)
    assert live.get("/crash/internalexception").status_code == 500
    assert live.get("/crash/reporterror").status_code == 200
    assert reports.settled() == []


def test_synchronous_reporting_calls_the_reporter_inline(reports):
    set_synchronous_reporting(True)
    try:
        report_error("inline")
        assert [r.title for r in reports.items] == ["NON-FATAL BACKEND ERROR "
                                                    "test_synchronous_reporting_calls_the_reporter_inline(): inline"]
    finally:
        set_synchronous_reporting(False)


def test_the_default_reporter_logs_the_report(caplog):
    with caplog.at_level(logging.ERROR, logger="pymacaron.crash"):
        report_error("logged by default")
        assert flush_reports(WAIT)
    assert "error: NON-FATAL BACKEND ERROR test_the_default_reporter_logs_the_report(): logged by default" \
        in caplog.text
    assert '"title": "logged by default"' in caplog.text


def test_set_error_reporter_refuses_what_it_cannot_call():
    with pytest.raises(TypeError, match=r"must be a function reporter\(title, message\), got 'slack'"):
        set_error_reporter("slack")


def test_reports_queued_at_exit_are_delivered(tmp_path):
    out = tmp_path / "report.txt"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from pymacaron.crash import report_error, set_error_reporter

        def reporter(title, message):
            time.sleep(0.3)  # still busy when the script ends
            with open({str(out)!r}, "w") as f:
                f.write(title)

        set_error_reporter(reporter)
        report_error("sent while exiting")
        print("script done", flush=True)
        """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "script done\n"
    assert out.read_text() == "NON-FATAL BACKEND ERROR <module>(): sent while exiting"

"""pymacaron.builtins: the ping/version endpoints and the crash-test API (P12), over HTTP."""

import pytest
from crash_testing import http_service, reports  # noqa: F401

CRASH_API = [  # route, status, error code (None: no error), reported as
    ("/crash/internalexception", 500, "UNHANDLED_SERVER_ERROR",
     "FATAL BACKEND ERROR testsvc 500 UNHANDLED_SERVER_ERROR: "
     "pymacaron.builtins.do_crash_internal_exception(): Raising an internal exception"),
    ("/crash/pymacaronexception", 401, "NON_FATAL_CUSTOM_ERROR", None),
    ("/crash/reporterror", 200, None,
     "NON-FATAL BACKEND ERROR testsvc do_crash_report_error(): Testing report_error()"),
    ("/crash/slowcall?ms=0", 200, None, None),
    ("/crash/returnerrorinstance", 543, "FATAL_CUSTOM_ERROR",
     "FATAL BACKEND ERROR testsvc 543 FATAL_CUSTOM_ERROR: "
     "pymacaron.builtins.do_crash_return_error_instance(): Returning a fatal custom error instance"),
    ("/crash/returnfatalerrorresponse", 543, "FATAL_CUSTOM_ERROR",
     "FATAL BACKEND ERROR testsvc 543 FATAL_CUSTOM_ERROR: "
     "pymacaron.builtins.do_crash_return_fatal_error_response(): Returning a fatal custom error response"),
    ("/crash/returnnonfatalerrorresponse", 401, "NON_FATAL_CUSTOM_ERROR", None),
    ("/crash/returnerrormodel", 543, "ANOTHER_CUSTOM_ERROR",
     "FATAL BACKEND ERROR testsvc 543 ANOTHER_CUSTOM_ERROR: "
     "pymacaron.builtins.do_crash_return_error_model(): Testing error model"),
]


@pytest.mark.parametrize("route, status, code, title", CRASH_API, ids=[c[0] for c in CRASH_API])
def test_crash_api(http_service, reports, route, status, code, title):
    live = http_service(include_crash_api=True)
    r = live.get(route)
    assert r.status_code == status
    if code is None:
        assert r.json() == {}
    else:
        body = r.json()
        assert (body["status"], body["error"]) == (status, code) and body["error_id"]
    received = reports.settled()
    assert [rep.title for rep in received] == ([title] if title else [])
    if title and title.startswith("FATAL"):
        assert received[0].data["error_id"] == r.json()["error_id"]


def test_error_model_route_keeps_the_model_description(http_service):
    body = http_service(include_crash_api=True).get("/crash/returnerrormodel").json()
    assert body["error_description"] == "Testing error model"


def test_slowcall_is_reported_when_slower_than_the_limit(http_service, reports):
    from pymacaron.config import get_config

    live = http_service(include_crash_api=True)
    get_config().report_call_exceeding_ms = 20
    assert live.get("/crash/slowcall?ms=50").json() == {}
    assert live.get("/crash/slowcall?ms=-1").status_code == 400
    report = reports.wait(1)[0]
    assert report.title.startswith("NON-FATAL BACKEND ERROR testsvc do_crash_slow_call(): "
                                   "pymacaron.builtins.do_crash_slow_call() calltime exceeded 20 millisec!")


def test_the_crash_api_is_served_only_on_request(http_service):
    assert http_service().get("/crash/internalexception").status_code == 404


def test_ping_calls_the_ping_hooks(http_service):
    calls = []
    live = http_service(api_kwargs={"ping_hook": lambda: calls.append("pinged")})
    assert [live.get("/ping").json() for _ in range(2)] == [{}, {}]
    assert calls == ["pinged", "pinged"]


def test_version(http_service, monkeypatch):
    monkeypatch.setenv("PYM_ENV", "staging")
    assert http_service().get("/version").json() == {"name": "testsvc", "version": "1.0.0", "container": "local",
                                                     "pym_env": "staging"}

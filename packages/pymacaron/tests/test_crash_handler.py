"""pymacaron.crash.handler: every endpoint error becomes Error JSON; >= 500 and slow calls are reported."""

import logging
import textwrap

import pytest
from crash_testing import ERRORS_HANDLERS, ERRORS_SPEC, LiveServer, http_service, reports  # noqa: F401
from flask import Flask

from pymacaron.auth import generate_token
from pymacaron.config import get_config
from pymacaron.crash import crash_handler, report_slow
from pymacaron.exceptions import GENERIC_500_DESCRIPTION

SLOW_SPEC = """\
swagger: '2.0'
info: {title: testsvc, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /slow:
    get:
      x-bind-server: HANDLERS.do_slow
      parameters:
        - {in: query, name: ms, type: integer}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
"""

SLOW_HANDLERS = """\
import time

from pymacaron.crash import report_slow
from pymacaron.models import Ok


@report_slow(max_ms=250)  # far above an instant call on a busy machine, far below the slow call
def do_slow(ms=0):
    time.sleep(ms / 1000)
    return Ok()
"""


def handlers_of(live):
    return live.app.pym_handlers.__name__


EVERY_WAY_TO_FAIL = [  # P18: path, HTTP status, error code, error_description
    ("/raise/custom", 401, "INVALID_USER", "user 42 is unknown"),  # raise a PyMacaronException subclass
    ("/raise/fatal", 543, "SHOP_CLOSED", "the shop is closed"),
    ("/raise/any", 500, "UNHANDLED_SERVER_ERROR", GENERIC_500_DESCRIPTION),  # raise any exception: text kept internal
    ("/return/exception", 543, "SHOP_CLOSED", "returned, not raised"),  # return an exception instance
    ("/return/reply", 543, "SHOP_CLOSED", "an http_reply"),  # return exc.http_reply()
    ("/return/model", 543, "ANOTHER_CUSTOM_ERROR", "an Error model"),  # return an Error model
]


def test_every_way_to_fail_gives_the_error_json(http_service):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    for path, status, code, description in EVERY_WAY_TO_FAIL:
        first, second = live.get(path), live.get(path)
        body = first.json()
        assert first.status_code == status == body["status"], path
        assert first.headers["Content-Type"] == "application/json", path
        assert (body["error"], body["error_description"]) == (code, description), path
        assert len(body["error_id"]) == 36 and body["error_id"] != second.json()["error_id"], path


def test_every_fatal_way_is_reported_with_the_error_id_of_the_response(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    handlers = handlers_of(live)
    ids = {}
    for path, status, code, description in EVERY_WAY_TO_FAIL:
        ids[live.get(path).json()["error_id"]] = (path, status, code, description)
    fatal = [(path, status, code, description) for path, status, code, description in EVERY_WAY_TO_FAIL
             if status >= 500]
    received = reports.wait(len(fatal))
    assert len(reports.settled()) == len(fatal)
    for report in received:
        path, status, code, description = ids[report.data["error_id"]]
        func = {"/raise/fatal": "do_raise_fatal", "/raise/any": "do_raise_any", "/return/exception":
                "do_return_exception", "/return/reply": "do_return_reply", "/return/model": "do_return_model"}[path]
        detail = "something broke" if path == "/raise/any" else description  # the report has the real text
        assert report.title == f"FATAL BACKEND ERROR testsvc {status} {code}: {handlers}.{func}(): {detail}"
        assert ("trace" in report.data) == path.startswith("/raise/")


def test_a_non_error_json_with_status_534_passes_through(http_service, reports):
    """K10: a pass-through response without error keys must not break the handler."""
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    r = live.get("/passthrough")
    assert (r.status_code, r.json()) == (534, {"foo": 1})
    report = reports.wait(1)[0]
    assert report.title == f"FATAL BACKEND ERROR testsvc 534: {handlers_of(live)}.do_passthrough(): "
    assert report.data["response"]["status"] == "534" and report.data["error_id"] == ""


def decorate(error):
    error["user_message"] = f"decorated {error['status']} {error['error']}"
    return error


def test_error_decorator_rewrites_every_error_body(http_service, reports):
    config = "name: testsvc\nlive_host: testsvc.example.com\nmax_body_size: 200\n"
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, config=config,
                        api_kwargs={"error_decorator": decorate})
    answers = [live.get("/items/abc"), live.get("/me/crash"), live.get("/nowhere"), live.post("/ok"),
               live.post("/login", json={"user": "x" * 300, "password": "p"}), live.get("/raise/any")]
    assert [(r.status_code, r.json()["user_message"]) for r in answers] == [
        (400, "decorated 400 INVALID_PARAMETER"),
        (401, "decorated 401 AUTHORIZATION_HEADER_MISSING"),
        (404, "decorated 404 NOT_FOUND"),
        (405, "decorated 405 METHOD_NOT_ALLOWED"),
        (413, "decorated 413 REQUEST_TOO_LARGE"),
        (500, "decorated 500 UNHANDLED_SERVER_ERROR")]
    assert all(r.json()["error_id"] for r in answers)
    assert reports.wait(1)[0].data["response"]["user_message"] == "decorated 500 UNHANDLED_SERVER_ERROR"


@pytest.mark.parametrize("decorator", [
    pytest.param(lambda error: error["no such key"], id="raises"),
    pytest.param(lambda error: error.clear() or 1 / 0, id="mutates-then-raises"),
    pytest.param(lambda error: None, id="returns-None"),
    pytest.param(lambda error: {"status": 500, "x": object()}, id="returns-non-json"),
])
def test_a_broken_error_decorator_never_breaks_the_response(http_service, caplog, decorator):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, api_kwargs={"error_decorator": decorator})
    with caplog.at_level(logging.ERROR, logger="pymacaron.crash"):
        for path, status in (("/raise/custom", 401), ("/raise/any", 500), ("/nowhere", 404)):
            r = live.get(path)
            assert r.status_code == status == r.json()["status"] and r.json()["error_id"]
            assert "user_message" not in r.json() or path == "/raise/custom"
    assert "the error_decorator" in caplog.text and "sent undecorated" in caplog.text


def test_fatal_report_describes_the_failure(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    r = live.get("/raise/any", headers={"User-Agent": "tester/1.0", "X-Forwarded-For": "203.0.113.9",
                                        "PymCallerID": "call-123", "PymCallerPath": "front"})
    report = reports.wait(1)[0]
    data = report.data
    assert report.title == (f"FATAL BACKEND ERROR testsvc 500 UNHANDLED_SERVER_ERROR: "
                            f"{handlers_of(live)}.do_raise_any(): something broke")
    assert report.fatal and data["title"] == f"{handlers_of(live)}.do_raise_any(): something broke"
    assert data["error_id"] == r.json()["error_id"]
    assert data["trace"][-1] == "ValueError: something broke\n"
    assert any("do_raise_any" in line for line in data["trace"])
    assert set(data["time"]) == {"start", "end", "microsecs"} and data["time"]["start"] <= data["time"]["end"]
    assert data["response"] == {"type": "Response", "status": "500", "is_error": 1,
                                "error_code": "UNHANDLED_SERVER_ERROR", "error_description": GENERIC_500_DESCRIPTION,
                                "user_message": ""}
    assert data["request"] == {"params": "[[], {}]"}
    assert (data["call_id"], data["call_path"]) == ("call-123", "front.testsvc")
    assert data["user"] == {"id": "", "is_auth": 0, "ip": "127.0.0.1", "forwarded_ip": "203.0.113.9",
                            "user_agent": "tester/1.0"}
    port = live.url.rsplit(":", 1)[1]
    assert data["server"] == {"fqdn": data["server"]["fqdn"], "port": port, "api_name": "testsvc",
                              "api_version": "1.0.0"}
    assert data["endpoint"] == {"id": "testsvc GET /raise/any", "url": f"{live.url}/raise/any",
                                "base_url": f"{live.url}/raise/any", "path": "/raise/any", "method": "GET",
                                "data": ""}
    assert isinstance(data["stack"], list)


def test_fatal_report_names_the_authenticated_user(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    token = generate_token("user-7", data={"name": "Ann", "email": "ann@example.com", "is_admin": True,
                                           "language": "fr", "unrelated": "not copied"})
    assert live.get("/me/crash", headers={"Authorization": f"Bearer {token}"}).status_code == 500
    user = reports.wait(1)[0].data["user"]
    assert user == {"id": "user-7", "is_auth": 1, "ip": "127.0.0.1", "user_agent": user["user_agent"],
                    "name": "Ann", "email": "ann@example.com", "is_admin": True, "language": "fr"}


def test_errors_below_500_are_not_reported(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    statuses = [live.get(p).status_code for p in ("/raise/custom", "/items/x", "/nowhere", "/me/crash", "/ok")]
    assert statuses == [401, 400, 404, 401, 200]
    assert reports.settled() == []


def test_a_slow_call_sends_a_non_fatal_report_above_1000_ms_by_default(http_service, reports):
    live = http_service(include_crash_api=True)
    assert get_config().report_call_exceeding_ms == 1000
    assert live.get("/crash/slowcall?ms=0").status_code == 200
    assert reports.settled() == []
    assert live.get("/crash/slowcall?ms=1100").json() == {}
    report = reports.wait(1)[0]
    assert report.title.startswith("NON-FATAL BACKEND ERROR testsvc do_crash_slow_call(): "
                                   "pymacaron.builtins.do_crash_slow_call() calltime exceeded 1000 millisec! (took ")
    assert not report.fatal and report.data["response"]["status"] == "200"
    assert report.data["time"]["microsecs"] >= 1_100_000


def test_the_slow_call_limit_changes_at_runtime(http_service, reports):
    live = http_service(include_crash_api=True)
    get_config().report_call_exceeding_ms = 30
    live.get("/crash/slowcall?ms=60")
    assert "calltime exceeded 30 millisec!" in reports.wait(1)[0].title
    get_config().report_call_exceeding_ms = 5000
    live.get("/crash/slowcall?ms=60")
    assert len(reports.settled()) == 1


def test_report_slow_sets_an_endpoint_own_limit(http_service, reports):
    live = http_service(spec=SLOW_SPEC, handlers=SLOW_HANDLERS)
    get_config().report_call_exceeding_ms = 10_000
    live.get("/slow?ms=0")
    assert reports.settled() == []
    live.get("/slow?ms=300")
    titles = [r.title for r in reports.settled()]
    assert len(titles) == 1 and titles[0].startswith(
        f"NON-FATAL BACKEND ERROR testsvc do_slow(): {handlers_of(live)}.do_slow() calltime exceeded 250 millisec!")


def test_report_slow_on_any_function(reports):
    import time

    # a limit far above what an instant call takes on a busy machine (parallel test runs), far below the slow call
    @report_slow(max_ms=250)
    def crunch(ms):
        time.sleep(ms / 1000)
        return ms

    @report_slow
    def bare():
        return "fast"

    assert (crunch(0), bare()) == (0, "fast")
    assert reports.settled() == []
    assert crunch(300) == 300
    report = reports.wait(1)[0]
    assert report.title.startswith("NON-FATAL BACKEND ERROR crunch(): ")
    assert ".crunch() calltime exceeded 250 millisec!" in report.title
    with pytest.raises(ValueError, match="max_ms=...\\) takes a number of milliseconds >= 0, got '10'"):
        report_slow(max_ms="10")


def test_crash_handler_on_a_plain_flask_view(reports):
    app = Flask("plain")

    @app.route("/plain")
    @crash_handler
    def plain():
        raise RuntimeError("plain failure")

    live = LiveServer(app).start()
    try:
        r = live.get("/plain")
    finally:
        live.stop()
    assert r.status_code == 500 and r.json()["error"] == "UNHANDLED_SERVER_ERROR"
    report = reports.wait(1)[0]
    assert report.title == ("FATAL BACKEND ERROR 500 UNHANDLED_SERVER_ERROR: "
                            f"{__name__}.test_crash_handler_on_a_plain_flask_view.<locals>.plain(): plain failure")
    assert report.data["error_id"] == r.json()["error_id"]


def test_error_bodies_of_other_types_are_left_alone(http_service, reports):
    handlers = ERRORS_HANDLERS + textwrap.dedent("""
        from flask import Response

        def do_passthrough():
            return Response("<h1>down</h1>", status=503, mimetype="text/html")
        """)
    live = http_service(spec=ERRORS_SPEC, handlers=handlers)
    r = live.get("/passthrough")
    assert (r.status_code, r.text) == (503, "<h1>down</h1>")
    assert reports.wait(1)[0].title.startswith("FATAL BACKEND ERROR testsvc 503: ")

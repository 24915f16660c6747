"""A service written as the tutorial shows starts and answers."""

from pymacaron.crash import flush_reports, set_error_reporter


def test_tutorial_service_answers(service):
    app = service()
    c = app.test_client()
    assert c.get("/hello?name=ann").json == {"message": "hello ann"}
    assert c.get("/ping").json == {}
    assert c.get("/version").json == {"name": "testsvc", "version": "1.0.0", "container": "local", "pym_env": ""}
    r = c.get("/hello/auth")
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING" and r.json["error_id"]


def test_crash_is_reported(service):
    reports = []
    set_error_reporter(lambda title, message: reports.append(title))
    app = service(include_crash_api=True)
    r = app.test_client().get("/crash/internalexception")
    assert r.status_code == 500 and r.json["error"] == "UNHANDLED_SERVER_ERROR"
    flush_reports()
    assert reports == ["FATAL BACKEND ERROR testsvc 500 UNHANDLED_SERVER_ERROR: "
                       "pymacaron.builtins.do_crash_internal_exception(): Raising an internal exception"]

"""server.py: the app it builds and its error reporter."""

import logging


def test_the_app_serves_helloworld_and_the_builtin_endpoints(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for path in ("/hello", "/hello/with/auth", "/hello/with/inheritance", "/die", "/ping", "/version"):
        assert path in rules


def test_version_names_the_service(client):
    r = client.get("/version")
    assert r.status_code == 200
    assert r.get_json()["name"] == "helloworld"
    assert r.get_json()["version"] == "1.0.0"


def test_a_crash_reaches_the_error_reporter(client, caplog):
    from pymacaron.crash import flush_reports

    with caplog.at_level(logging.ERROR, logger="server"):
        error_id = client.get("/die").get_json()["error_id"]
        assert flush_reports(timeout=10), "the crash report was not sent within 10 s"
    titles = [r.getMessage() for r in caplog.records if r.getMessage().startswith("CRASH REPORT:")]
    assert titles, "the error reporter logged nothing"
    assert "FATAL BACKEND ERROR helloworld 500 UNHANDLED_SERVER_ERROR" in titles[-1]
    assert error_id in caplog.text

"""pymacaron.http: 404/405/413 and crashes outside generated routes answer Error JSON; CORS."""

import re

import pytest
import yaml
from crash_testing import ERRORS_HANDLERS, ERRORS_SPEC, http_service, reports  # noqa: F401
from flask import abort, request

from pymacaron.config import ConfigError, load_config
from pymacaron.exceptions import GENERIC_500_DESCRIPTION
from pymacaron.http import max_body_size

SMALL_BODIES = "name: testsvc\nlive_host: testsvc.example.com\nmax_body_size: 100\n"


def error_of(r):
    body = r.json()
    assert r.headers["Content-Type"] == "application/json" and body["status"] == r.status_code
    assert len(body.pop("error_id")) == 36
    return body


def test_unknown_route_is_a_json_404(http_service, reports):
    r = http_service().get("/no/such/route")
    assert r.status_code == 404
    assert error_of(r) == {"status": 404, "error": "NOT_FOUND", "error_description": "No route for GET /no/such/route"}
    assert reports.settled() == []


def test_wrong_method_is_a_json_405_with_allow(http_service):
    r = http_service().request("DELETE", "/ping")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert error_of(r) == {"status": 405, "error": "METHOD_NOT_ALLOWED",
                           "error_description": "Method not allowed: DELETE /ping (allowed: GET, HEAD, OPTIONS)"}


def test_a_body_over_max_body_size_is_a_json_413(http_service, reports):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, config=SMALL_BODIES)
    r = live.post("/login", json={"user": "u" * 200, "password": "p"})
    assert r.status_code == 413
    assert error_of(r)["error"] == "REQUEST_TOO_LARGE"
    assert live.post("/login", json={"user": "u", "password": "p"}).status_code == 500  # small: handled
    assert len(reports.settled()) == 1


def test_a_plain_flask_view_reading_a_large_body_gets_a_json_413(service):
    app = service(config=SMALL_BODIES)

    @app.route("/upload", methods=["POST"])
    def upload():
        return {"size": len(request.get_data())}

    from crash_testing import LiveServer

    live = LiveServer(app).start()
    try:
        small, large = live.post("/upload", data=b"x" * 10), live.post("/upload", data=b"x" * 1000)
    finally:
        live.stop()
    assert small.json() == {"size": 10}
    assert large.status_code == 413 and error_of(large) == {
        "status": 413, "error": "REQUEST_TOO_LARGE",
        "error_description": "The request body is larger than 100 bytes (max_body_size in pym-config)"}


def test_max_body_size_is_checked():
    assert max_body_size(load_config(data={})) == 10 * 1024 * 1024
    assert max_body_size(load_config(data={"max_body_size": 0})) is None
    assert max_body_size(load_config(data={"max_body_size": 512})) == 512
    with pytest.raises(ConfigError, match=r"max_body_size must be a number of bytes \(e.g. max_body_size: 1048576\), "
                                          r"or 0 for no limit; got '10MB'"):
        max_body_size(load_config(data={"max_body_size": "10MB"}))


def test_errors_outside_generated_routes_are_json_and_reported(http_service, reports):
    def add_routes(app):
        @app.route("/plain/crash")
        def plain_crash():
            raise LookupError("plain view failed")

        @app.route("/plain/forbidden")
        def plain_forbidden():
            abort(403)

        @app.route("/plain/unavailable")
        def plain_unavailable():
            abort(503, description="try later")

    live = http_service()
    add_routes(live.app)
    crash, forbidden, unavailable = (live.get(f"/plain/{p}") for p in ("crash", "forbidden", "unavailable"))
    assert crash.status_code == 500 and error_of(crash)["error"] == "UNHANDLED_SERVER_ERROR"
    assert crash.json()["error_description"] == GENERIC_500_DESCRIPTION  # the text is for the report only
    assert forbidden.status_code == 403 and error_of(forbidden)["error"] == "FORBIDDEN"
    assert unavailable.status_code == 503 and error_of(unavailable) == {
        "status": 503, "error": "SERVICE_UNAVAILABLE", "error_description": "try later"}
    received = reports.wait(2)
    assert len(reports.settled()) == 2
    by_id = {r.data["error_id"]: r for r in received}
    report = by_id[crash.json()["error_id"]]
    assert report.title == ("FATAL BACKEND ERROR testsvc 500 UNHANDLED_SERVER_ERROR: "
                            f"{__name__}.test_errors_outside_generated_routes_are_json_and_reported.<locals>."
                            "add_routes.<locals>.plain_crash(): plain view failed")
    assert report.data["trace"][-1] == "LookupError: plain view failed\n"
    assert by_id[unavailable.json()["error_id"]].title.startswith("FATAL BACKEND ERROR testsvc 503 SERVICE_UNAVAILABLE")


def test_cors_allows_any_origin_without_credentials_by_default(http_service):
    """Unset cors_origins: '*' itself, never the caller's Origin echoed back, never credentials."""
    live = http_service()
    for origin in ("https://app.example.com", "https://evil.example.com"):
        r = live.get("/ping", headers={"Origin": origin})
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in r.headers
    preflight = live.request("OPTIONS", "/ping", headers={"Origin": "https://evil.example.com",
                                               "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers


@pytest.mark.parametrize("credentials", [False, True])
def test_cors_origins_is_an_allowlist_with_credentials_only_when_configured(http_service, credentials):
    config = ("name: testsvc\nlive_host: testsvc.example.com\ncors_origins: [https://app.example.com]\n"
              + ("cors_credentials: true\n" if credentials else ""))
    live = http_service(config=config)
    allowed = live.get("/ping", headers={"Origin": "https://app.example.com"})
    other = live.get("/ping", headers={"Origin": "https://evil.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert ("Access-Control-Allow-Credentials" in allowed.headers) is credentials
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Credentials" not in other.headers


@pytest.mark.parametrize("values, message", [
    ("cors_origins: ['*']\ncors_credentials: true\n", "cors_credentials: true needs cors_origins to list"),
    ("cors_origins: ['https://*.example.com']\n", "'https://*.example.com' is not an origin"),
    ("cors_origins: [https://app.example.com/path]\n", "is not an origin"),
    ("cors_origins: [app.example.com]\n", "'app.example.com' is not an origin"),
    ("cors_credentials: yes-please\n", "cors_credentials must be true or false"),
])
def test_cors_settings_are_checked_at_start_up(values, message):
    from pymacaron.http import cors_policy

    with pytest.raises(ConfigError, match=re.escape(message)):
        cors_policy(load_config(data=yaml.safe_load(values)))

"""pymacaron.crash.redact: secrets never leave the process in reports or pymacaron's log lines."""

import logging

import pytest
from crash_testing import ERRORS_HANDLERS, ERRORS_SPEC, http_service, reports  # noqa: F401
from pym_testing import JWT_SECRET

from pymacaron.auth import generate_token
from pymacaron.config import load_config
from pymacaron.crash.redact import (
    MASK,
    format_exception,
    is_secret_key,
    mask_config_secrets,
    redact,
    redact_text,
)


@pytest.mark.parametrize("text, expected", [
    ("password=hunter2&next=1", "password=****&next=1"),
    ("{'password': 'two words', 'user': 'bob'}", "{'password': '****', 'user': 'bob'}"),
    ('{"api_key": "k-123", "n": 1}', '{"api_key": "****", "n": 1}'),
    ("Login(user='bob', db_password='p w')", "Login(user='bob', db_password='****')"),
    ("DB_SECRET=abc", "DB_SECRET=****"),
    ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ****"),
    ("auth was Basic dXNlcjpwYXNz", "auth was Basic ****"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig end", "jwt **** end"),
    ("FATAL BACKEND ERROR svc 500 INVALID_TOKEN: f(): token is expired",
     "FATAL BACKEND ERROR svc 500 INVALID_TOKEN: f(): token is expired"),
    ("nothing secret here", "nothing secret here"),
])
def test_redact_text_masks_credential_shapes(text, expected):
    assert redact_text(text, secrets=[]) == expected


def test_redact_text_masks_known_values_longest_first():
    assert redact_text("a s3cret-long and s3cret", secrets=["s3cret-long", "s3cret"]) == "a **** and ****"


def test_redact_masks_secret_keys_at_any_depth_and_leaves_the_input_alone():
    data = {"user": "bob", "Password": "pw1", "nested": [{"client_secret": "x", "ok": "fine"}],
            "token": "", "note": "uses value-1234"}
    assert redact(data, secrets=["value-1234"]) == {
        "user": "bob", "Password": MASK, "nested": [{"client_secret": MASK, "ok": "fine"}], "token": "",
        "note": "uses ****"}
    assert data["Password"] == "pw1"


def test_is_secret_key():
    assert all(is_secret_key(k) for k in ("password", "passwd", "api-key", "Authorization", "jwt_secret",
                                          "refresh_token", "Cookie", "private_key", "credentials"))
    assert not any(is_secret_key(k) for k in ("user", "email", "name", "status", "error_description"))


def test_config_secrets_are_masked_everywhere(monkeypatch):
    monkeypatch.setenv("SHOP_DB_PASS", "db-pass-123456")
    load_config(data={"name": "shop", "db_url": "SHOP_DB_PASS", "env_secrets": ["SHOP_DB_PASS"]})
    assert redact_text("connect failed: db-pass-123456") == "connect failed: ****"
    assert mask_config_secrets("x db-pass-123456 password=visible") == "x **** password=visible"
    try:
        raise RuntimeError("cannot use db-pass-123456")
    except RuntimeError as e:
        text = format_exception(e)
    assert "RuntimeError: cannot use ****" in text and "db-pass-123456" not in text


def test_redaction_never_raises():
    class Weird:
        def __repr__(self):
            raise ValueError("no repr")

    assert redact({"a": Weird()}, secrets=[])["a"].__class__ is Weird
    assert redact_text(None) is None and redact_text("") == ""


def test_no_secret_reaches_a_report_or_a_log_line(http_service, reports, caplog):
    """Authorization, cookies, secret body/query fields and config secrets: masked in reports and logs."""
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    token = generate_token("user-9", data={"name": "Zoe"})
    password, api_secret, cookie, query_token = "hunter2-pass", "body-api-secret-77", "cookie-value-5150", \
        "query-token-4242"
    with caplog.at_level(logging.DEBUG):
        login = live.post(f"/login?access_token={query_token}",
                          json={"user": "bob", "password": password, "api_secret": api_secret},
                          headers={"Authorization": f"Bearer {token}", "Cookie": f"session={cookie}"})
        me = live.get("/me/crash", headers={"Authorization": f"Bearer {token}"})
        received = reports.wait(2)
        reports.settled()
    assert (login.status_code, me.status_code) == (500, 500)
    login_report = next(r for r in received if "do_login" in r.title)
    assert login_report.title.endswith(f"do_login(): login failed for bob with {MASK} ({MASK})")
    assert login_report.data["endpoint"]["data"] == \
        '{"user": "bob", "password": "****", "api_secret": "****"}'
    me_report = next(r for r in received if r is not login_report)
    assert me_report.data["user"]["name"] == "Zoe" and me_report.data["user"]["is_auth"] == 1
    shipped = "\n".join(r.title + r.message for r in received)
    # pymacaron's own lines (the client's and werkzeug's access logs show the URL the test chose to send)
    logged = "\n".join(caplog.handler.format(r) for r in caplog.records if r.name.startswith("pymacaron"))
    for secret in (password, api_secret, cookie, query_token, token, JWT_SECRET):
        assert secret not in shipped, secret
        assert secret not in logged, secret
    assert "Caught error: FATAL BACKEND ERROR testsvc 500" in logged  # the logs were captured


def test_the_default_reporter_logs_no_secret(http_service, caplog):
    from pymacaron.crash import flush_reports

    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    with caplog.at_level(logging.DEBUG):
        r = live.post("/login?token=query-token-4242", json={"user": "bob", "password": "hunter2-pass"},
                      headers={"Authorization": "Basic Ym9iOmh1bnRlcjI=", "Cookie": "sid=cookie-value-5150"})
        assert flush_reports(10)
    assert r.status_code == 500
    logged = "\n".join(caplog.handler.format(r) for r in caplog.records if r.name.startswith("pymacaron"))
    assert "details:" in logged and '\\"password\\": \\"****\\"' in logged  # the body, as JSON in JSON
    for secret in ("query-token-4242", "hunter2-pass", "Ym9iOmh1bnRlcjI=", "cookie-value-5150", JWT_SECRET):
        assert secret not in logged, secret


def test_when_the_config_secrets_cannot_be_listed_texts_are_masked_more(monkeypatch):
    """Redaction fails closed: a secret value that could not be listed is masked anyway, with every other word."""
    monkeypatch.setenv("SHOP_DB_PASS", "db-pass-123456")
    load_config(data={"name": "shop", "db_url": "SHOP_DB_PASS", "env_secrets": ["SHOP_DB_PASS"]})
    assert redact_text("connect failed: db-pass-123456") == "connect failed: ****"
    from pymacaron.config import PyMacaronConfig

    def broken(self):
        raise RuntimeError("the config cannot list its secrets")

    monkeypatch.setattr(PyMacaronConfig, "secret_values", property(broken))
    assert redact_text("FATAL BACKEND ERROR shop 500 UNHANDLED_SERVER_ERROR: connect failed: db-pass-123456") == \
        "FATAL BACKEND ERROR **** 500 UNHANDLED_SERVER_ERROR: **** ****: ****"
    assert mask_config_secrets("cannot use db-pass-123456") == "**** use ****"
    assert redact({"n": 1, "note": "db-pass-123456 at 5"}) == {"n": 1, "note": "**** at 5"}


def test_when_the_request_secrets_cannot_be_listed_the_report_is_masked_more(http_service, reports, monkeypatch):
    from pymacaron.crash import redact as redact_module

    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)

    def unreadable(request):
        raise ValueError("the request cannot be read")

    monkeypatch.setattr(redact_module, "_read_request_secrets", unreadable)
    r = live.post("/login", json={"user": "bob", "password": "hunter2-pass"})
    received = reports.wait(1)
    assert r.status_code == 500
    report = received[0]
    assert "hunter2-pass" not in report.title + report.message
    assert report.title.startswith("FATAL BACKEND ERROR ") and "hunter2" not in report.title
def test_secrets_of_a_body_too_large_to_parse_stay_masked(http_service, reports, caplog):
    """Fail closed: above MAX_BODY_SCAN, secret fields are found by shape, and the body is not copied."""
    from pymacaron.crash.redact import MAX_BODY_SCAN

    from pym_testing import DEFAULT_CONFIG

    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS, config=DEFAULT_CONFIG + "max_body_size: 4194304\n")
    password, header_key = "hunter2-in-a-big-body", "header-api-key-31337"
    body = '{"user": "bob", "padding": "%s", "password": "%s"}' % ("x" * (MAX_BODY_SCAN + 100_000), password)
    with caplog.at_level(logging.DEBUG):
        r = live.post("/login", data=body, headers={"Content-Type": "application/json", "X-Api-Key": header_key})
        [report] = reports.wait(1)
        reports.settled()
    assert r.status_code == 500 and len(body) > MAX_BODY_SCAN
    assert report.title.endswith(f"do_login(): login failed for bob with {MASK} ({MASK})")
    assert report.data["endpoint"]["data"].startswith("[a body of ") and "not shown" in report.data["endpoint"]["data"]
    logged = "\n".join(caplog.handler.format(r) for r in caplog.records if r.name.startswith("pymacaron"))
    for secret in (password, header_key, JWT_SECRET):
        assert secret not in report.title + report.message, secret
        assert secret not in logged, secret

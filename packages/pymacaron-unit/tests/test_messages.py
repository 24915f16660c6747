"""pymacaron_unit._messages: what a failure shows (real responses from the mini server)."""

import requests

from pymacaron_unit import _messages
from pymacaron_unit._messages import describe, failure


def test_describe_shows_request_status_and_body(mini):
    r = requests.post(f"{mini.url}/error/400", json={"q": 1}, headers={"Authorization": "Bearer t0ps3cr3t"},
                      timeout=10)
    text = failure("expected status 200, got 400", r)
    lines = text.splitlines()
    assert lines[0] == "expected status 200, got 400"
    assert lines[1] == f"  request:  POST {mini.url}/error/400  (Authorization: <hidden>)"
    assert lines[2] == '            body: {"q": 1}'
    assert lines[3].startswith("  response: 400 BAD REQUEST  (application/json")
    assert '  "error": "SOME_ERROR",' in text
    assert "t0ps3cr3t" not in text


def test_long_bodies_are_cut(mini, monkeypatch):
    monkeypatch.setattr(_messages, "BODY_LIMIT", 10)
    r = requests.get(f"{mini.url}/notjson", timeout=10)
    assert "this is no\n  ... (6 more characters)" in describe(r)


def test_empty_body(mini):
    r = requests.get(f"{mini.url}/ok", timeout=10)
    assert "{}" in describe(r)

"""A task call's message: function, arguments, and the caller's context (empty outside a request)."""

from pymacaron_async.envelope import VERSION, build_envelope, capture_context, describe


def test_outside_a_request_the_context_is_empty_but_dated():
    ctx = capture_context(delay=3)
    assert {k: ctx[k] for k in ("url", "token", "call_id", "call_path", "delay")} == {
        "url": None, "token": None, "call_id": None, "call_path": None, "delay": 3}
    assert ctx["scheduled_at"] > 0


def test_in_a_request_the_url_and_call_headers_are_captured():
    from flask import Flask

    with Flask("t").test_request_context("/a/b?c=1", headers={"PymCallerID": "id-1", "PymCallerPath": "x.y"}):
        ctx = capture_context()
    assert ctx["url"] == "http://localhost/a/b?c=1"
    assert (ctx["call_id"], ctx["call_path"], ctx["token"]) == ("id-1", "x.y", None)


def test_the_message_and_what_logs_may_show_of_it():
    e = build_envelope("m:f", (1, [2]), {"k": {"v": None}})
    assert e["pym_async"] == VERSION and e["function"] == "m:f"
    assert e["args"] == [1, [2]] and e["kwargs"] == {"k": {"v": None}}
    assert describe(e) == "m:f(...)"

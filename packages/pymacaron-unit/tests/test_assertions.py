"""Every assertion method of SPEC U3, passing and failing, against a real server on 127.0.0.1.

The methods are called on a real ``pymacaron_unit.testcase.PyMacaronTestCase`` bound to the mini
app (``unit_testing.mini_app``); failures must show the request, the status and the body.
"""

import json

import pytest

from pymacaron_unit.testcase import PyMacaronTestCase


@pytest.fixture
def tc(mini):
    class Case(PyMacaronTestCase):
        host = "127.0.0.1"
        port = mini.port

        def test_nothing(self):
            pass

    case = Case("test_nothing")
    case.setUp()
    return case


def failure_of(func, *args, **kwargs):
    with pytest.raises(AssertionError) as e:
        func(*args, **kwargs)
    return str(e.value)


def test_get_return_json(tc, mini, capsys):
    j = tc.assertGetReturnJson("json")
    assert j["method"] == "GET" and j["a"] == 1
    out = capsys.readouterr().out
    assert f"GET http://127.0.0.1:{mini.port}/json -> 200" in out
    assert '"a": 1' in out and out.index('"a"') < out.index('"b"')  # sorted, indented JSON
    msg = failure_of(tc.assertGetReturnJson, "error/500")
    assert msg.startswith("expected status 200, got 500")
    assert f"GET http://127.0.0.1:{mini.port}/error/500" in msg
    assert '"error": "SOME_ERROR"' in msg
    assert tc.assertGetReturnJson("/error/409", status=409)["error"] == "SOME_ERROR"  # leading '/' is fine


def test_get_return_json_not_json(tc):
    msg = failure_of(tc.assertGetReturnJson, "notjson")
    assert "expected a JSON body" in msg and "this is not json" in msg and "text/plain" in msg


def test_delete_return_json(tc):
    assert tc.assertDeleteReturnJson("json")["method"] == "DELETE"
    assert tc.assertDeleteReturnJson("error/404", status=404)["status"] == 404
    msg = failure_of(tc.assertDeleteReturnJson, "error/404")
    assert "DELETE http://" in msg and "expected status 200, got 404" in msg


def test_post_return_json_sends_dicts_as_json(tc):
    j = tc.assertPostReturnJson("json", {"q": "hello?"})
    assert j["method"] == "POST"
    assert j["content_type"] == "application/json"
    assert json.loads(j["body"]) == {"q": "hello?"}
    j = tc.assertPostReturnJson("json", "raw text")
    assert j["body"] == "raw text" and j["content_type"] is None  # a str is sent as is
    msg = failure_of(tc.assertPostReturnJson, "error/400", {"q": "x"})
    assert "POST http://" in msg and 'body: {"q": "x"}' in msg and "got 400" in msg


def test_get_return_dict(tc):
    j = tc.assertGetReturnDict("json", {"a": 1, "b": "x"})
    assert j["method"] == "GET"
    msg = failure_of(tc.assertGetReturnDict, "json", {"a": 2, "missing": True})
    assert "'a' is 1, expected 2" in msg and "'missing' is missing" in msg
    msg = failure_of(tc.assertGetReturnDict, "list", {"a": 1})
    assert "expected a JSON object, got a list" in msg
    failure_of(tc.assertGetReturnDict, "error/500", {"a": 1})


def test_post_return_dict(tc):
    assert tc.assertPostReturnDict("json", {"x": 1}, {"method": "POST", "a": 1})["b"] == "x"
    assert "'method' is 'POST', expected 'GET'" in failure_of(tc.assertPostReturnDict, "json", {}, {"method": "GET"})
    tc.assertPostReturnDict("error/418", {}, {"error": "SOME_ERROR"}, status=418)


def test_get_return_ok(tc):
    assert tc.assertGetReturnOk("ok") == {}
    assert "expected the empty JSON object {}" in failure_of(tc.assertGetReturnOk, "json")
    assert "got 500" in failure_of(tc.assertGetReturnOk, "error/500")


def test_post_return_ok(tc):
    assert tc.assertPostReturnOk("ok", {"a": 1}) == {}
    assert "expected the empty JSON object" in failure_of(tc.assertPostReturnOk, "json", {"a": 1})


def test_get_return_error(tc):
    j = tc.assertGetReturnError("error/401", 401, "SOME_ERROR")
    assert j["error_description"] == "it went wrong"
    msg = failure_of(tc.assertGetReturnError, "error/401", 401, "TOKEN_INVALID")
    assert "'error' is 'SOME_ERROR', expected 'TOKEN_INVALID'" in msg
    msg = failure_of(tc.assertGetReturnError, "json", 404, "NOT_FOUND")
    assert "expected status 404, got 200" in msg
    msg = failure_of(tc.assertGetReturnError, "list", 200, "X")
    assert "expected an Error JSON object" in msg


def test_post_return_error(tc):
    tc.assertPostReturnError("error/400", {"a": 1}, 400, "SOME_ERROR")
    assert "expected status 403, got 400" in failure_of(tc.assertPostReturnError, "error/400", {}, 403, "SOME_ERROR")


def test_call_return_json_any_method_any_case(tc):
    for method in ("get", "POST", "Put", "pAtCh", "delete"):
        assert tc.assertCallReturnJson(method, "json", data={"k": 1})["method"] == method.upper()
    with pytest.raises(ValueError, match="unsupported HTTP method 'HEAD'"):
        tc.assertCallReturnJson("HEAD", "json")


def test_call_return_json_allow_error(tc):
    j = tc.assertCallReturnJson("GET", "error/503", allow_error=True)
    assert j["status"] == 503  # any non-200 status is accepted with allow_error
    assert "expected status 201, got 200" in failure_of(tc.assertCallReturnJson, "GET", "json", status=201,
                                                        allow_error=True)  # a 200 is still checked
    assert "got 503" in failure_of(tc.assertCallReturnJson, "GET", "error/503")


def test_call_return_dict(tc):
    assert tc.assertCallReturnDict("PUT", "json", {"method": "PUT"}, data={"a": 1})["a"] == 1
    assert "'method' is 'PATCH'" in failure_of(tc.assertCallReturnDict, "PATCH", "json", {"method": "PUT"})


def test_call_return_ok(tc):
    assert tc.assertCallReturnOk("DELETE", "ok") == {}
    assert "expected the empty JSON object" in failure_of(tc.assertCallReturnOk, "PUT", "json")


def test_call_return_error(tc):
    assert tc.assertCallReturnError("PATCH", "error/422", 422, "SOME_ERROR", data={"a": 1})["status"] == 422
    msg = failure_of(tc.assertCallReturnError, "DELETE", "error/422", 422, "OTHER")
    assert "DELETE http://" in msg and "'error' is 'SOME_ERROR', expected 'OTHER'" in msg


def test_call_return_html(tc, capsys):
    assert tc.assertCallReturnHtml("GET", "html") == "<html><body>hi</body></html>"
    assert "GET http://" in capsys.readouterr().out
    tc.assertCallReturnHtml("GET", "html", quiet=True)
    assert capsys.readouterr().out == ""  # quiet: nothing printed
    msg = failure_of(tc.assertCallReturnHtml, "GET", "text")
    assert "expected Content-Type 'text/html; charset=utf-8', got 'text/plain; charset=utf-8'" in msg
    assert "got 500" in failure_of(tc.assertCallReturnHtml, "GET", "error/500")


def test_call_return_text(tc):
    assert tc.assertCallReturnText("POST", "text", data="x") == "plain hi"
    assert "expected Content-Type 'text/plain; charset=utf-8'" in failure_of(tc.assertCallReturnText, "GET", "html")


def test_call_return_redirect(tc, mini):
    assert tc.assertCallReturnRedirect("GET", "redirect") == f"http://127.0.0.1:{mini.port}/json"
    assert "expected status 302, got 200" in failure_of(tc.assertCallReturnRedirect, "GET", "json")
    msg = failure_of(tc.assertCallReturnRedirect, "GET", "json", status=200)
    assert "expected a redirect" in msg
    # following redirects ends on the target, which is not a redirect
    assert "expected status 302, got 200" in failure_of(tc.assertCallReturnRedirect, "GET", "redirect",
                                                        allow_redirects=True)


def test_auth_is_the_full_header_and_never_shown(tc):
    j = tc.assertGetReturnJson("json", auth="Bearer s3cr3t-token")
    assert j["authorization"] == "Bearer s3cr3t-token"
    msg = failure_of(tc.assertGetReturnJson, "error/401", auth="Bearer s3cr3t-token")
    assert "Authorization: <hidden>" in msg
    assert "s3cr3t-token" not in msg


def test_no_server_is_a_readable_failure(tc):
    from unit_testing import free_port

    tc.port = free_port()
    msg = failure_of(tc.assertGetReturnJson, "json")
    assert f"GET http://127.0.0.1:{tc.port}/json got no response: cannot connect" in msg
    assert "PYM_SERVER_HOST" in msg


def test_read_timeouts_are_retried_on_get_only(tc, mini):
    tc.timeout_read, tc.timeout_factor = 0.5, 1
    assert tc.assertGetReturnJson("slow/get-retried") == {"attempt": 3}  # 2 timeouts, then an answer
    assert mini.app.hits["get-retried"] == 3
    msg = failure_of(tc.assertPostReturnOk, "slowpost/post-once", {})
    assert "no answer before the read timeout" in msg
    assert mini.app.hits["post-once"] == 1  # a POST is never sent twice

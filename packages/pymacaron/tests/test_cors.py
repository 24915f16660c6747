"""pymacaron.cors: with origins '*', the fast path sets the same headers as flask-cors."""

import pytest
from flask import Flask, abort
from flask_cors import CORS, cross_origin

from pymacaron.cors import wildcard_fast_path


def _app(fast):
    app = Flask("cors")

    @app.route("/items", methods=["GET", "POST", "PUT"])
    def items():
        return {"ok": True}

    @app.get("/own")
    def own():
        return {"ok": True}, 200, {"Access-Control-Allow-Origin": "https://mine.example.com"}

    @app.get("/decorated")
    @cross_origin(origins=["https://only.example.com"], always_send=False)
    def decorated():
        return {"ok": True}

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    @app.get("/crash")
    def crash():
        raise RuntimeError("boom")

    # as pymacaron.http sets it up when cors_origins is unset or '*'
    CORS(app, origins="*", send_wildcard=True, supports_credentials=False,
         allow_headers=["Content-Type", "Authorization", "X-Requested-With"])
    if fast:
        wildcard_fast_path(app)
    return app


REQUESTS = [
    ("GET", "/items", {}),
    ("HEAD", "/items", {}),
    ("POST", "/items", {"Content-Type": "application/json"}),
    ("GET", "/items", {"Origin": "https://app.example.com"}),
    ("OPTIONS", "/items", {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
                           "Access-Control-Request-Headers": "Content-Type, X-Other"}),
    ("OPTIONS", "/items", {}),
    ("OPTIONS", "/items", {"Access-Control-Request-Method": "POST"}),
    ("GET", "/items", {"Access-Control-Request-Private-Network": "true"}),
    ("GET", "/own", {}),
    ("GET", "/decorated", {}),
    ("GET", "/decorated", {"Origin": "https://only.example.com"}),
    ("GET", "/forbidden", {}),
    ("GET", "/nowhere", {}),
    ("DELETE", "/items", {}),
    ("GET", "/crash", {}),
]


def _answer(app, method, path, headers):
    r = app.test_client().open(path, method=method, headers=headers)
    return r.status_code, sorted(r.headers.items()), r.get_data()


@pytest.mark.parametrize("method, path, headers", REQUESTS)
def test_same_headers_as_flask_cors(method, path, headers):
    assert _answer(_app(True), method, path, headers) == _answer(_app(False), method, path, headers)


def test_plain_call_gets_the_wildcard():
    r = _app(True).test_client().get("/items")
    assert r.headers.getlist("Access-Control-Allow-Origin") == ["*"]


def test_installed_once():
    app = _app(True)
    wildcard_fast_path(app)
    funcs = app.after_request_funcs[None]
    assert len(funcs) == 1 and funcs[0]._pym_cors_fast_path


def test_services_use_it(service):
    app = service()
    assert [getattr(f, "_pym_cors_fast_path", False) for f in app.after_request_funcs[None]] == [True]
    r = app.test_client().get("/ping")
    assert r.headers.getlist("Access-Control-Allow-Origin") == ["*"]

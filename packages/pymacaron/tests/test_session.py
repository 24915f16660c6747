"""pymacaron.session: the light session interface answers exactly as Flask's own."""

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface

from pymacaron.session import LightSessionInterface, install


def _app(interface, secret=True):
    app = Flask("sessions")
    if secret:
        app.secret_key = "a-secret-key-for-the-session-tests"
    app.session_interface = interface

    @app.get("/none")
    def none():
        return {"ok": True}

    @app.get("/read")
    def read():
        return {"user": session.get("user")}

    @app.get("/write")
    def write():
        session["user"] = "ann"
        return {"ok": True}

    @app.get("/clear")
    def clear():
        session.clear()
        return {"ok": True}

    @app.get("/kind")
    def kind():
        return {"null": app.session_interface.is_null_session(session), "type": type(session._get_current_object()).__name__}

    return app


def _cookie_of(app, response):
    """(attributes of Set-Cookie without its value, decoded session or None)."""
    header = response.headers.get("Set-Cookie")
    if header is None:
        return None, None
    value, _, attributes = header.partition(";")
    raw = value.split("=", 1)[1]
    decoded = SecureCookieSessionInterface().get_signing_serializer(app).loads(raw) if raw else None
    return attributes, decoded


def _answer(app, path, cookie=None):
    client = app.test_client()
    headers = {"Cookie": cookie} if cookie else {}
    r = client.get(path, headers=headers)
    return r.status_code, r.get_json(), r.headers.get("Vary"), _cookie_of(app, r)


def _valid_cookie(app):
    r = app.test_client().get("/write")
    return r.headers["Set-Cookie"].split(";", 1)[0]


@pytest.mark.parametrize("path", ["/none", "/read", "/write", "/clear", "/kind"])
@pytest.mark.parametrize("cookie", [None, "valid", "session=tampered.value.sig", "other=1", "session="])
def test_same_answers_as_flask(path, cookie):
    flask_app = _app(SecureCookieSessionInterface())
    light_app = _app(LightSessionInterface())
    if cookie == "valid":
        cookie = _valid_cookie(flask_app)  # both apps share the secret: valid for both
    assert _answer(light_app, path, cookie) == _answer(flask_app, path, cookie)


@pytest.mark.parametrize("path", ["/none", "/kind"])
def test_same_answers_without_secret_key(path):
    """No secret key: Flask's null session, cookie or not."""
    flask_app = _app(SecureCookieSessionInterface(), secret=False)
    light_app = _app(LightSessionInterface(), secret=False)
    for cookie in (None, "other=1"):
        assert _answer(light_app, path, cookie) == _answer(flask_app, path, cookie)
    assert _answer(light_app, "/kind")[1] == {"null": True, "type": "NullSession"}


def test_write_then_read_round_trip():
    app = _app(LightSessionInterface())
    client = app.test_client()
    client.get("/write")
    assert client.get("/read").get_json() == {"user": "ann"}


def test_install_keeps_a_custom_interface():
    class Custom(SecureCookieSessionInterface):
        pass

    app = _app(SecureCookieSessionInterface())
    install(app)
    assert type(app.session_interface) is LightSessionInterface
    custom = Custom()
    app.session_interface = custom
    install(app)
    assert app.session_interface is custom


def test_services_use_it(service):
    app = service()
    assert type(app.session_interface) is LightSessionInterface

"""helloworld.api: each endpoint of apis/helloworld.yaml, through the real app (in-process)."""

import pytest


def test_hello(client):
    r = client.get("/hello")
    assert r.status_code == 200
    assert r.get_json() == {"message": "Hello world!"}


def test_hello_with_auth_needs_a_token(client):
    r = client.get("/hello/with/auth")
    assert r.status_code == 401
    assert r.get_json()["error"] == "AUTHORIZATION_HEADER_MISSING"


def test_hello_with_auth_refuses_a_bad_token(client):
    r = client.get("/hello/with/auth", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401
    assert r.get_json()["error"] == "TOKEN_INVALID"


def test_hello_with_auth(client, auth_header):
    r = client.get("/hello/with/auth", headers=auth_header)
    assert r.status_code == 200
    assert r.get_json() == {"message": "Hello world!"}


def test_hello_with_inheritance(client, auth_header):
    r = client.post("/hello/with/inheritance", json={"question": "hello?"}, headers=auth_header)
    assert r.status_code == 200
    assert r.get_json() == {"message": "You said: hello?"}


def test_hello_with_inheritance_needs_a_token(client):
    r = client.post("/hello/with/inheritance", json={"question": "hello?"})
    assert r.status_code == 401


@pytest.mark.parametrize("body", [{}, {"question": ""}, {"question": 42}, {"q": "hello?"}])
def test_hello_with_inheritance_validates_the_question(client, auth_header, body):
    r = client.post("/hello/with/inheritance", json=body, headers=auth_header)
    assert r.status_code == 400
    error = r.get_json()
    assert error["error"] == "INVALID_PARAMETER"
    assert "question" in error["error_description"]


def test_die(client):
    r = client.get("/die")
    assert r.status_code == 500
    error = r.get_json()
    assert error["error"] == "UNHANDLED_SERVER_ERROR"
    assert error["status"] == 500
    assert "asked to die" not in error["error_description"]  # a 500 says nothing internal: the report does
    assert error["error_id"]

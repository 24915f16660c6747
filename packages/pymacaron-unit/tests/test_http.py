"""pymacaron_unit._http: URLs, bodies, TLS checking (a real TLS server), retries are in test_assertions."""

import ssl

import pytest
import requests
import trustme

from pymacaron_unit._http import CallFailed, base_url, build_url, encode_body, send, ssl_checked
from unit_testing import ServerThread, mini_app


def test_urls_use_https_only_on_port_443():
    assert build_url("api.example.com", 443, "/ping") == "https://api.example.com:443/ping"
    assert build_url("api.example.com", 8443, "ping") == "http://api.example.com:8443/ping"
    assert build_url("127.0.0.1", "8080", "//a/b") == "http://127.0.0.1:8080/a/b"
    assert base_url("::1", 80) == "http://[::1]:80"


def test_bodies():
    assert encode_body(None) == (None, {})
    assert encode_body({"a": 1}) == ('{"a": 1}', {"Content-Type": "application/json"})
    assert encode_body([1]) == ("[1]", {"Content-Type": "application/json"})
    assert encode_body("a=b") == ("a=b", {})
    assert encode_body(b"\x00") == (b"\x00", {})
    with pytest.raises(TypeError, match="cannot send a int as a request body"):
        encode_body(42)


def test_no_ssl_check_env(monkeypatch):
    assert ssl_checked(True) is True
    assert ssl_checked(False) is False
    monkeypatch.setenv("NO_SSL_CHECK", "1")
    assert ssl_checked(True) is False
    monkeypatch.setenv("NO_SSL_CHECK", "")
    assert ssl_checked(True) is True


@pytest.fixture(scope="module")
def tls_server():
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    server = ServerThread(mini_app(), ssl_context=ctx).start()
    yield server
    server.stop()


def test_tls_certificates_are_checked_unless_told_otherwise(tls_server, monkeypatch):
    url = f"{tls_server.url}/ping"
    assert url.startswith("https://")
    with pytest.raises(CallFailed) as e:
        send("get", url)  # self-signed: refused
    assert "TLS error" in str(e.value) and "verify_ssl=False" in str(e.value) and "NO_SSL_CHECK=1" in str(e.value)
    assert send("get", url, verify_ssl=False).status_code == 200
    monkeypatch.setenv("NO_SSL_CHECK", "1")
    assert send("GET", url).status_code == 200


def test_connection_errors_say_what_to_check():
    from unit_testing import free_port

    with pytest.raises(CallFailed) as e:
        send("post", f"http://127.0.0.1:{free_port()}/x", data={"a": 1})
    assert str(e.value).startswith("POST http://127.0.0.1:")
    assert isinstance(e.value.error, requests.ConnectionError)

"""Generated clients against real local servers: arguments, retries, timeouts, replies."""

import os
import socket
import sys
import threading
import time

import pytest
import requests
from flask import Flask

from core_testing import FIXTURES, PETSTORE, serve
from pymacaron_core import ApiPool, ClientError, PyMacaronCoreException, ValidationError
from pymacaron_core.exceptions import UpstreamTimeoutError, UpstreamUnavailableError
from pymacaron_core.client import caller

sys.path.insert(0, os.path.join(FIXTURES, "flaky"))
import flaky_helpers  # noqa: E402

FLAKY = os.path.join(FIXTURES, "flaky", "flaky.yaml")


@pytest.fixture
def flaky():
    flaky_helpers.ATTEMPTS.clear()
    with serve(flaky_helpers.make_app()) as port:
        api = ApiPool.add("flaky", yaml_path=FLAKY, port=port, timeout=5)
        yield api


@pytest.fixture
def sleeps(monkeypatch):
    """Record retry delays instead of sleeping them (the delays are what is tested)."""
    slept = []
    monkeypatch.setattr(caller, "_sleep", slept.append)
    return slept


def test_path_query_body_and_headers_are_sent(flaky):
    Echo = ApiPool.flaky.model.Echo
    r = ApiPool.flaky.client.post_flaky(Echo(key="in body"), key="a b", fail=0,
                                        request_headers={"X-Extra": "1"})
    assert isinstance(r, Echo)
    assert r.key == "a b"
    assert r.body == {"key": "in body"}
    assert r.query == {"fail": ["0"]}
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Extra"] == "1"


def test_x_decorate_request_wraps_the_call(flaky):
    r = ApiPool.flaky.client.get_flaky(key="k")
    assert r.headers["X-Marker"] == "decorated"


def test_retries_503_on_get_with_the_documented_delays(flaky, sleeps):
    r = ApiPool.flaky.client.get_flaky(key="g", fail=2)
    assert r.attempts == 3
    assert sleeps == [0.5, 1.5]


def test_retry_delays_really_elapse(flaky):
    t0 = time.monotonic()
    assert ApiPool.flaky.client.get_flaky(key="real", fail=1).attempts == 2
    assert time.monotonic() - t0 >= 0.5


def test_max_attempts_bounds_retries_and_the_error_reply_is_returned(flaky, sleeps):
    with pytest.raises(PyMacaronCoreException) as e:
        ApiPool.flaky.client.get_flaky(key="m", fail=5, max_attempts=2)
    assert e.value.status_code == 503
    assert flaky_helpers.ATTEMPTS["m"] == 2
    assert sleeps == [0.5]


def test_post_is_not_retried_on_503(flaky, sleeps):
    with pytest.raises(PyMacaronCoreException):
        ApiPool.flaky.client.post_flaky(ApiPool.flaky.model.Echo(), key="p", fail=1)
    assert flaky_helpers.ATTEMPTS["p"] == 1 and sleeps == []


def test_other_error_statuses_are_not_retried(flaky, sleeps):
    with pytest.raises(PyMacaronCoreException):
        ApiPool.flaky.client.get_flaky(key="s", fail=1, status=500)
    assert flaky_helpers.ATTEMPTS["s"] == 1


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


class HangUpServer:
    """A real socket server that reads each request, then closes the connection without answering:
    the request was sent, and no reply comes. Counts the requests it read."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    self.requests.append(data.split(b"\r\n", 1)[0].decode())

    def close(self):
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def hang_up():
    server = HangUpServer()
    yield server
    server.close()


def test_a_refused_connection_is_retried_for_every_method_then_raised(sleeps):
    """Never connected: GET and POST are both retried (nothing was sent), then a requests
    ConnectionError that is also a 502 UpstreamUnavailableError is raised, without the URL."""
    port = free_port()
    ApiPool.add("flaky", yaml_path=FLAKY, port=port)
    with pytest.raises(requests.exceptions.ConnectionError) as e:
        ApiPool.flaky.client.get_flaky(key="x")
    assert sleeps == [0.5, 1.5]
    assert isinstance(e.value, UpstreamUnavailableError) and isinstance(e.value, ClientError)
    assert (e.value.status_code, e.value.code) == (502, "UPSTREAM_UNAVAILABLE")
    assert str(e.value) == ("API 'flaky' could not be reached (GET /flaky/{key}, client method get_flaky) after 3 "
                            "attempts: ConnectionError")
    assert e.value.url == f"http://127.0.0.1:{port}/flaky/x" and str(port) not in str(e.value)
    assert isinstance(e.value.__cause__, requests.exceptions.ConnectionError)
    with pytest.raises(requests.exceptions.ConnectionError):
        ApiPool.flaky.client.post_flaky(ApiPool.flaky.model.Echo(), key="x")
    assert sleeps == [0.5, 1.5, 0.5, 1.5]


def test_a_post_is_not_retried_once_it_may_have_been_sent(hang_up, sleeps):
    """The server read the POST and hung up: retrying could duplicate its side effect."""
    ApiPool.add("flaky", yaml_path=FLAKY, port=hang_up.port)
    with pytest.raises(requests.exceptions.ConnectionError) as e:
        ApiPool.flaky.client.post_flaky(ApiPool.flaky.model.Echo(), key="p")
    assert isinstance(e.value, UpstreamUnavailableError) and "after 1 attempt:" in str(e.value)
    assert hang_up.requests == ["POST /flaky/p HTTP/1.1"] and sleeps == []


def test_a_get_is_retried_after_the_server_hung_up(hang_up, sleeps):
    ApiPool.add("flaky", yaml_path=FLAKY, port=hang_up.port)
    with pytest.raises(requests.exceptions.ConnectionError):
        ApiPool.flaky.client.get_flaky(key="g")
    assert hang_up.requests == ["GET /flaky/g HTTP/1.1"] * 3 and sleeps == [0.5, 1.5]


def test_transport_errors_raise_whatever_the_error_callback(hang_up, sleeps):
    """v1 code catching requests' exceptions keeps working even with an error_callback that returns."""
    ApiPool.add("flaky", yaml_path=FLAKY, port=hang_up.port, error_callback=lambda e: "handled")
    with pytest.raises(requests.exceptions.ConnectionError):
        ApiPool.flaky.client.get_flaky(key="cb", max_attempts=1)


def test_read_timeout_retried_for_get_only(flaky, sleeps):
    with pytest.raises(requests.exceptions.ReadTimeout) as e:
        ApiPool.flaky.client.slow_get(seconds=1, read_timeout=0.2, max_attempts=2)
    assert isinstance(e.value, requests.exceptions.Timeout) and isinstance(e.value, UpstreamTimeoutError)
    assert (e.value.status_code, e.value.code) == (504, "UPSTREAM_TIMEOUT")
    assert str(e.value).startswith("API 'flaky' did not answer in time (GET /slow, client method slow_get) after 2 "
                                   "attempts: ReadTimeout")
    with pytest.raises(UpstreamTimeoutError, match="after 1 attempt: ReadTimeout"):
        ApiPool.flaky.client.slow_post(seconds=1, read_timeout=0.2, max_attempts=3)
    time.sleep(1)  # let the slow handlers finish before counting
    assert flaky_helpers.ATTEMPTS["slow-GET"] == 2 and flaky_helpers.ATTEMPTS["slow-POST"] == 1


def test_errors_go_through_the_error_callback(flaky):
    seen = []
    ApiPool.flaky.error_callback = lambda e: seen.append(e) or "handled"
    assert ApiPool.flaky.client.raw(what="text-500") == "handled"
    assert isinstance(seen[-1], PyMacaronCoreException) and seen[-1].status_code == 500
    assert "returned unknown exception: 500 Internal explosion" in str(seen[-1])
    assert ApiPool.flaky.client.raw(what="bad-200") == "handled"
    assert isinstance(seen[-1], ValidationError)
    assert "Failed to unmarshal response because: key: 12 is not of type 'string'" in str(seen[-1])
    assert ApiPool.flaky.client.raw(what="not-json") == "handled"
    assert "not JSON" in str(seen[-1])


def test_error_reply_becomes_an_error_model(flaky):
    err = ApiPool.flaky.client.raw(what="error-model")
    assert isinstance(err, ApiPool.flaky.model.Error)
    assert (err.status, err.error, err.error_description) == (404, "NOT_FOUND", "gone")


def test_missing_path_argument(flaky):
    ApiPool.flaky.error_callback = lambda e: e
    e = ApiPool.flaky.client.get_flaky()
    assert isinstance(e, ValidationError) and "Missing some arguments to format url" in str(e)


def test_body_must_be_exactly_one_positional(flaky):
    with pytest.raises(ValidationError, match="post_flaky expects exactly 1 parameter"):
        ApiPool.flaky.client.post_flaky(key="x")


def test_call_id_headers_are_forwarded(flaky):
    app = Flask("caller")
    with app.test_request_context(headers={"PymCallID": "cid-1", "PymCallPath": "front"}):
        from pymacaron_core.context import enter_call
        from flask import request
        enter_call(request.environ, "middle")
        r = ApiPool.flaky.client.get_flaky(key="h")
    assert r.headers["Pymcallid"] == "cid-1" and r.headers["Pymcallerid"] == "cid-1"
    assert r.headers["Pymcallpath"] == "front.middle" and r.headers["Pymcallerpath"] == "front.middle"


def test_local_api_client_calls_the_app_in_process(petstore_app):
    with petstore_app.test_request_context():
        pet = ApiPool.petstore.client.get_pet(pet_id=5, fields=["name", "owner"])
        assert pet.name == "rex" and pet.tags == ["name", "owner"]
        err = ApiPool.petstore.client.get_pet(pet_id=404)
        assert err.status == 404 and err.error == "NOT_FOUND"
        created = ApiPool.petstore.client.create_pet(ApiPool.petstore.model.Pet(name="new"))
        assert created.id == 42
        assert ApiPool.petstore.client.search(q="zz")[0].name == "zz"


def test_client_of_a_remote_petstore_over_http(tmp_path):
    """A server without base_path_aliases answers /v1/... only: the client prefixes the basePath when told to."""
    app = Flask("server")
    ApiPool.add("petstore", yaml_path=PETSTORE, host="127.0.0.1", port=1, client_base_path=True)
    ApiPool.petstore.spawn_api(app)
    with serve(app) as port:
        ApiPool.petstore.api_spec.port = port
        pets = ApiPool.petstore.client.list_pets(limit=3, tags=["a", "b"])
        assert [p.name for p in pets.pets] == ["pet0", "pet1", "pet2"] and pets.pets[0].tags == ["a", "b"]
        photo = ApiPool.petstore.client.upload_photo(pet_id=3, caption="c", rating=2,
                                                      photo=("p.png", b"1234", "image/png"))
        assert (photo.size, photo.filename, photo.rating) == (4, "p.png", 2)
        assert ApiPool.petstore.client.delete_pet(pet_id=9).ok == "deleted 9"


def test_api_without_host_cannot_call():
    ApiPool.add("nohost", yaml_str=open(FLAKY).read().replace("host: 127.0.0.1\n", ""))
    with pytest.raises(ClientError, match="has no host"):
        ApiPool.nohost.client.raw(what="x")


FRONT = """\
swagger: '2.0'
info: {title: front, version: '1'}
paths:
  /front:
    get:
      x-bind-server: flaky_helpers.call_flaky
      parameters: [{in: query, name: timeout, type: number}]
      responses: {200: {description: ok, schema: {$ref: '#/definitions/Echo'}}}
definitions:
  Echo: {type: object, properties: {key: {type: string}, attempts: {type: integer}}}
"""


@pytest.mark.parametrize("down", ["refused", "timeout"])
def test_a_transport_error_escaping_a_handler_is_a_502_or_504_without_the_url(down, flaky, sleeps):
    if down == "refused":
        port = free_port()
        ApiPool.add("flaky", yaml_path=FLAKY, port=port)
    else:
        port = ApiPool.flaky.api_spec.port
    app = Flask("front")
    ApiPool.add("front", yaml_str=FRONT).spawn_api(app)
    r = app.test_client().get("/front" + ("?timeout=0.2" if down == "timeout" else ""))
    expected = {"refused": (502, "UPSTREAM_UNAVAILABLE", "could not be reached (GET /flaky/{key}, client method "
                                                         "get_flaky)"),
                "timeout": (504, "UPSTREAM_TIMEOUT", "did not answer in time (GET /slow, client method slow_get)")}
    status, code, text = expected[down]
    assert (r.status_code, r.json["error"]) == (status, code)
    assert r.json["error_description"].startswith(f"API 'flaky' {text} after 1 attempt")
    assert str(port) not in r.data.decode() and "127.0.0.1" not in r.data.decode()

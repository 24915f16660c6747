"""Generated clients against real local servers: arguments, retries, timeouts, replies."""

import os
import socket
import sys
import time

import pytest
from flask import Flask

from core_testing import FIXTURES, PETSTORE, serve
from pymacaron_core import ApiPool, ClientError, PyMacaronCoreException, ValidationError
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


def test_connection_errors_are_retried_then_reported(sleeps):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    ApiPool.add("flaky", yaml_path=FLAKY, port=port)
    with pytest.raises(ClientError, match=r"failed after 3 attempts: ConnectionError"):
        ApiPool.flaky.client.get_flaky(key="x")
    assert sleeps == [0.5, 1.5]
    with pytest.raises(ClientError):  # connection errors are retried for POST too
        ApiPool.flaky.client.post_flaky(ApiPool.flaky.model.Echo(), key="x")
    assert sleeps == [0.5, 1.5, 0.5, 1.5]


def test_read_timeout_retried_for_get_only(flaky, sleeps):
    with pytest.raises(ClientError, match="timed out after 2 attempts"):
        ApiPool.flaky.client.slow_get(seconds=1, read_timeout=0.2, max_attempts=2)
    with pytest.raises(ClientError, match="timed out after 1 attempt:"):
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
    app = Flask("server")
    ApiPool.add("petstore", yaml_path=PETSTORE, host="127.0.0.1", port=1)
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

"""pymacaron_unit.builtin_endpoints: assertHasPing / Version / AuthVersion / IsVersion (real server)."""

import pytest

from pymacaron_unit.client import ApiClient
from unit_testing import GOOD_TOKEN, ServerThread


@pytest.fixture
def client(mini):
    return ApiClient("127.0.0.1", mini.port, token=GOOD_TOKEN)


def test_passing(client):
    assert client.assertHasPing() == {}
    assert client.assertHasVersion()["name"] == "mini"
    assert client.assertHasAuthVersion()["version"] == "1.0"


def test_auth_version_needs_the_token(client):
    client.token = "wrong"
    with pytest.raises(AssertionError, match="expected status 200, got 401"):
        client.assertHasAuthVersion()
    client.token = None
    with pytest.raises(AssertionError, match="needs a valid JWT in PYM_JWT_TOKEN"):
        client.assertHasAuthVersion()


def test_is_version():
    client = ApiClient()
    client.assertIsVersion({"version": "1", "name": "n", "container": "", "pym_env": "dev", "extra": 1})
    with pytest.raises(AssertionError) as e:
        client.assertIsVersion({"version": 1, "name": "n", "container": ""})
    assert "'version' is 1; 'pym_env' is missing" in str(e.value)
    with pytest.raises(AssertionError, match="expected a Version JSON object"):
        client.assertIsVersion([])


def test_failing_service():
    from flask import Flask, jsonify

    app = Flask("bad")

    @app.route("/ping")
    def ping():
        return jsonify(status="up")

    @app.route("/auth/version")
    def auth_version():  # accepts anything: a broken auth
        return jsonify(name="bad", version="1", container="", pym_env="")

    server = ServerThread(app).start()
    try:
        client = ApiClient("127.0.0.1", server.port, token="t")
        with pytest.raises(AssertionError, match="expected the empty JSON object"):
            client.assertHasPing()
        with pytest.raises(AssertionError, match="expected status 404|expected status 200, got 404"):
            client.assertHasVersion()
        with pytest.raises(AssertionError, match="expected status 401, got 200"):
            client.assertHasAuthVersion()
    finally:
        server.stop()

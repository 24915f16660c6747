"""pymacaron_unit.client.ApiClient: the assertions outside unittest."""

import pytest

from pymacaron_unit import TargetError
from pymacaron_unit.client import ApiClient


def test_from_env_and_auth(mini):
    client = ApiClient.from_env({"PYM_SERVER_HOST": "http://127.0.0.1/", "PYM_SERVER_PORT": str(mini.port),
                                 "PYM_JWT_TOKEN": "tok"})
    assert (client.host, client.port, client.token) == ("127.0.0.1", mini.port, "tok")
    assert client.base_url == f"http://127.0.0.1:{mini.port}"
    assert client.auth == "Bearer tok"
    assert repr(client) == f"<ApiClient http://127.0.0.1:{mini.port} token=set>"
    assert client.assertGetReturnJson("json", auth=client.auth)["authorization"] == "Bearer tok"
    assert ApiClient(port=1).auth is None
    with pytest.raises(TargetError):
        ApiClient.from_env({})


def test_call_returns_the_response(mini):
    r = ApiClient("127.0.0.1", mini.port).call("patch", "json", data={"a": 1}, quiet=True)
    assert r.status_code == 200 and r.json()["method"] == "PATCH"
    with pytest.raises(AssertionError, match="got 500"):
        ApiClient("127.0.0.1", mini.port).assertCallReturnOk("GET", "error/500")

"""pymacaron_unit.target: PYM_SERVER_HOST / PYM_SERVER_PORT / PYM_JWT_TOKEN."""

import pytest

from pymacaron_unit.target import Target, TargetError, target_from_env


def test_from_env():
    env = {"PYM_SERVER_HOST": "https://api.example.com/", "PYM_SERVER_PORT": "443", "PYM_JWT_TOKEN": "abc"}
    t = target_from_env(env)
    assert t == Target("api.example.com", 443, "abc")
    assert t.base_url == "https://api.example.com:443"
    assert target_from_env({"PYM_SERVER_HOST": "h", "PYM_SERVER_PORT": "80", "PYM_JWT_TOKEN": ""}).token is None
    assert target_from_env({}, host="x", port=81) == Target("x", 81, None)


@pytest.mark.parametrize("env, message", [
    ({}, "PYM_SERVER_HOST and PYM_SERVER_PORT are not set: run the acceptance tests with 'pymacaron test'"),
    ({"PYM_SERVER_HOST": "h"}, "PYM_SERVER_PORT is not set"),
    ({"PYM_SERVER_PORT": "1"}, "PYM_SERVER_HOST is not set"),
    ({"PYM_SERVER_HOST": "h", "PYM_SERVER_PORT": "http"}, "PYM_SERVER_PORT='http' is not a port number"),
    ({"PYM_SERVER_HOST": "h", "PYM_SERVER_PORT": "70000"}, "is not a port number (1-65535)"),
    ({"PYM_SERVER_HOST": "https://", "PYM_SERVER_PORT": "1"}, "PYM_SERVER_HOST is empty"),
])
def test_errors_say_what_to_set(env, message):
    with pytest.raises(TargetError) as e:
        target_from_env(env)
    assert message in str(e.value)

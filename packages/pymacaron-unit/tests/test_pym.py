"""pymacaron_unit.runner.pym: what the runner asks pymacaron (installed in the test environment)."""

import os

import jwt
import pytest

from pymacaron_unit.runner import pym
from pymacaron_unit.runner.errors import RunnerError

CONFIG = """\
name: svc
live_url: https://svc.example.com
jwt_issuer: svc.example.com
jwt_audience: svc
jwt_secret: SVC_JWT_SECRET
env_secrets: [SVC_JWT_SECRET]
"""


def test_make_token(tmp_path):
    (tmp_path / "pym-config.yaml").write_text(CONFIG)
    before = dict(os.environ)
    token = pym.make_token(str(tmp_path), environ=dict(os.environ, SVC_JWT_SECRET="k" * 32))
    assert jwt.decode(token, "k" * 32, algorithms=["HS256"], audience="svc")["sub"] == "test-jwt-token"
    assert dict(os.environ) == before  # the environment given was only lent to pymacaron
    from pymacaron.config import config_loaded

    assert not config_loaded()


def test_make_token_without_the_secret(tmp_path):
    (tmp_path / "pym-config.yaml").write_text(CONFIG)
    with pytest.raises(RunnerError) as e:
        pym.make_token(str(tmp_path), environ={k: v for k, v in os.environ.items() if k != "SVC_JWT_SECRET"})
    assert str(e.value).startswith("--gen-token: ")
    assert "SVC_JWT_SECRET" in str(e.value)


def test_live_target(tmp_path):
    (tmp_path / "pym-config.yaml").write_text(CONFIG)
    (tmp_path / "pym-config.staging.yaml").write_text("name: svc\nlive_host: staging.example.com\n")
    assert pym.live_target(str(tmp_path), None) == ("svc.example.com", 443)
    assert pym.live_target(str(tmp_path), "staging") == ("staging.example.com", 80)
    (tmp_path / "pym-config.yaml").write_text("name: svc\n")
    with pytest.raises(RunnerError, match="has neither 'live_url' nor 'live_host'"):
        pym.live_target(str(tmp_path), "live")


def test_optional_lists(tmp_path):
    assert pym.optional_config_list("--env-secrets", str(tmp_path)) == []  # no pym-config.yaml
    (tmp_path / "pym-config.yaml").write_text(CONFIG)
    assert pym.optional_config_list("--env-secrets", str(tmp_path)) == ["SVC_JWT_SECRET"]


def test_builtin_spec():
    assert pym.available()
    assert pym.builtin_spec_path().endswith(os.path.join("apis", "ping.yaml"))


def test_without_pymacaron(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pymacaron", None)  # as if pymacaron were not installed
    assert not pym.available()
    with pytest.raises(RunnerError, match="--gen-token needs pymacaron, which is not installed: install it with: "
                                          "pip install pymacaron"):
        pym.make_token(str(tmp_path))
    with pytest.raises(RunnerError, match="--env live \\(the live_url of pym-config.live.yaml\\) needs pymacaron"):
        pym.live_target(str(tmp_path), "live")
    assert pym.optional_config_list("--env-secrets", str(tmp_path)) == []
    assert pym.builtin_spec_path() is None


def test_a_pymacaron_without_the_unit_api_is_named(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pymacaron.unit_api", None)  # an older pymacaron, without the module
    with pytest.raises(RunnerError) as e:
        pym.make_token(str(tmp_path))
    assert str(e.value).startswith("--gen-token needs pymacaron.unit_api version 1, and pymacaron ")
    assert "has no pymacaron.unit_api: install a pymacaron that matches this pymacaron-unit" in str(e.value)


def test_another_unit_api_version_is_named(tmp_path, monkeypatch):
    from pymacaron import unit_api

    monkeypatch.setattr(unit_api, "VERSION", 2)  # a newer pymacaron whose surface changed
    with pytest.raises(RunnerError, match="has version 2 of pymacaron.unit_api: install a pymacaron that matches"):
        pym.live_target(str(tmp_path), "live")


def test_the_unit_api_surface():
    """The names pymacaron-unit relies on, all there (a change to them bumps unit_api.VERSION)."""
    from pymacaron import unit_api

    assert unit_api.VERSION == pym.UNIT_API_VERSION
    assert unit_api.__all__ == ["VERSION", "CommandError", "builtin_spec_path", "config_file_names", "config_value",
                                "load_spec", "make_token", "reset_config"]
    assert all(getattr(unit_api, name, None) is not None for name in unit_api.__all__)
    assert os.path.isfile(unit_api.builtin_spec_path())

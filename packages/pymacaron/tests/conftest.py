"""Shared fixtures of pymacaron's tests. Helpers importable by tests live in
``pym_testing.py`` (this folder is put on sys.path)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from pym_testing import make_service  # noqa: E402

from pymacaron_core import ApiPool  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch):
    """Each test starts with no API, no config, default reporter, no leftover env."""
    from pymacaron import builtins
    from pymacaron.bootstrap import runtime
    from pymacaron.config import reset_config
    from pymacaron.crash import set_error_reporter
    from pymacaron.crash.sender import forget_folds

    for var in ("PYM_ENV", "PYM_CONFIG", "PORT", "PYM_SERVER_PORT", "NO_ERROR_REPORTING"):
        monkeypatch.delenv(var, raising=False)
    ApiPool.reset()
    reset_config()
    set_error_reporter(None)
    forget_folds()
    builtins.clear_ping_hooks()
    runtime.serve, runtime.host = False, None
    yield
    ApiPool.reset()
    reset_config()
    set_error_reporter(None)
    forget_folds()


@pytest.fixture
def service(tmp_path, monkeypatch):
    """A factory: ``service(spec=..., handlers=..., config=..., ...)`` -> a started Flask app."""
    def factory(**kwargs):
        return make_service(tmp_path, monkeypatch, **kwargs)
    return factory

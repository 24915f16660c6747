"""Shared fixtures of pymacaron-unit's tests; helpers live in ``unit_testing.py`` (put on sys.path)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from unit_testing import ServerThread, mini_app  # noqa: E402

# fixtures/: services the tests copy and start; their testaccept/ runs against them, not here
collect_ignore = ["fixtures"]

TARGET_VARS = ("PYM_SERVER_HOST", "PYM_SERVER_PORT", "PYM_JWT_TOKEN", "NO_SSL_CHECK", "PYM_ENV")


def pytest_configure(config):
    # pytester runs the plugin's tests in-process; a non-root conftest cannot use `pytest_plugins`
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture(autouse=True)
def _no_target(monkeypatch):
    """Each test starts without a target or token in the environment (and gets it back afterwards)."""
    for var in TARGET_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def mini():
    """The mini app (``unit_testing.mini_app``) served on 127.0.0.1 in a thread."""
    server = ServerThread(mini_app()).start()
    yield server
    server.stop()

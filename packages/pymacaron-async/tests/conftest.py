"""Shared fixtures of pymacaron-async's tests. Helpers live in ``async_testing.py`` (this folder is on sys.path)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from async_testing import RedisServer, stop_worker  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch):
    """Each test starts with no API, no config, the default reporter, no eager override, no Celery app."""
    from pymacaron_core import ApiPool

    from pymacaron.bootstrap import runtime
    from pymacaron.config import reset_config
    from pymacaron.crash import set_error_reporter, set_synchronous_reporting
    from pymacaron.crash.sender import forget_folds

    from pymacaron_async import mode, reset_celery_app, set_eager_tasks

    for var in ("PYM_ENV", "PYM_CONFIG", "PORT", "PYM_SERVER_PORT", "NO_ERROR_REPORTING", "PYM_ASYNC_EAGER"):
        monkeypatch.delenv(var, raising=False)

    def reset():
        ApiPool.reset()
        reset_config()
        set_error_reporter(None)
        forget_folds()
        set_synchronous_reporting(False)
        set_eager_tasks(None)
        reset_celery_app()
        mode._warned = False
        runtime.serve, runtime.host = False, None

    reset()
    yield
    reset()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on 127.0.0.1 and a random port, for the whole session."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def workers():
    """Workers started by a test (``workers.append(sup)``) are stopped after it."""
    started = []
    yield started
    for sup in started:
        stop_worker(sup)

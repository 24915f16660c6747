"""A worker loads the service as gunicorn would; start-up errors say what to fix, without a traceback."""

import logging
import os
import subprocess
import sys

import pytest
from async_testing import service_env, write_service

from pymacaron_async import AsyncConfigError, loader


@pytest.fixture
def fresh_server_module(monkeypatch):
    monkeypatch.delitem(sys.modules, "server", raising=False)
    yield
    sys.modules.pop("server", None)
    loader._service.update(app=None, module=None)


def test_the_service_is_imported_and_its_app_built_without_serving(tmp_path, monkeypatch, fresh_server_module):
    from pymacaron.config import get_config

    service = write_service(tmp_path)
    monkeypatch.setenv("PYM_ASYNC_TEST_JWT_SECRET", "a-secret-for-the-loader-test-0123456789")
    monkeypatch.setenv("PYM_CELERY_PORT", "8765")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = loader.load_service(str(tmp_path))
    assert loader.loaded_service_app() is app
    assert "/fire/<what>" in {r.rule for r in app.url_map.iter_rules()}
    assert get_config().config_path == str(service.folder / "pym-config.yaml")
    assert os.environ["PYM_SERVER_PORT"] == "8765"  # the port server.py was started with


def test_a_folder_without_server_py_is_named(tmp_path):
    with pytest.raises(AsyncConfigError, match=rf"{tmp_path}/server.py not found: .*pass --service-dir"):
        loader.load_service(str(tmp_path))


def test_a_worker_without_with_async_warns(tmp_path, caplog):
    from pymacaron.config import load_config

    (tmp_path / "pym-config.yaml").write_text("name: x\n")
    load_config(path=str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="pymacaron_async"):
        loader.check_async_enabled()
    assert "with_async is not true" in caplog.text and "will send none to this worker" in caplog.text


def test_a_worker_that_cannot_load_the_service_says_why_and_exits_3(tmp_path):
    service = write_service(tmp_path)
    env = service_env(service)
    del env["PYM_ASYNC_TEST_JWT_SECRET"]  # the service refuses to start without it
    done = subprocess.run([sys.executable, "-m", "pymacaron_async", "--service-dir", str(tmp_path)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "pymacaron-async: the worker could not start:" in done.stderr
    assert "$PYM_ASYNC_TEST_JWT_SECRET (for 'jwt_secret'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout

"""pymacaron.gunicorn: the gunicorn configuration module, its values and a real gunicorn using it."""

import importlib
import os
import signal
import sys

import pytest
from serving_testing import STOP_TIMEOUT_S, ServerProcess, clean_env, free_port, write_service

from pymacaron import serving

ENV = ("PORT", "PYM_SERVER_PORT", "PYM_HOST", "PYM_WORKERS", "WEB_CONCURRENCY", "PYM_THREADS", "PYM_ACCESS_LOG")


@pytest.fixture
def load(monkeypatch):
    """Import pymacaron.gunicorn afresh with the given environment."""
    def loader(**env):
        for var in ENV:
            monkeypatch.delenv(var, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        import pymacaron.gunicorn as module

        return importlib.reload(module)
    yield loader
    for var in ENV:
        monkeypatch.delenv(var, raising=False)


def test_defaults(load):
    cfg = load()
    assert cfg.bind == ["127.0.0.1:8080"]
    assert cfg.workers == serving.default_workers() and cfg.workers >= 2
    assert (cfg.worker_class, cfg.threads) == ("gthread", serving.DEFAULT_THREADS)
    assert cfg.keepalive == serving.KEEPALIVE_S and cfg.backlog == serving.BACKLOG
    assert cfg.preload_app is True
    assert (cfg.loglevel, cfg.errorlog, cfg.accesslog) == ("info", "-", None)
    assert (cfg.max_requests, cfg.max_requests_jitter, cfg.timeout, cfg.graceful_timeout) == (5000, 500, 180, 30)


def test_environment(load):
    cfg = load(PORT="9000", PYM_HOST="0.0.0.0", WEB_CONCURRENCY="3", PYM_THREADS="2", PYM_ACCESS_LOG="true")
    assert (cfg.bind, cfg.workers, cfg.threads, cfg.accesslog) == (["0.0.0.0:9000"], 3, 2, "-")
    cfg = load(PYM_SERVER_PORT="9001", PYM_WORKERS="5", WEB_CONCURRENCY="3", PYM_HOST="::1")
    assert (cfg.bind, cfg.workers) == (["[::1]:9001"], 5)


@pytest.mark.parametrize("env, message", [
    ({"PYM_WORKERS": "two"}, "$PYM_WORKERS must be a whole number, got 'two'"),
    ({"PYM_THREADS": "0"}, "$PYM_THREADS must be at least 1, got 0"),
    ({"PORT": "eighty"}, "$PORT must be a port number, got 'eighty'"),
])
def test_bad_environment_is_a_clear_error(load, env, message):
    with pytest.raises(SystemExit) as e:
        load(**env)
    assert message in str(e.value) and str(e.value).startswith("pymacaron.gunicorn: ")


def test_gunicorn_serves_with_it(tmp_path):
    """`gunicorn -c python:pymacaron.gunicorn server:app` in a service folder, port from $PORT."""
    path = tmp_path / "svc"
    env = write_service(path)
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:pymacaron.gunicorn", "server:app"]
    proc = ServerProcess(argv, path, clean_env(PORT=str(port), PYM_WORKERS="2", **env), tmp_path / "gunicorn.log")
    try:
        assert proc.wait_answering(f"http://127.0.0.1:{port}/ping") == (200, {})
        out = proc.output()
        assert f"gunicorn ready on 127.0.0.1:{port} (2 workers x {serving.DEFAULT_THREADS} threads)" in out
        os.kill(proc.proc.pid, signal.SIGTERM)
        assert proc.wait_exit(STOP_TIMEOUT_S) == 0
        assert proc.wait_group_gone()
    finally:
        proc.kill()


def test_a_timed_out_worker_logs_every_threads_stack_its_interrupted_one_included(load):
    """worker_abort (gunicorn calls it in the worker's main thread, on SIGABRT after a timeout): the log names
    each thread and shows its stack, the thread the signal interrupted among them."""
    import threading
    import time

    module = load()
    logged = []

    class Worker:  # what gunicorn hands the hook: the worker's pid and its logger
        pid = 4242

        class log:  # noqa: N801
            warning = logged.append

    stop = threading.Event()

    def waiting_in_a_handler():
        stop.wait(10)

    side = threading.Thread(target=waiting_in_a_handler, name="pymacaron-handler-3")
    side.start()
    try:
        time.sleep(0.05)
        module.worker_abort(Worker)
    finally:
        stop.set()
        side.join()
    text = logged[0]
    assert text.startswith("PyMacaron: worker 4242 timed out: stacks of its threads\n--- thread ")
    assert "--- thread pymacaron-handler-3 (" in text and "in waiting_in_a_handler" in text
    assert "--- thread MainThread (" in text and "in test_a_timed_out_worker_logs_every_threads_stack" in text

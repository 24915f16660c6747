"""pymacaron.serving: the production server really serves a service folder, and stops on SIGTERM."""

import os
import signal
import subprocess
import sys

import pytest
from serving_testing import (
    STOP_TIMEOUT_S,
    ServerProcess,
    clean_env,
    free_port,
    get_json,
    serving_argv,
    write_service,
)

from pymacaron import serving
from pymacaron.serving import DEFAULT_SERVER, SERVERS, ServingError, load_app, production_command


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "svc"
    env = write_service(path)
    return path, env


def _serve(tmp_path, folder, env, port, server=None):
    return ServerProcess(serving_argv(folder, port, server=server), folder, clean_env(**env),
                         tmp_path / f"server-{server or 'default'}.log")


# -- really serving ---------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS)
def test_serves_the_folder_and_stops_cleanly_on_sigterm(tmp_path, folder, server):
    path, env = folder
    port = free_port()
    proc = _serve(tmp_path, path, env, port, server=server)
    try:
        assert proc.wait_answering(f"http://127.0.0.1:{port}/ping") == (200, {})
        assert get_json(f"http://127.0.0.1:{port}/hello?name=ann") == (200, {"message": "hello ann"})
        status, body = get_json(f"http://127.0.0.1:{port}/hello/auth")
        assert status == 401 and body["error"] == "AUTHORIZATION_HEADER_MISSING"
        status, body = get_json(f"http://127.0.0.1:{port}/nowhere")
        assert status == 404 and body["error"] == "NOT_FOUND"
        os.kill(proc.proc.pid, signal.SIGTERM)  # what Docker, Kubernetes, Cloud Run send
        assert proc.wait_exit(STOP_TIMEOUT_S) == 0, proc.output()
        assert proc.wait_group_gone(), f"workers of {server} survived their master:\n{proc.output()}"
        out = proc.output()
        assert "Traceback" not in out
        assert "refused to gracefully stop" not in out, out  # granian's words when it kills a worker
    finally:
        proc.kill()


def test_sigterm_while_workers_load_the_app(tmp_path, folder):
    """A worker still importing the app when SIGTERM comes ends at once (it has no request to finish)."""
    path, env = folder
    server_py = path / "server.py"
    server_py.write_text("import time\ntime.sleep(4)  # a slow import\n" + server_py.read_text())
    proc = _serve(tmp_path, path, env, free_port(), server="granian")
    try:
        proc.wait_output("Spawning worker-1", "Spawning worker-2")
        os.kill(proc.proc.pid, signal.SIGTERM)
        assert proc.wait_exit(STOP_TIMEOUT_S) == 0, proc.output()
        assert proc.wait_group_gone()
        assert "refused to gracefully stop" not in proc.output(), proc.output()
    finally:
        proc.kill()


FORK_RACE = """\
import os, signal, sys
signal.signal(signal.SIGTERM, lambda *a: None)  # the master's handler, which forked workers inherit
if sys.argv[1] == "fixed":
    from pymacaron.stopping import default_stop_signals_in_workers
# a SIGTERM reaching the child between the fork and pymacaron's hook (registered after this one, run after it)
os.register_at_fork(after_in_child=lambda: os.kill(os.getpid(), signal.SIGTERM))
if sys.argv[1] == "fixed":
    default_stop_signals_in_workers()
else:  # the same default without blocking the signals around the fork
    os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
pid = os.fork()
if pid == 0:
    for _ in range(100):
        pass  # bytecode runs: a pending Python-level signal would be handled here
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("killed" if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM else "survived")
"""


def test_a_stop_signal_reaching_a_worker_as_it_is_forked_is_not_lost():
    """A SIGTERM sent to a worker between its fork and the moment it takes the default action (the master
    just told it to stop) ends it: the signals are blocked around the fork, so it waits, pending. Without
    blocking them, the handler inherited from the master catches it and it is lost (the worker served on)."""
    def run(mode):
        done = subprocess.run([sys.executable, "-c", FORK_RACE, mode], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run("unblocked") == "survived"  # the race, reproduced
    assert run("fixed") == "killed"


def _stopping_server(kill_timeout, *targets):
    """pymacaron's granian server class with one real worker process per target, as granian forks them."""
    import logging
    import time

    from granian.server.mp import MPServer, WorkerProcess

    class ReapedAsItEnds(WorkerProcess):
        """A worker whose exit is reaped by another thread first, as granian's watcher thread may."""

        def terminate(self):
            super().terminate()
            os.waitpid(self.inner.pid, 0)

    server = object.__new__(serving.supervised_server_class(MPServer))
    server.workers_kill_timeout = kill_timeout
    server.wrks = []
    for idx, (target, reaped) in enumerate(targets):
        wrk = (ReapedAsItEnds if reaped else WorkerProcess)(server, idx, target, ())
        wrk.inner.start()
        server.wrks.append(wrk)
    time.sleep(0.3)  # the targets have set their signal handling
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("_granian")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return server, records, handler


def _unhook(handler):
    import logging

    logger = logging.getLogger("_granian")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _wait_for_sigterm():
    import time

    time.sleep(60)  # the default SIGTERM action ends it


def _ignore_sigterm():
    import time

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


def test_a_stopped_worker_is_never_killed_as_refusing_to_stop():
    """granian's stop asked is_alive(), which says True for a worker another thread has just reaped: under
    load it logged "refused to gracefully stop" and sent SIGKILL to stopped workers. A worker that ignores
    SIGTERM is still killed once workers_kill_timeout is over."""
    server, records, handler = _stopping_server(30, (_wait_for_sigterm, True), (_wait_for_sigterm, False))
    workers = list(server.wrks)
    try:
        server._stop_workers()
    finally:
        _unhook(handler)
    messages = [r.getMessage() for r in records]
    assert messages == ["Stopped worker-1", "Stopped worker-2"]
    assert server.wrks == [] and workers[1].inner.exitcode == -signal.SIGTERM

    server, records, handler = _stopping_server(1, (_ignore_sigterm, False))
    stubborn = server.wrks[0]
    try:
        server._stop_workers()
    finally:
        _unhook(handler)
    assert [r.getMessage() for r in records] == ["Killing worker-1 after it refused to gracefully stop",
                                                 "Stopped worker-1"]
    assert stubborn.inner.exitcode == -signal.SIGKILL


def test_default_server_is_named_in_the_log(tmp_path, folder):
    path, env = folder
    port = free_port()
    proc = _serve(tmp_path, path, env, port)
    try:
        proc.wait_answering(f"http://127.0.0.1:{port}/ping")
        out = proc.output()
        assert f"with {DEFAULT_SERVER} (2 workers x {serving.DEFAULT_THREADS} threads)" in out
        assert f"on http://127.0.0.1:{port}" in out
    finally:
        proc.kill()


@pytest.mark.parametrize("server", SERVERS)
def test_a_spec_error_stops_start_up_with_its_message(tmp_path, server):
    path = tmp_path / "broken"
    env = write_service(path)
    spec = (path / "apis" / "testsvc.yaml").read_text().replace("testsvc_handlers.do_hello", "testsvc_handlers.nope", 1)
    (path / "apis" / "testsvc.yaml").write_text(spec)
    proc = _serve(tmp_path, path, env, free_port(), server=server)
    try:
        code = proc.wait_exit(90)
        out = proc.output()
        assert code != 0
        assert "PyMacaron could not start:" in out
        assert "apis/testsvc.yaml line" in out and "'nope'" in out
        assert "Traceback" not in out
    finally:
        proc.kill()


# -- the command, without starting anything ---------------------------------------------------


@pytest.fixture
def no_serving_env(monkeypatch):
    for var in ("PORT", "PYM_SERVER_PORT", "PYM_HOST", "PYM_WORKERS", "WEB_CONCURRENCY", "PYM_THREADS",
                "PYM_SERVER", "PYM_CONFIG", "PYM_ENV"):
        monkeypatch.delenv(var, raising=False)


def test_command_defaults(folder, no_serving_env):
    path, _ = folder
    cmd = production_command(path)
    assert cmd.server == DEFAULT_SERVER
    assert (cmd.host, cmd.port) == ("127.0.0.1", 8080)
    assert cmd.workers == max(2, serving.cpu_count()) and cmd.workers >= 2
    assert cmd.threads == serving.DEFAULT_THREADS
    assert cmd.cwd == str(path)
    assert cmd.env["PYM_WSGI_APP"] == "server:app"
    assert cmd.env["PYM_CONFIG"] == str(path)
    assert cmd.env["PYTHONPATH"].split(os.pathsep)[0] == str(path)
    assert cmd.argv[0] == sys.executable
    assert cmd.argv[-2:] == ["--factory", "pymacaron.serving:load_front"]
    assert "--respawn-failed-workers" in cmd.argv and cmd.argv[cmd.argv.index("--interface") + 1] == "rsgi"
    assert cmd.env["PYM_THREADS"] == str(serving.DEFAULT_THREADS)


def test_command_settings_from_arguments_env_and_config(folder, no_serving_env, monkeypatch):
    path, _ = folder
    (path / "pym-config.yaml").write_text((path / "pym-config.yaml").read_text() + "workers: 3\nthreads: 2\n")
    cmd = production_command(path)
    assert (cmd.workers, cmd.threads) == (3, 2)
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert production_command(path).workers == 5
    monkeypatch.setenv("PYM_WORKERS", "6")
    monkeypatch.setenv("PYM_THREADS", "8")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("PYM_HOST", "0.0.0.0")
    cmd = production_command(path)
    assert (cmd.workers, cmd.threads, cmd.port, cmd.host) == (6, 8, 9123, "0.0.0.0")
    assert cmd.url == "http://127.0.0.1:9123"
    cmd = production_command(path, host="127.0.0.2", port=7000, workers=1, threads=1, server="gunicorn",
                             extra_args=["--timeout", "30"])
    assert (cmd.host, cmd.port, cmd.workers, cmd.threads, cmd.server) == ("127.0.0.2", 7000, 1, 1, "gunicorn")
    assert cmd.argv[-3:] == ["--timeout", "30", "pymacaron.serving:load_app()"]
    assert "127.0.0.2:7000" in cmd.argv


@pytest.mark.parametrize("kwargs, env, message", [
    ({"app": "server"}, {}, "expected 'module:variable'"),
    ({"app": "other:app"}, {}, "other.py not found"),
    ({"server": "waitress"}, {}, "unknown production server 'waitress' (from the server argument)"),
    ({}, {"PYM_SERVER": "uwsgi"}, "unknown production server 'uwsgi' (from $PYM_SERVER)"),
    ({"workers": 0}, {}, "workers (from the workers argument) must be at least 1, got 0"),
    ({}, {"PYM_WORKERS": "many"}, "workers (from $PYM_WORKERS) must be a whole number, got 'many'"),
    ({"threads": 2.5}, {}, "threads (from the threads argument) must be a whole number, got 2.5"),
    ({"workers": True}, {}, "workers (from the workers argument) must be a whole number, got True"),
    ({}, {"PORT": "http"}, "$PORT must be a port number, got 'http'"),
    ({"port": 70000}, {}, "the port argument must be a port number (0-65535), got 70000"),
])
def test_command_errors_say_what_to_fix(folder, no_serving_env, monkeypatch, kwargs, env, message):
    path, _ = folder
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ServingError) as e:
        production_command(path, **kwargs)
    assert message in str(e.value)


def test_command_errors_on_missing_folder_or_server_py(tmp_path, no_serving_env):
    with pytest.raises(ServingError, match="does not exist"):
        production_command(tmp_path / "nowhere")
    with pytest.raises(ServingError, match=r"server.py not found: the service folder must hold the module 'server'"):
        production_command(tmp_path)


def test_workers_config_error_names_the_file(folder, no_serving_env):
    path, _ = folder
    (path / "pym-config.yaml").write_text((path / "pym-config.yaml").read_text() + "workers: lots\n")
    with pytest.raises(ServingError) as e:
        production_command(path)
    assert f"workers (from 'workers' in {path / 'pym-config.yaml'}) must be a whole number" in str(e.value)


def test_main_reports_errors_without_traceback(tmp_path, capsys, no_serving_env):
    assert serving.main([str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("PyMacaron could not start:\n") and "does not exist" in err


# -- load_app, in process ---------------------------------------------------------------------


@pytest.fixture
def in_folder(folder, monkeypatch):
    path, env = folder
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(path)
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.setenv("PYM_CONFIG", str(path))
    saved = sys.modules.pop("server", None)
    yield path
    sys.modules.pop("server", None)
    if saved is not None:
        sys.modules["server"] = saved


def test_load_app_imports_the_named_app(in_folder, monkeypatch, capsys):
    """gunicorn gets the app inside a Guard, granian behind a Front: both with the request limits."""
    from pymacaron.front import Front
    from pymacaron.guard import Guard

    monkeypatch.setenv("PYM_WSGI_APP", "server:app")
    guard = load_app()
    assert isinstance(guard, Guard) and guard.app.test_client().get("/ping").json == {}
    front = serving.load_front()
    assert isinstance(front, Front) and front.app is guard.app and front.limits.threads == serving.DEFAULT_THREADS
    monkeypatch.setenv("PYM_WSGI_APP", "server:application")
    with pytest.raises(SystemExit) as e:
        load_app()
    assert e.value.code == 3
    assert "server.py defines no WSGI app named 'application'" in capsys.readouterr().err


def test_load_app_missing_module(in_folder, monkeypatch, capsys):
    monkeypatch.setenv("PYM_WSGI_APP", "no_such_module:app")
    with pytest.raises(SystemExit) as e:
        load_app()
    assert e.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("PyMacaron could not start:\n") and "must hold no_such_module.py" in err

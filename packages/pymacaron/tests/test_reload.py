"""Hot reload: files edited under a running ``pymacaron run --reload`` / ``python server.py --reload``.

Real subprocesses, real HTTP on a free port, every wait bounded.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests
from cli_testing import clean_env, free_port, script

from pymacaron.cli.new import render_service, write_service
from pymacaron.reload import is_watched

WAIT = 90.0  # a loaded 2-core machine may take this long to restart Python and Celery


def service_env():
    env = clean_env()
    for key in [k for k in env if k.startswith("PYTEST_")]:
        del env[key]
    return env


class Running:
    """A reloader subprocess with its output in a file."""

    def __init__(self, command, cwd):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(command, cwd=str(cwd), env=service_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def wait_for(self, check, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except requests.RequestException:
                pass
            assert self.proc.poll() is None, f"the reloader exited while waiting for {what}:\n{self.output()}"
            time.sleep(0.2)
        raise AssertionError(f"no {what} within {WAIT:g} s:\n{self.output()[-4000:]}")

    def started_since(self, marker):
        """True once the output after the last ``marker`` shows a server started (the old one may answer
        until then)."""
        out = self.output()
        at = out.rfind(marker)
        return at >= 0 and "Serving on http" in out[at:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def get(port, path):
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def new_service(folder, **options):
    write_service(str(folder), render_service("reloaded", "reloaded", **options))
    return folder


def test_run_reload_restarts_on_code_spec_and_config_changes(tmp_path):
    folder = new_service(tmp_path / "reloaded")
    port = free_port()
    server = Running([script("pymacaron"), "run", "--reload", "--port", str(port)], folder)
    try:
        server.wait_for(lambda: get(port, "/hello").json() == {"message": "Hello world!"}, "first answer")

        api = folder / "reloaded" / "api.py"
        api.write_text(api.read_text().replace('f"Hello {name', 'f"Hi {name'))
        server.wait_for(lambda: get(port, "/hello").json() == {"message": "Hi world!"}, "the edited handler")

        spec = folder / "apis" / "reloaded.yaml"
        good = spec.read_text()
        spec.write_text(good.replace("x-bind-server: reloaded.api.say_hello", "x-bind-server: reloaded.api.nowhere"))
        server.wait_for(lambda: "the service stopped (exit status 1)" in server.output(), "the spec error")
        out = server.output()
        assert "PyMacaron could not start" in out and "reloaded.api.nowhere" in out
        assert server.proc.poll() is None  # the reloader waits for a fix

        spec.write_text(good.replace("summary: Say hello.", "summary: Say hi."))
        server.wait_for(lambda: get(port, "/hello").status_code == 200, "recovery once the spec is fixed")

        config = folder / "pym-config.yaml"
        config.write_text(config.read_text().replace("name: reloaded", "name: renamed"))
        server.wait_for(lambda: server.started_since("pym-config.yaml changed: restarting"), "the config change")
        server.wait_for(lambda: get(port, "/ping").status_code == 200, "the restart after the config change")
    finally:
        server.stop()
    assert server.proc.returncode == 128 + signal.SIGTERM
    with pytest.raises(requests.ConnectionError):
        get(port, "/ping")  # the service stopped with the reloader


def test_server_py_reload_restarts_the_async_worker(tmp_path):
    """After tasks.py changes, a task runs the new code: the worker restarted with the server."""
    folder = new_service(tmp_path / "reloaded", with_async=True)
    port = free_port()
    server = Running([sys.executable, "server.py", "--reload", "--port", str(port)], folder)
    stored = folder / ".pym" / "greetings.txt"
    try:
        # python server.py answers once the request's tasks ran (development mode)
        server.wait_for(lambda: get(port, "/ping").status_code == 200, "the server")
        assert requests.post(f"http://127.0.0.1:{port}/greetings", json={"text": "one"}, timeout=WAIT).status_code == 200
        server.wait_for(lambda: stored.is_file() and stored.read_text() == "one\n", "the first task")

        tasks = folder / "reloaded" / "tasks.py"
        tasks.write_text(tasks.read_text().replace('f.write(text + "\\n")', 'f.write(text + "!\\n")'))
        server.wait_for(lambda: server.started_since("tasks.py changed: restarting"), "the restart")
        server.wait_for(lambda: get(port, "/ping").status_code == 200, "the restarted server")
        assert requests.post(f"http://127.0.0.1:{port}/greetings", json={"text": "two"}, timeout=WAIT).status_code == 200
        server.wait_for(lambda: stored.read_text() == "one\ntwo!\n", "the task's new code")
    finally:
        server.stop()


@pytest.mark.parametrize("path, watched", [
    ("server.py", True), ("pkg/api.py", True), ("apis/x.yaml", True), ("apis/x.json", True),
    ("pym-config.yaml", True), ("pym-config.staging.yaml", True), ("README.md", False), ("notes.yaml", False),
    (".pym/celery/x.py", False), ("pkg/__pycache__/api.cpython-312.pyc", False), (".venv/lib/site.py", False),
])
def test_what_is_watched(tmp_path, path, watched):
    assert is_watched(str(tmp_path), str(tmp_path / path)) is watched


def test_reload_is_for_the_development_server(tmp_path, capsys):
    from pymacaron.cli import main

    (tmp_path / "server.py").write_text("")
    with pytest.raises(SystemExit) as e:
        main(["run", "--reload", "--production", "--path", str(tmp_path)])
    assert e.value.code == 2
    assert "--reload is for the development server" in capsys.readouterr().err

"""Helpers for tests/test_seed_compat.py: fixture copies, real servers, bounded waits.

- :func:`copy_fixture` copies ``tests/fixtures/<name>`` to a tmp folder, writing ports in place of
  the ``@NAME@`` markers of its specs;
- :class:`ServiceProcess` runs ``python <script> --port <port>`` in a folder (output in a file),
  waits (bounded) until ``/ping`` answers and stops it (SIGTERM, then SIGKILL);
- :func:`serve` serves a WSGI app on 127.0.0.1 (random port) in a thread;
- :func:`reset_state` forgets every loaded API, the config, the error reporter and the imported
  fixture modules, so in-process tests do not depend on their order.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from flask import Flask
from pymacaron_unit import LiveServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
JWT_SECRET = "seed-compat-test-secret-0123456789abcdef"  # a test value, protects nothing
START_TIMEOUT = 90.0  # seconds: importing the stack is slow on a loaded CI machine
STOP_TIMEOUT = 15.0
WAIT_TIMEOUT = 30.0
# names the in-process fixtures import from their folders (forgotten between tests)
FIXTURE_MODULES = ("myserver", "pym", "seed_async_handlers")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_fixture(name: str, dest: Path, **markers) -> Path:
    """Copy tests/fixtures/<name> to ``dest``; in its .yaml files, ``@KEY@`` becomes ``markers[KEY]``."""
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("__pycache__", "conftest.py"))
    for path in dest.rglob("*.yaml"):
        text = path.read_text()
        for key, value in markers.items():
            text = text.replace(f"@{key}@", str(value))
        path.write_text(text)
    return dest


def wait_until(predicate, timeout=WAIT_TIMEOUT, what="the condition", interval=0.05):
    """Poll ``predicate()`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def service_env(**overrides) -> dict:
    """Our environment, minus what would redirect a service, plus ``overrides`` (None removes)."""
    env = dict(os.environ)
    for var in ("PYM_ENV", "PYM_CONFIG", "PORT", "PYM_SERVER_PORT", "PYM_JWT_SECRET", "NO_ERROR_REPORTING",
                "PYM_JWT_TOKEN", "PYM_SERVER_HOST"):
        env.pop(var, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


class ServiceProcess:
    """``python <script> --port <port>`` in ``folder``, as a user starts a service."""

    def __init__(self, folder: Path, script="server.py", port=None, **env):
        self.folder = Path(folder)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.folder / f"{Path(script).stem}.{self.port}.log"
        self.command = [sys.executable, script, "--port", str(self.port)]
        self.env = service_env(**env)
        self.proc = None
        self._log = None

    def launch(self) -> ServiceProcess:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command, cwd=self.folder, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=self.env, start_new_session=True)
        return self

    def wait_ready(self, timeout=START_TIMEOUT) -> ServiceProcess:
        def answers():
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.command} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                return requests.get(self.url + "/ping", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(answers, timeout, f"{' '.join(self.command)} to answer /ping", interval=0.1)
        return self

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT)
        if self._log is not None:
            self._log.close()
            self._log = None

    def get(self, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        return requests.get(self.url + path, **kwargs)

    def post(self, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        return requests.post(self.url + path, **kwargs)


def run_python(args, cwd, timeout=120, **env) -> subprocess.CompletedProcess:
    """``python <args>`` in ``cwd`` (bounded), output captured as text."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=service_env(**env), capture_output=True,
                          text=True, timeout=timeout)


def run_command(args, cwd, timeout=120, **env) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=service_env(**env), capture_output=True, text=True,
                          timeout=timeout)


@contextmanager
def serve(app):
    """Serve a WSGI app on 127.0.0.1 (random port) in a thread; yields the port."""
    with LiveServer(app) as server:
        yield server.port


def forget_fixture_modules():
    for name in list(sys.modules):
        if name.split(".")[0] in FIXTURE_MODULES:
            del sys.modules[name]
    importlib.invalidate_caches()


def reset_state():
    """No API, no config, the default reporter, reports sent at once, no fixture module loaded."""
    from pymacaron_core import ApiPool

    from pymacaron.config import reset_config
    from pymacaron.crash import set_error_reporter

    ApiPool.reset()
    reset_config()
    set_error_reporter(None)
    forget_fixture_modules()


class Services:
    """``python server.py`` (the template, verbatim) and ``python reporting_server.py`` (the template
    with the error_reporter and error_decorator recipes), both in one copy of seed_myservice."""

    def __init__(self, folder):
        self.folder = folder
        port = free_port()
        copy_fixture("seed_myservice", folder, USER_PORT=port)
        self.plain = ServiceProcess(folder, "server.py", port=port, PYM_JWT_SECRET=JWT_SECRET)
        self.reporting = ServiceProcess(folder, "reporting_server.py", PYM_JWT_SECRET=JWT_SECRET)

    def reports(self, via="email"):
        """What my_crash_reporter sent (reports.jsonl, one line per send_email/tell_slack)."""
        path = self.folder / "reports.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [r for r in map(json.loads, lines) if r["via"] == via]

    def wait_report(self, text, count=1):
        """The reports whose title contains ``text``, once there are ``count`` of them."""
        return wait_until(lambda: (lambda found: found if len(found) >= count else None)(
            [r for r in self.reports() if text in r["title"]]), what=f"{count} report(s) titled ...{text}...")


class CoreServers:
    """One Flask app per API of seed_core, each served on its own port (written into its spec)."""

    NAMES = ("public", "login", "user", "example")

    def __init__(self, stack, tmp_path, monkeypatch):
        self.apps = {name: Flask(name) for name in self.NAMES}
        self.ports = {name: stack.enter_context(serve(app)) for name, app in self.apps.items()}
        self.folder = copy_fixture("seed_core", tmp_path / "core",
                                   **{f"{n.upper()}_PORT": p for n, p in self.ports.items()})
        monkeypatch.chdir(self.folder)
        monkeypatch.syspath_prepend(str(self.folder))

    def url(self, name, path):
        return f"http://127.0.0.1:{self.ports[name]}{path}"

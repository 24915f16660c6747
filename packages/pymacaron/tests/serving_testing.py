"""Helpers for the production-server tests: a service folder on disk, a server
process started in its own process group, bounded waits, and a stop that always
leaves nothing behind."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

from pym_testing import DEFAULT_CONFIG, DEFAULT_HANDLERS, DEFAULT_SPEC, JWT_SECRET

START_TIMEOUT_S = 90  # workers import the whole stack; CI machines are slow and busy
STOP_TIMEOUT_S = 40  # the servers give requests 30 s to finish on SIGTERM

SERVER_PY = """\
import os

from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    here = os.path.dirname(os.path.realpath(__file__))
    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(here, "apis"))
    api.start(serve="testsvc")


letsgo(__name__, callback=start)
"""


def write_service(folder, spec=DEFAULT_SPEC, handlers=DEFAULT_HANDLERS, config=DEFAULT_CONFIG):
    """A service folder as the tutorial lays it out: server.py, apis/testsvc.yaml, a handlers module,
    pym-config.yaml. -> the environment variables it needs."""
    (folder / "apis").mkdir(parents=True, exist_ok=True)
    (folder / "apis" / "testsvc.yaml").write_text(textwrap.dedent(spec).replace("HANDLERS", "testsvc_handlers"))
    (folder / "testsvc_handlers.py").write_text(textwrap.dedent(handlers))
    (folder / "server.py").write_text(SERVER_PY)
    if config is not None:
        (folder / "pym-config.yaml").write_text(textwrap.dedent(config))
    return {"PYM_TEST_JWT_SECRET": JWT_SECRET}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra):
    """os.environ without the settings that would change what the servers do, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PORT", "PYM_SERVER_PORT", "PYM_HOST", "PYM_WORKERS", "WEB_CONCURRENCY", "PYM_THREADS",
                        "PYM_SERVER", "PYM_CONFIG", "PYM_ENV", "PYM_WSGI_APP")}
    env.update(extra)
    return env


class ServerProcess:
    """A server command run in its own session (process group), output in ``log_path``."""

    def __init__(self, argv, cwd, env, log_path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=str(cwd), env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.pgid = self.proc.pid

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_answering(self, url, timeout=START_TIMEOUT_S):
        """-> (status, json) of the first answer of GET url; fails if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                return get_json(url)
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{url} did not answer within {timeout}s:\n{self.output()}")

    def wait_output(self, *texts, timeout=START_TIMEOUT_S):
        """Wait until the output holds every one of ``texts`` (e.g. each worker's start line)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            if all(t in out for t in texts):
                return out
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"expected {texts} in the output within {timeout}s:\n{self.output()}")

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server still runs {timeout}s later:\n{self.output()}") from None

    def group_alive(self):
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover (a zombie of another user cannot be ours)
            return True
        return True

    def wait_group_gone(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        return not self.group_alive()

    def kill(self):
        """Always called: nothing of the group survives the test."""
        if self.group_alive():
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait(10)
        self._log.close()


def get_json(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def serving_argv(folder, port, server=None, workers=2):
    """``python -m pymacaron.serving``: what run_production does, as its own process."""
    argv = [sys.executable, "-m", "pymacaron.serving", str(folder), "--port", str(port), "--workers", str(workers)]
    if server:
        argv += ["--server", server]
    return argv

"""Helpers for pymacaron-unit's tests: real servers on 127.0.0.1, service folders, runner jobs.

- ``ServerThread``: a WSGI app served by werkzeug in a thread, on a free port (optionally TLS).
- ``mini_app()``: a small Flask app answering every kind of response the assertions check.
- ``write_service(folder, ...)``: a service folder (server.py, testaccept/, pym-config.yaml...).
- ``RunnerJob``: ``python -m pymacaron_unit <args>`` started now, its result collected later
  (bounded), so that slow independent runs overlap.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, request
from pymacaron_unit import LiveServer

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
JOB_TIMEOUT = 400.0
STOP_TIMEOUT = 15.0
GOOD_TOKEN = "good-token"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ServerThread = LiveServer  # serve ``app`` on 127.0.0.1:<free port> in a daemon thread until ``stop()``


def mini_app():
    """The endpoints the assertion tests call. ``app.hits`` counts calls per key (``/slow``, ``/count``)."""
    app = Flask("mini")
    app.hits = {}

    def count(key):
        app.hits[key] = app.hits.get(key, 0) + 1
        return app.hits[key]

    @app.route("/json", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def json_echo():
        return jsonify(method=request.method, content_type=request.content_type, body=request.get_data(as_text=True),
                       authorization=request.headers.get("Authorization"), a=1, b="x")

    @app.route("/ok", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def ok():
        return jsonify({})

    @app.route("/list")
    def a_list():
        return jsonify([1, 2])

    @app.route("/error/<int:status>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def error(status):
        return jsonify(status=status, error="SOME_ERROR", error_description="it went wrong"), status

    @app.route("/notjson")
    def notjson():
        return Response("this is not json", mimetype="text/plain")

    @app.route("/html", methods=["GET", "POST"])
    def html():
        return Response("<html><body>hi</body></html>", content_type="text/html; charset=utf-8")

    @app.route("/text", methods=["GET", "POST"])
    def text():
        return Response("plain hi", content_type="text/plain; charset=utf-8")

    @app.route("/redirect", methods=["GET", "POST"])
    def to_json():
        return redirect("/json", code=302)

    @app.route("/slow/<key>")
    def slow(key):
        # the first 2 calls of each key take 2 s, then it answers at once: a client with a short
        # read timeout succeeds on its 3rd attempt (retries of ReadTimeout on GET)
        if count(key) <= 2:
            time.sleep(2)
        return jsonify(attempt=app.hits[key])

    @app.route("/slowpost/<key>", methods=["POST"])
    def slowpost(key):
        count(key)
        time.sleep(2)
        return jsonify({})

    @app.route("/count/<key>")
    def count_view(key):
        return jsonify(count=count(key))

    @app.route("/ping")
    def ping():
        return jsonify({})

    @app.route("/version")
    def version():
        return jsonify(name="mini", version="1.0", container="local", pym_env="")

    @app.route("/auth/version")
    def auth_version():
        header = request.headers.get("Authorization")
        if not header:
            return jsonify(status=401, error="AUTHORIZATION_HEADER_MISSING", error_description="no header"), 401
        parts = header.split(" ")
        if len(parts) != 2 or parts[0] != "Bearer" or parts[1] != GOOD_TOKEN:
            return jsonify(status=401, error="TOKEN_INVALID", error_description="bad token"), 401
        return jsonify(name="mini", version="1.0", container="local", pym_env="")

    return app


# --------------------------------------------------------------------------------------------
# Service folders
# --------------------------------------------------------------------------------------------

FLASK_SERVER = """\
import argparse
import os

from flask import Flask, jsonify

app = Flask(__name__)
HITS = {"n": 0}


@app.route("/ping")
def ping():
    return jsonify({})


@app.route("/hello")
def hello():
    HITS["n"] += 1
    return jsonify(message="hello", pid=os.getpid(), hits=HITS["n"])


@app.route("/env")
def env():
    return jsonify(PYM_ENV=os.environ.get("PYM_ENV"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    app.run(host="127.0.0.1", port=args.port)
"""


def write_service(folder: Path, tests: dict | None = None, server: str | None = FLASK_SERVER,
                  files: dict | None = None) -> Path:
    """A service folder: server.py (a small Flask app by default), testaccept/<name> for each test."""
    folder.mkdir(parents=True, exist_ok=True)
    if server is not None:
        (folder / "server.py").write_text(server)
    if tests:
        (folder / "testaccept").mkdir(exist_ok=True)
        for name, body in tests.items():
            (folder / "testaccept" / name).write_text(textwrap.dedent(body))
    for name, body in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return folder


def clean_env(**overrides) -> dict:
    """Our environment without any target or token, plus ``overrides`` (None removes a variable)."""
    env = dict(os.environ)
    for var in ("PYM_SERVER_HOST", "PYM_SERVER_PORT", "PYM_JWT_TOKEN", "PYM_ENV", "PYM_CONFIG", "NO_SSL_CHECK",
                "PORT", "PYTEST_ADDOPTS"):
        env.pop(var, None)
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def console_script(name: str) -> str:
    """The path of an installed console script of this interpreter (pymtest, run_acceptance_tests...)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}: pip install -e packages/pymacaron-unit"
    return str(path)


class RunnerJob:
    """``python -m pymacaron_unit <args>`` (= pymtest) in its own process group, collected later.
    ``command`` replaces ``python -m pymacaron_unit`` (e.g. a console script)."""

    def __init__(self, args, cwd, env=None, command=None):
        self.args = [*(command or [sys.executable, "-m", "pymacaron_unit"]), *map(str, args)]
        self.proc = subprocess.Popen(self.args, cwd=cwd, env=env if env is not None else clean_env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._result = None

    def result(self, timeout: float = JOB_TIMEOUT) -> subprocess.CompletedProcess:
        if self._result is None:
            try:
                out, err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                out, err = self.proc.communicate(timeout=STOP_TIMEOUT)
                raise AssertionError(f"{self.args} did not finish within {timeout:.0f} s:\n{out}\n{err}") from None
            self._result = subprocess.CompletedProcess(self.args, self.proc.returncode, out, err)
        return self._result

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(STOP_TIMEOUT)


def show(done: subprocess.CompletedProcess) -> str:
    """A job's result, for assertion messages."""
    return f"exit {done.returncode}\n--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"

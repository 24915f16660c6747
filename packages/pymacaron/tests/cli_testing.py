"""Helpers for the CLI tests: throw-away git repos, running the real console scripts, tiny services."""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 60

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def script(name):
    """The installed console script ``name`` (next to this interpreter first, e.g. in a nox venv)."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    found = here if os.path.isfile(here) else shutil.which(name)
    if not found:
        raise AssertionError(f"console script {name!r} is not installed: pip install -e packages/pymacaron")
    return found


def clean_env(**extra):
    """os.environ without PYM_* settings (and anything in ``extra`` set/removed: None removes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYM_") and k not in ("PORT", "PYTHONPATH")}
    env.update(GIT_ENV)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, env=clean_env(), check=True, capture_output=True, text=True,
                          timeout=TIMEOUT).stdout.strip()


def write(folder, files):
    for name, text in files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))


def git_repo(folder, files=None, commits=1):
    """``git init`` ``folder``, write ``files`` and make ``commits`` commits; -> str(folder)."""
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    git(folder, "init", "-q")
    write(folder, files or {})
    for i in range(commits):
        with open(os.path.join(folder, "CHANGES"), "a", encoding="utf-8") as f:
            f.write(f"change {i}\n")
        git(folder, "add", "-A")
        git(folder, "commit", "-q", "-m", f"commit {i}")
    return folder


def cli(name, *args, cwd, env=None, timeout=TIMEOUT):
    """Run console script ``name`` with ``args`` in ``cwd`` -> CompletedProcess (text)."""
    return subprocess.run([script(name), *args], cwd=str(cwd), env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout)


def cli_many(calls, cwd, env=None):
    """Run several ``(name, *args)`` invocations at once -> {call: CompletedProcess}."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {call: pool.submit(cli, *call, cwd=cwd, env=env) for call in calls}
        return {call: f.result() for call, f in futures.items()}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=2):
    import json

    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def wait_for(url, proc, timeout=TIMEOUT):
    """Poll ``url`` until it answers (-> its JSON); fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate(timeout=5)
            raise AssertionError(f"the server exited ({proc.returncode}) before answering:\n{out}\n{err}")
        try:
            return get_json(url)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def port_closed(port, timeout=10):
    """True once nothing accepts connections on 127.0.0.1:port (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


def stop(proc):
    """Kill ``proc`` (and its process group) if still running; collect its output."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        return proc.communicate(timeout=10)
    except (ValueError, subprocess.TimeoutExpired):
        return "", ""


SERVICE_SERVER = """\
from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    api = API(app, port=port, debug=debug)
    api.load_apis("apis")
    api.start(serve=["ping"])


letsgo(__name__, callback=start)
"""

SERVICE_CONFIG = """\
name: clisvc
live_host: clisvc.example.com
"""


def service_folder(folder, config=SERVICE_CONFIG, extra=None):
    """A runnable service (server.py, apis/, pym-config.yaml) serving only the built-in endpoints."""
    files = {"server.py": SERVICE_SERVER, "pym-config.yaml": config, "apis/README": "specs go here\n"}
    files.update(extra or {})
    write(str(folder), files)
    return str(folder)

"""Helpers for the docker and deploy tests: the ``docker`` stand-in, a local deploy target, tiny services.

- :class:`Standin` puts ``tests/docker_standin/docker`` first on PATH (a local stand-in for the
  Docker CLI, see that file) with its own state folder, and kills the containers it started.
- :func:`install_local_target` writes a test-only distribution (a ``*.dist-info`` with an entry
  point ``local`` in the group ``pymacaron.deploy_targets``) into a folder to put on the path.
- :func:`service_repo` makes a git clone of a runnable service (only the built-in endpoints).
- :func:`venv_from_context` installs a build context's wheels in a fresh virtualenv, offline.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from cli_testing import SERVICE_SERVER, clean_env, git_repo

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN_DIR = os.path.join(HERE, "docker_standin")
PIP_TIMEOUT = 600


class Standin:
    """The docker stand-in's environment and state (``env()`` for subprocesses)."""

    def __init__(self, state):
        self.state = str(state)
        os.makedirs(self.state, exist_ok=True)

    def env(self, base=None, **extra):
        env = dict(clean_env() if base is None else base)
        env["PATH"] = STANDIN_DIR + os.pathsep + os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env["DOCKER_STANDIN_STATE"] = self.state
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def _load(self, name, default):
        path = os.path.join(self.state, name)
        if not os.path.exists(path):
            return default
        with open(path) as f:
            return json.load(f)

    def calls(self):
        path = os.path.join(self.state, "calls.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]

    def tags(self):
        return self._load("tags.json", {})

    def pushed(self):
        return self._load("pushed.json", [])

    def containers(self):
        folder = os.path.join(self.state, "containers")
        out = []
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            state = self._load(os.path.join("containers", name, "state.json"), None)
            if state:
                out.append(dict(state, id=name))
        return out

    def files(self):
        """Every file the stand-in holds (images, containers), for leak checks."""
        for top, _, files in os.walk(self.state):
            if "virtenv" in top.split(os.sep) or "wheels" in top.split(os.sep):
                continue
            for f in files:
                yield os.path.join(top, f)

    def cleanup(self):
        for c in self.containers():
            try:
                os.killpg(c["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c['pid']}") and
                                                  _state(c["pid"]) not in ("Z", None) for c in self.containers()):
            time.sleep(0.05)


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def install_local_target(folder):
    """A test-only distribution providing the deploy target ``local`` -> the folder to put on the path."""
    folder = str(folder)
    dist = os.path.join(folder, "pym_local_target-1.0.dist-info")
    os.makedirs(dist, exist_ok=True)
    shutil.copy(os.path.join(HERE, "local_deploy_target.py"), os.path.join(folder, "pym_local_target.py"))
    with open(os.path.join(dist, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: pym-local-target\nVersion: 1.0\n")
    with open(os.path.join(dist, "entry_points.txt"), "w") as f:
        f.write("[pymacaron.deploy_targets]\nlocal = pym_local_target:LocalTarget\n")
    return folder


def service_repo(folder, name="svc", extra_config="", files=None):
    """A git clone of a service serving the built-in endpoints, with docker_repo and deploy_target local."""
    config = f"name: {name}\nlive_host: {name}.example.com\ndocker_repo: acme\ndeploy_target: local\n{extra_config}"
    all_files = {"server.py": SERVICE_SERVER, "pym-config.yaml": config, "apis/README": "specs go here\n"}
    all_files.update(files or {})
    return git_repo(folder, all_files)


def venv_from_context(context, venv):
    """``python -m venv`` + install the context's lock from its wheels only -> the venv's python."""
    env = {k: v for k, v in clean_env().items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no configured index nor find-links: the context's wheels alone
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, env=env)
    python = os.path.join(str(venv), "bin", "python")
    # --no-compile: no .pyc written for the whole environment (the server compiles what it imports)
    done = subprocess.run([python, "-m", "pip", "install", "--no-compile", "--no-cache-dir", "--no-index", "--find-links",
                           os.path.join(str(context), "wheels"), "--require-hashes", "--requirement",
                           os.path.join(str(context), "requirements.lock")], capture_output=True, text=True,
                          timeout=PIP_TIMEOUT, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def wheel_cache(tmp_path_factory):
    """A wheel cache shared by the test runs of a user (``pytest-of-<user>`` outlives runs and is shared by
    pytest-xdist's workers: 'pymacaron docker' adds wheels to it atomically)."""
    base = tmp_path_factory.getbasetemp()
    root = next((p for p in (base, *base.parents) if p.name.startswith("pytest-of-")), base)
    path = root / "pym-wheel-cache"
    path.mkdir(exist_ok=True)
    return str(path)

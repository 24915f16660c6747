"""Helpers for tests/test_helloworld_example.py: run examples/helloworld as a real process.

``ExampleServer`` starts ``python server.py --port <free port>`` in the example's folder, with
its output in a file (so a chatty server never blocks on a full pipe), waits (bounded) until
/ping answers, and stops it (SIGTERM, then SIGKILL) afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = ROOT / "examples" / "helloworld"

START_TIMEOUT = 90.0  # seconds; importing the stack is slow on a loaded 2-core CI machine
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def example_env(**overrides) -> dict:
    """The environment of the example's processes: ours, minus anything that would redirect it."""
    env = dict(os.environ)
    for var in ("PYM_ENV", "PYM_CONFIG", "PORT", "PYM_SERVER_PORT", "PYM_JWT_SECRET", "NO_ERROR_REPORTING"):
        env.pop(var, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class ExampleServer:
    """``python server.py --port <port>`` in examples/helloworld (or ``folder``), as a subprocess."""

    def __init__(self, log_path: Path, secret: str | None = None, port: int | None = None,
                 folder: Path = EXAMPLE_DIR):
        self.folder = folder
        self.port = port or free_port()
        self.port_chosen_here = not port
        self.secret = secret or new_secret()
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "server.py", "--port", str(self.port)]
        self.proc = None
        self.killed = False
        self._log = None

    def start(self, timeout: float = START_TIMEOUT) -> ExampleServer:
        """Start it and wait for its /ping; on a port another test's server took first, start it on another."""
        for attempt in range(3):
            if self._start_once(timeout, retry=self.port_chosen_here and attempt < 2):
                return self
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.command = [sys.executable, "server.py", "--port", str(self.port)]
        raise AssertionError("unreachable")

    def _start_once(self, timeout, retry):
        from pymacaron_unit.runner.local import listens_on

        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command, cwd=self.folder, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=example_env(PYM_JWT_SECRET=self.secret), start_new_session=True)
        deadline = time.monotonic() + timeout
        taken = False  # another program answers on the port: not this server
        while True:
            if self.proc.poll() is not None:
                self.stop()
                if retry and taken:
                    return False
                raise RuntimeError(f"the example exited with {self.proc.returncode} before answering /ping:\n"
                                   + self.output())
            try:
                if requests.get(self.url + "/ping", timeout=2).status_code == 200:
                    taken = listens_on(self.proc.pid, self.port) is False
                    if not taken:
                        return True
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the example did not answer /ping within {timeout:.0f} s:\n" + self.output())
            time.sleep(0.2)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def wait_for_output(self, text: str, timeout: float = 20.0) -> str:
        """The output once it contains ``text`` (bounded wait); AssertionError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.output()
            if text in out:
                return out
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear in the example's output within {timeout:.0f} s:\n{out}")
            time.sleep(0.1)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` s; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.proc.kill()
                self.proc.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.proc.returncode


class Job:
    """A command started now, in its own process group, whose result is collected later (bounded).

    Slow independent checks (the example's unit tests, a start-up that must fail, the README
    session) run as jobs started together, so the test module waits for the slowest, not the sum.
    """

    def __init__(self, args, cwd=EXAMPLE_DIR, env=None):
        self.args = list(args)
        self.proc = subprocess.Popen(self.args, cwd=cwd, env=env if env is not None else example_env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self._result = None

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        """Wait (at most ``timeout`` s) for the job to end; AssertionError if it does not."""
        if self._result is None:
            try:
                out, err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                out, err = self.proc.communicate(timeout=STOP_TIMEOUT)
                raise AssertionError(f"{self.args} did not finish within {timeout:.0f} s:\n{out}\n{err}") from None
            self._result = subprocess.CompletedProcess(self.args, self.proc.returncode, out, err)
        return self._result

    def kill(self) -> None:
        """Kill the job's whole process group (it may have started a server)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(STOP_TIMEOUT)


def python_job(args, **env) -> Job:
    """``python <args>`` in the example's folder."""
    return Job([sys.executable, *args], env=example_env(**env))


# --------------------------------------------------------------------------------------------
# The "## Writing a service" section of the root README: its snippets, and how to run them.
# --------------------------------------------------------------------------------------------

SNIPPET_MARK = "<!-- snippet:"


def readme_section(title: str = "## Writing a service") -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(title + "\n")
    end = text.find("\n## ", start + len(title))
    return text[start:] if end < 0 else text[start:end]


def fenced_blocks(section: str) -> list[tuple[str | None, str, str]]:
    """Every fenced code block as (marker or None, language, body); the marker is the
    ``<!-- snippet: ... -->`` comment on the line just before the opening fence."""
    blocks = []
    lines = section.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            opening = i
            lang = lines[i][3:].strip()
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            prev = lines[opening - 1].strip() if opening > 0 else ""
            marker = None
            if prev.startswith(SNIPPET_MARK) and prev.endswith("-->"):
                marker = prev[len(SNIPPET_MARK):-len("-->")].strip()
            blocks.append((marker, lang, "\n".join(body) + "\n"))
        i += 1
    return blocks


def is_subtree(part, whole) -> bool:
    """True if every key/value of ``part`` is in ``whole`` (recursively; lists compare equal)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and is_subtree(v, whole[k]) for k, v in part.items())
    return part == whole


def console_steps(body: str) -> list[tuple[str, list[str]]]:
    """A console session -> [(command, expected output lines)]."""
    steps = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise ValueError(f"console snippet: output before any command: {line!r}")
    return steps


def console_script(steps, port: str, server_log: Path, root: Path = ROOT) -> str:
    """A bash script running a console session from the repository's root (or a copy of it, ``root``),
    port 8080 replaced by ``port``; each command's output follows a ``@@STEP <n>`` line. A
    ``python server.py ... &`` step runs in the background with its output in ``server_log``, and
    is killed at exit."""
    script = ["set -eu", "README_SERVER=", "trap '[ -n \"$README_SERVER\" ] && kill $README_SERVER' EXIT",
              f"cd {shlex.quote(str(root))}"]
    for i, (cmd, _) in enumerate(steps):
        script.append(f"printf '\\n@@STEP {i}\\n'")
        cmd = cmd.replace("8080", port)
        if cmd.startswith("python server.py") and cmd.endswith("&"):
            script += [f"{cmd[:-1]} > {server_log} 2>&1 &", "README_SERVER=$!"]
        else:
            script.append(cmd)
    return "\n".join(script) + "\n"


def console_job(body: str, port: str, server_log: Path) -> Job:
    steps = console_steps(body)
    env = example_env(PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    job = Job(["bash", "-c", console_script(steps, port, server_log)], cwd=ROOT, env=env)
    job.server_log = server_log
    return job


def console_outputs(stdout: str) -> list[str]:
    return re.split(r"\n@@STEP \d+\n", "\n" + stdout)[1:]

"""Requests per second over real HTTP: wrk against real servers on 127.0.0.1.

Each contender is a server process bound to 127.0.0.1 on a free port, with the
same worker count, logging off and the same JSON output. It is started, polled
until it answers (bounded), checked (GET and POST give the expected status and
the same JSON as every other contender), loaded by wrk (2 threads, keep-alive)
for a warm-up then a measured run per endpoint, and always killed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from benchapi import GET_PATH, GET_QUERY, POST_BYTES

HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT_S = 120  # the machine may be busy; start-up imports the whole stack
STOP_TIMEOUT_S = 15

POST_LUA = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = {body}
"""


class BenchError(Exception):
    """A contender could not be measured; the message says why."""


@dataclass
class Contender:
    """A server to measure: ``argv`` run in ``cwd`` with extra ``env``, answering on ``port``."""

    name: str
    argv: list
    cwd: str
    port: int
    env: dict = field(default_factory=dict)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_wrk():
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed: apt-get install -y wrk (Debian's package; .ci/run installs it)")
    return path


def _get(url, data=None, timeout=5):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"} if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Running:
    """A started contender; ``stop()`` kills its whole process group (bounded)."""

    def __init__(self, contender, log_dir):
        self.contender = contender
        self.base = f"http://127.0.0.1:{contender.port}"
        self.log_path = os.path.join(log_dir, re.sub(r"\W+", "_", contender.name) + ".log")
        self._log = open(self.log_path, "wb")
        env = dict(os.environ, **contender.env)
        self.proc = subprocess.Popen(contender.argv, cwd=contender.cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def log_tail(self, n=25):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=START_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        url = f"{self.base}{GET_PATH}?{GET_QUERY}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.contender.name} exited with {self.proc.returncode} while starting:\n"
                                 f"{self.log_tail()}")
            try:
                status, _ = _get(url, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.contender.name} did not answer {url} within {timeout}s:\n{self.log_tail()}")

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of the group (workers that ignored SIGTERM)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(STOP_TIMEOUT_S)
        self._log.close()


def check_answers(running):
    """-> (GET json, POST json); raises BenchError on a wrong status."""
    status, body = _get(f"{running.base}{GET_PATH}?{GET_QUERY}")
    if status != 200:
        raise BenchError(f"{running.contender.name}: GET answered {status}: {body[:300]!r}")
    got = json.loads(body)
    status, body = _get(f"{running.base}/items", data=POST_BYTES)
    if status != 201:
        raise BenchError(f"{running.contender.name}: POST answered {status}: {body[:300]!r}")
    return got, json.loads(body)


def group_cpu_seconds(pgid):
    """CPU seconds (user + system) used so far by process group ``pgid``: its live processes,
    plus the children they reaped (gunicorn recycles its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # after "(comm)": state ppid pgrp ... utime(11) stime(12) cutime(13) cstime(14)
        if int(fields[2]) == pgid:
            total += sum(int(x) for x in fields[11:15])
    return total / tick


@dataclass
class Load:
    """One wrk run: requests per second, and server CPU microseconds per request."""

    rps: float
    cpu_us: float


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_TOTAL = re.compile(r"(\d+) requests in")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def run_wrk(wrk, url, seconds, connections, script=None, pgid=None):
    """-> :class:`Load`; raises BenchError if any answer was not 2xx or a socket failed.

    With ``pgid``, the CPU time the server's processes used during the run is
    measured too: unlike requests/s, it hardly depends on what else the
    machine is doing.
    """
    argv = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if script:
        argv += ["-s", script]
    cpu0 = group_cpu_seconds(pgid) if pgid else 0.0
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    cpu = group_cpu_seconds(pgid) - cpu0 if pgid else 0.0
    if out.returncode != 0:
        raise BenchError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    rps = _RPS.search(out.stdout)
    if rps is None:
        raise BenchError(f"cannot read wrk's output:\n{out.stdout}")
    bad = _NON2XX.search(out.stdout)
    if bad and int(bad.group(1)):
        raise BenchError(f"{url}: {bad.group(1)} answers were not 2xx:\n{out.stdout}")
    errors = _ERRORS.search(out.stdout)
    # read errors are how wrk counts connections a server closes after each answer (no keep-alive)
    if errors and (int(errors.group(1)) or int(errors.group(3)) or int(errors.group(4))):
        raise BenchError(f"{url}: socket errors:\n{out.stdout}")
    total = int(_TOTAL.search(out.stdout).group(1))
    return Load(float(rps.group(1)), cpu / total * 1e6 if total else float("nan"))


def measure(contenders, seconds=10, warmup=3, connections=64, rounds=1, log=print):
    """-> {name: {"GET": [Load per round], "POST": [...]}}.

    Rounds are interleaved (every contender once per round) so that the noise
    of a shared machine is spread over all of them.
    """
    wrk = find_wrk()
    results = {c.name: {"GET": [], "POST": []} for c in contenders}
    reference = None
    with tempfile.TemporaryDirectory(prefix="pym-http-bench-") as tmp:
        script = os.path.join(tmp, "post.lua")
        with open(script, "w") as f:
            f.write(POST_LUA.format(body=_lua_string(POST_BYTES.decode())))
        for n in range(rounds):
            for c in contenders:
                log(f"  round {n + 1}/{rounds}: {c.name} ...")
                running = Running(c, tmp)
                try:
                    running.wait_ready()
                    answers = check_answers(running)
                    if reference is None:
                        reference = (c.name, answers)
                    elif answers != reference[1]:
                        raise BenchError(f"{c.name} answers differently from {reference[0]}:\n"
                                         f"{answers}\n!=\n{reference[1]}")
                    get_url = f"{running.base}{GET_PATH}?{GET_QUERY}"
                    post_url = f"{running.base}/items"
                    for url, method, lua in ((get_url, "GET", None), (post_url, "POST", script)):
                        run_wrk(wrk, url, warmup, connections, lua)
                        results[c.name][method].append(run_wrk(wrk, url, seconds, connections, lua,
                                                               pgid=running.proc.pid))
                except BenchError as e:
                    raise BenchError(f"{e}\n--- server log ({c.name}) ---\n{running.log_tail()}") from None
                finally:
                    running.stop()
    return results


def _lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------------------------
# The contenders
# --------------------------------------------------------------------------------------------

SERVICE_DIR = os.path.join(HERE, "benchsvc")


def pymacaron_contender(name, server, workers, threads=None, extra_args=()):
    """The bench service (benchsvc/, written like a user's) under pymacaron.serving's launcher."""
    from pymacaron.serving import production_command

    port = free_port()
    cmd = production_command(SERVICE_DIR, port=port, workers=workers, threads=threads, server=server,
                             extra_args=extra_args)
    env = {k: v for k, v in cmd.env.items() if os.environ.get(k) != v}
    return Contender(name, cmd.argv, cmd.cwd, port, env)


def fastapi_contender(workers):
    """The same API on FastAPI + uvicorn (uvloop and httptools when installed), access log off."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "benchapi.fastapi_app:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    return Contender("fastapi + uvicorn", argv, HERE, port)


def uwsgi_contender(workers, threads=1):
    """uWSGI (maintained, in maintenance mode), when installed: its own HTTP/1.1 parser with keep-alive.
    It needs a C compiler to install, so it is measured only if present (pip install uwsgi)."""
    exe = os.path.join(os.path.dirname(sys.executable), "uwsgi")  # this environment's, not another's on PATH
    if not os.access(exe, os.X_OK):
        return None
    port = free_port()
    argv = [exe, "--http11-socket", f"127.0.0.1:{port}", "--master", "--processes", str(workers),
            "--threads", str(threads), "--module", "server:app", "--disable-logging", "--die-on-term",
            "--need-app", "--lazy-apps", "--listen", "1024"]
    return Contender("pymacaron: uwsgi", argv, SERVICE_DIR, port, {"PYTHONPATH": SERVICE_DIR})


def default_contenders(workers=2):
    """-> (contenders, name of pymacaron's default server). Every pymacaron contender but uWSGI
    is launched by pymacaron.serving, with its production settings."""
    from pymacaron.serving import DEFAULT_SERVER

    found = {
        "granian": pymacaron_contender("pymacaron: granian", "granian", workers),
        "gunicorn": pymacaron_contender("pymacaron: gunicorn gthread", "gunicorn", workers),
        "gunicorn-sync": pymacaron_contender("pymacaron: gunicorn sync", "gunicorn", workers, 1,
                                             extra_args=["--worker-class", "sync"]),
        "uwsgi": uwsgi_contender(workers),
        "fastapi": fastapi_contender(workers),
    }
    default = found[DEFAULT_SERVER].name
    return [c for c in found.values() if c is not None], default


def check_spec_in_sync():
    """benchsvc/apis/bench.yaml is benchapi/bench.yaml with its own handlers and the built-in Error."""
    import yaml

    def load(path):
        with open(path) as f:
            spec = yaml.safe_load(f)
        for ops in spec["paths"].values():
            for op in ops.values():
                op.pop("x-bind-server", None)
        spec["definitions"].pop("Error", None)
        return spec

    a = os.path.join(HERE, "benchapi", "bench.yaml")
    b = os.path.join(SERVICE_DIR, "apis", "bench.yaml")
    if load(a) != load(b):
        raise BenchError(f"{b} no longer matches {a} (apart from x-bind-server and Error): update it")

"""Helpers for tests/test_attacks.py: the attack service under a real server, raw HTTP, strict JSON.

``AttackServer("production" | "development", tmp)`` runs tests/fixtures/attack_service
as the Docker image does (``python -m pymacaron.serving <folder> --workers 2``: granian)
or as a developer does (``python server.py``), on a free port, in its own process
group, its output and crash reports in ``tmp``. Every wait is bounded; :meth:`stop`
always leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parent.parent
SERVICE_DIR = ROOT / "tests" / "fixtures" / "attack_service"
JWT_SECRET = "attack-suite-secret-that-is-long-enough-for-hs256"
ISSUER, AUDIENCE = "attack.example.com", "attack-clients"  # as in the service's pym-config.yaml
START_TIMEOUT = 90.0  # the workers import the whole stack: a loaded CI machine is slow
STOP_TIMEOUT = 40.0
HANDLER_TIMEOUT = 2  # the service's pym-config.yaml
BODY_TIMEOUT = 2
MAX_BODY_SIZE = 2097152
GENERIC_500 = "The server failed to handle this request."  # the start of pymacaron.exceptions.GENERIC_500_DESCRIPTION


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AttackServer:
    """The attack service under the production or the development server."""

    def __init__(self, kind, folder, reporter_delay=0.0):
        self.kind = kind
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.reports_path = self.folder / f"{kind}-reports.jsonl"
        self.log_path = self.folder / f"{kind}.log"
        self.reporter_delay = reporter_delay
        self.proc = None
        self._log = None

    @property
    def production(self):
        return self.kind == "production"

    def launch(self):
        """Start the process (see :meth:`wait_ready`)."""
        if self.production:
            argv = [sys.executable, "-m", "pymacaron.serving", str(SERVICE_DIR), "--port", str(self.port),
                    "--workers", "2"]
        else:
            argv = [sys.executable, "server.py", "--port", str(self.port)]
        env = {k: v for k, v in os.environ.items()
               if k not in ("PORT", "PYM_SERVER_PORT", "PYM_HOST", "PYM_WORKERS", "WEB_CONCURRENCY", "PYM_THREADS",
                            "PYM_SERVER", "PYM_CONFIG", "PYM_ENV", "PYM_WSGI_APP", "NO_ERROR_REPORTING")}
        env.update(ATTACK_REPORTS=str(self.reports_path), ATTACK_JWT_SECRET=JWT_SECRET, PYTHONDONTWRITEBYTECODE="1",
                   PYTHONUNBUFFERED="1", ATTACK_REPORTER_DELAY=str(self.reporter_delay))
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=SERVICE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"the {self.kind} server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(self.url + "/ping", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the {self.kind} server did not answer /ping within {timeout:.0f} s:\n"
                                     + self.output())
            time.sleep(0.2)

    def output(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def reports(self):
        if not self.reports_path.exists():
            return []
        return [json.loads(line) for line in self.reports_path.read_text().splitlines() if line.strip()]

    def wait_report(self, text, timeout=20.0):
        """The first crash report whose title or message holds ``text`` (bounded wait)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.reports() if text in r["title"] or text in r["message"]]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no crash report mentioning {text!r} within {timeout:.0f} s: "
                                     f"{[r['title'] for r in self.reports()]}\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def worker_pids(self):
        """The pids of the production server's workers (children of granian's master)."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                    pids.append(int(entry))
        return sorted(pids)

    def terminate(self, timeout=STOP_TIMEOUT):
        """SIGTERM (as Docker and Kubernetes send) and wait for the exit -> its status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the {self.kind} server still runs {timeout:.0f} s after SIGTERM:\n"
                                 + self.output()) from None

    def stop(self):
        """Always: nothing of the process group survives."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None


def start_servers(*servers):
    """Launch every server, then wait for all: their start-ups overlap."""
    for server in servers:
        server.launch()
    try:
        for server in servers:
            server.wait_ready()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


# -- HTTP ------------------------------------------------------------------------------------


def strict_json(text):
    """JSON as RFC 8259 defines it: no NaN, no Infinity (ValueError otherwise)."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def raw_request(port, data, timeout=15.0, read_all=False):
    """Send ``data`` as is -> (status, headers, body, closed): one response, read by its Content-Length.

    ``closed``: the server closed the connection after it. ``read_all``: read until it closes.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        head = None
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                chunk = b""
            if not chunk:
                return _parse(buf) + (True,)
            buf += chunk
            if head is None and b"\r\n\r\n" in buf:
                head = buf.split(b"\r\n\r\n", 1)[0]
            if head is not None and not read_all:
                status, headers, body = _parse(buf)
                if len(body) >= int(headers.get("content-length", "0")):
                    s.settimeout(0.5)
                    try:
                        closed = s.recv(1) == b""
                    except TimeoutError:
                        closed = False
                    except ConnectionResetError:
                        closed = True
                    return status, headers, body, closed


def _parse(buf):
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        return None, {}, buf
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, body


# -- tokens ----------------------------------------------------------------------------------


def token(**overrides):
    """A token the service accepts for user 'alice' (``name=None`` drops a claim)."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 600}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, JWT_SECRET, algorithm="HS256")

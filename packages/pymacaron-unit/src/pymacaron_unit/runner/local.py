"""The local target: use the service already answering on 127.0.0.1:P, or start it for the tests.

``LocalService(folder, host, port).__enter__`` checks ``GET /ping``:
- 200: a service is there; it is used and left running;
- no connection: ``python server.py --port P`` is started in ``folder`` (own process group, output
  in a log file), waited for (bounded, until /ping answers 200 from it: another program that
  took the port first is not mistaken for it, see :func:`listens_on`), and stopped on exit
  (SIGTERM, then SIGKILL);
- anything else: something else holds the port, which is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

from pymacaron_unit._http import base_url
from pymacaron_unit.runner.errors import RunnerError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
PING_TIMEOUT = 3.0
POLL_INTERVAL = 0.2
STOP_TIMEOUT = 15.0
LOG_TAIL = 40


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on ``host`` now (the OS picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ping(url: str, timeout: float = PING_TIMEOUT) -> int | None:
    """The status of GET <url>/ping, or None when nothing answers (connection refused, timeout)."""
    try:
        return requests.get(f"{url}/ping", timeout=timeout).status_code
    except requests.RequestException:
        return None


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` or one of its descendants listens on TCP ``port``; None when this cannot be told.

    Read from Linux's /proc: the inodes of the sockets listening on the port (``/proc/net/tcp``,
    ``tcp6``), and the sockets each process holds (``/proc/<pid>/fd``). Elsewhere (no /proc), or
    when nothing there listens on the port, None.
    """
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")  # 0A: LISTEN
    if not inodes:
        return None
    for member in _process_tree(pid):
        try:
            names = os.listdir(f"/proc/{member}/fd")
        except OSError:
            continue
        for name in names:
            try:
                if os.readlink(f"/proc/{member}/fd/{name}") in inodes:
                    return True
            except OSError:
                continue
    return False


def _process_tree(pid):
    """``pid`` and its descendants (from /proc/<n>/stat's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def port_in_use(host: str, port: int) -> bool:
    """True when something accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(PING_TIMEOUT)
        return s.connect_ex((host, port)) == 0


def _die_with_parent():
    """In the service's process (Linux): get SIGTERM if the runner dies without stopping it (SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def tail(path: str, lines: int = LOG_TAIL) -> str:
    """The last ``lines`` lines of the file at ``path`` (``(no output)`` when unreadable)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read().rstrip().splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(text[-lines:]) or "(no output)"


PORT_ATTEMPTS = 3


class _PortTaken(Exception):
    """The service could not bind the port chosen for it: another program took it first."""


class LocalService:
    """Context manager -> ``self`` with ``host``, ``port``, ``started`` (True when we started it)."""

    def __init__(self, folder: str, host: str = "127.0.0.1", port: int = 8080, environ: Mapping[str, str] | None = None,
                 start_timeout: float = 60.0, debug: bool = False, out: IO[str] | None = None):
        if host not in LOCAL_HOSTS:
            raise RunnerError(f"--local tests a service on this machine, but the host is {host!r} "
                              "(from PYM_SERVER_HOST): use --host for a remote service, or unset PYM_SERVER_HOST")
        self.folder = os.path.abspath(folder)
        self.host = host
        self.port = port or free_port(host)
        self.port_chosen_here = not port  # --port 0: another free port is tried if a program takes this one
        self.environ = dict(os.environ if environ is None else environ)
        self.start_timeout = start_timeout
        self.debug = debug
        self.out = out or sys.stdout
        self.started = False
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: str | None = None
        self._failed = False
        self.other: str | None = None  # what answered /ping that was not the service started here

    @property
    def url(self) -> str:
        """``http://host:port`` of the service."""
        return base_url(self.host, self.port)

    def __enter__(self):
        status = ping(self.url)
        if status == 200:
            self._say(f"using the service already answering {self.url}/ping")
            return self
        if status is not None or port_in_use(self.host, self.port):
            what = f"answers GET /ping with {status}" if status is not None else "does not answer GET /ping"
            raise RunnerError(f"port {self.port} on {self.host} is taken by a program that {what}: it is not a "
                              "PyMacaron service. Stop it, or choose another port with --port")
        try:
            self.start()
        except BaseException:  # including Ctrl-C while waiting: never leave the service behind
            self._failed = True
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._failed = True
        self.stop()
        return False

    def command(self) -> list[str]:
        """``python server.py --port <port>``."""
        return [sys.executable, "server.py", "--port", str(self.port)]

    def start(self) -> None:
        """Start ``python server.py`` (output to a temporary log) and wait until /ping answers.

        On a port chosen here (``--port 0``) that another program takes before the service binds
        it, the service is started again on another free port (at most :data:`PORT_ATTEMPTS` times).
        """
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._start_once(retry=self.port_chosen_here and attempt < PORT_ATTEMPTS)
                return
            except _PortTaken:
                taken, self.port, self.other = self.port, free_port(self.host), None
                self._say(f"port {taken} was taken by another program as the service started: starting it "
                          f"again on port {self.port}")
                self._failed = False
                self._forget_log()

    def _start_once(self, retry):
        server_py = os.path.join(self.folder, "server.py")
        if not os.path.isfile(server_py):
            raise RunnerError(f"nothing answers {self.url}/ping, and there is no server.py in {self.folder} to start "
                              "the service: start it yourself, or run this from the service's folder (or --path DIR)")
        fd, self.log_path = tempfile.mkstemp(prefix="pymtest-server-", suffix=".log")
        env = dict(self.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env.setdefault("PYM_SHOW_ERROR_DETAILS", "1")  # a 500's cause in the tests' output (pymacaron)
        self._say(f"starting the service: {' '.join(self.command()[1:])} (in {self.folder})")
        with os.fdopen(fd, "wb") as log:
            try:
                self.proc = subprocess.Popen(self.command(), cwd=self.folder, env=env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                             preexec_fn=_die_with_parent if sys.platform == "linux" else None)
            except OSError as e:
                raise RunnerError(f"cannot start {sys.executable} server.py in {self.folder}: {e}") from None
        self.started = True
        self._wait(retry)

    def _wait(self, retry=False):
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                if retry and self.other:
                    self.proc = None
                    raise _PortTaken()
                self._failed = True
                raise RunnerError(f"the service exited with status {self.proc.returncode} before answering "
                                  f"{self.url}/ping{self._other()}. Its output:\n{tail(self.log_path)}")
            status = ping(self.url, timeout=min(PING_TIMEOUT, self.start_timeout))
            if status is not None and listens_on(self.proc.pid, self.port) is False:
                # another program took the port between its choice and the service's start: not ours
                self.other = f"GET /ping answers {status}"
            elif status == 200:
                self._say(f"the service answers {self.url}/ping")
                return
            if time.monotonic() > deadline:
                self._failed = True
                raise RunnerError(f"the service did not answer {self.url}/ping within {self.start_timeout:g} s "
                                  f"(raise --start-timeout if it is just slow){self._other()}. "
                                  f"Its output:\n{tail(self.log_path)}")
            time.sleep(POLL_INTERVAL)

    def _other(self):
        if not self.other:
            return ""
        return (f"; another program answers on port {self.port} ({self.other}): it took the port after this "
                "run chose it. Run again, or choose a port with --port")

    def stop(self) -> None:
        """Stop the service we started (its whole process group); a no-op otherwise."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            self._signal(proc, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal(proc, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT)
        self._say("stopped the service")
        self._forget_log()

    def mark_failed(self) -> None:
        """Keep the service's log after stopping (the tests failed: it may tell why)."""
        self._failed = True

    def _forget_log(self):
        if not self.log_path:
            return
        if self._failed or self.debug:
            self._say(f"the service's output is in {self.log_path}")
        else:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    @staticmethod
    def _signal(proc, signum):
        try:
            os.killpg(proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                pass

    def _say(self, text):
        print(f"pymacaron test: {text}", file=self.out, flush=True)

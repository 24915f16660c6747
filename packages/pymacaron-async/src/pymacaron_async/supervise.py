"""Keeping a worker process alive, and stopping it for sure.

:class:`Supervisor` runs a command (a worker, see :mod:`pymacaron_async.worker`)
in its own process group and restarts it when it dies: at once after a crash of
a worker that was serving, with a growing pause when it dies before being ready,
and not at all after ``max_failed_starts`` such failures in a row (its output
says why). :meth:`Supervisor.stop` sends SIGTERM (Celery's warm shutdown: the
tasks under way finish), SIGKILLs the group after ``stop_timeout`` seconds, and
only ever signals the processes it started.

``python server.py`` with ``with_async: true`` calls :func:`start_local_worker`
(from ``pymacaron.bootstrap.letsgo``), which stops the worker when the server
exits, on Ctrl-C and on SIGTERM alike; if the server is SIGKILLed, the worker
sees its parent vanish and stops by itself.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO

from pymacaron_async import devwait
from pymacaron_async.worker import PARENT_ENV, READY_ENV

log = logging.getLogger("pymacaron_async")

LOCAL_STOP_TIMEOUT = 8.0  # then SIGKILL: a dev server stops within its callers' usual 15 s
LOCAL_CONCURRENCY = 2
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


class Supervisor:
    """Run ``argv`` and restart it when it dies, until :meth:`stop`."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None,
                 name: str = "worker", stop_timeout: float = LOCAL_STOP_TIMEOUT, max_failed_starts: int = 3,
                 stdout: IO[bytes] | int | None = None, stderr: IO[bytes] | int | None = None) -> None:
        self.argv = list(argv)
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.name = name
        self.stop_timeout = float(stop_timeout)
        self.max_failed_starts = max_failed_starts
        self.stdout, self.stderr = stdout, stderr
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.failed = False  # gave up after max_failed_starts
        self.returncode: int | None = None
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._dir = tempfile.mkdtemp(prefix="pymacaron-async-")

    # -- state ----------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The pid of the current process (None before the start)."""
        proc = self.proc
        return proc.pid if proc is not None else None

    @property
    def restarts(self) -> int:
        """How many times the command was started again."""
        return max(0, self.starts - 1)

    @property
    def running(self) -> bool:
        """True while the current process runs."""
        proc = self.proc
        return proc is not None and proc.poll() is None

    def _ready_file(self, n):
        return os.path.join(self._dir, f"ready-{n}")

    def is_ready(self) -> bool:
        """True once the current run of the command said it is ready (a worker consuming tasks)."""
        return self.running and os.path.exists(self._ready_file(self.starts))

    def wait_ready(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until the command is ready -> bool."""
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if self.failed or self._stopping.is_set() or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def wait_restart(self, previous_pid: int | None, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until a process other than ``previous_pid`` is ready -> bool."""
        deadline = time.monotonic() + timeout
        while not (self.pid != previous_pid and self.is_ready()):
            if self.failed or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    # -- running --------------------------------------------------------------

    def start(self) -> Supervisor:
        """Start the command and a thread that restarts it when it exits -> self."""
        with self._lock:
            self._spawn()
        self._thread = threading.Thread(target=self._monitor, name=f"pymacaron-async-{self.name}", daemon=True)
        self._thread.start()
        return self

    def _spawn(self):
        self.starts += 1
        env = dict(self.env)
        env[READY_ENV] = self._ready_file(self.starts)
        env[PARENT_ENV] = str(os.getpid())
        self.proc = subprocess.Popen(self.argv, env=env, cwd=self.cwd, stdout=self.stdout, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.info("pymacaron-async: started the %s (pid %d)", self.name, self.proc.pid)

    def _monitor(self):
        failed_starts, backoff = 0, FIRST_BACKOFF
        while True:
            proc = self.proc
            code = proc.wait()
            if self._stopping.is_set():
                return  # stop() cleans up
            was_ready = os.path.exists(self._ready_file(self.starts))
            _kill_group(proc.pid)  # pool children left behind by a main process that died
            if was_ready:
                failed_starts, backoff = 0, FIRST_BACKOFF
                log.error("pymacaron-async: the %s (pid %d) died (exit code %s): restarting it", self.name,
                          proc.pid, code)
            else:
                failed_starts += 1
                if failed_starts >= self.max_failed_starts:
                    self.failed, self.returncode = True, code
                    log.error("pymacaron-async: the %s failed to start %d times in a row (last exit code %s): "
                              "giving up; its output above says why", self.name, failed_starts, code)
                    return
                log.error("pymacaron-async: the %s exited with code %s before it was ready: restarting it in "
                          "%.1f s", self.name, code, backoff)
                if self._stopping.wait(backoff):
                    return
                backoff = min(backoff * 2, MAX_BACKOFF)
            with self._lock:
                if self._stopping.is_set():
                    return
                self._spawn()

    def stop(self, timeout: float | None = None) -> int | None:
        """Stop the command (SIGTERM, then SIGKILL of its group after ``timeout`` s) -> its exit code."""
        timeout = self.stop_timeout if timeout is None else timeout
        with self._lock:
            if self._stopping.is_set():  # stopped already (letsgo, then atexit): never signal a reused pid
                return self.returncode
            self._stopping.set()
            proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("pymacaron-async: the %s (pid %d) did not stop within %.0f s: killing it", self.name,
                            proc.pid, timeout)
                _kill_group(proc.pid)
                proc.wait(5)
            _kill_group(proc.pid)  # what is left of the group, at once (its id cannot be reused yet)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self.returncode = proc.returncode
        _remove_tree(self._dir)
        log.info("pymacaron-async: stopped the %s (pid %d, exit code %s)", self.name, proc.pid, proc.returncode)
        return proc.returncode

    def run_forever(self) -> int:
        """Start, then supervise until SIGTERM or SIGINT (the main thread) -> exit code."""
        stop = threading.Event()
        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            self.start()
            while not stop.wait(0.5):
                if self.failed:
                    break
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self.failed else 0


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _remove_tree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# -- python server.py -----------------------------------------------------------


def _service_location():
    """(folder, module) of the script being run (server.py)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or (sys.argv[0] if sys.argv else "")
    if not main_file:
        return os.getcwd(), "server"
    main_file = os.path.abspath(main_file)
    return os.path.dirname(main_file), os.path.splitext(os.path.basename(main_file))[0]


def local_worker_command(port: int | None = None, debug: bool = False,
                         concurrency: int | None = None) -> tuple[list[str], dict[str, str], str]:
    """-> (argv, env, cwd) of the worker that ``python server.py`` starts."""
    folder, module = _service_location()
    if concurrency is None:
        from pymacaron.config import config_loaded, get_config

        configured = get_config().get("worker_count") if config_loaded() else None
        concurrency = configured or LOCAL_CONCURRENCY
    argv = [sys.executable, "-m", "pymacaron_async", "--service-dir", folder, "--module", module,
            "--concurrency", str(int(concurrency)), "--level", "debug" if debug else "info"]
    env = dict(os.environ)
    if port:
        env["PYM_CELERY_PORT"] = str(port)
        env.setdefault("PYM_SERVER_PORT", str(port))
    env["PYM_CELERY_DEBUG"] = "1" if debug else ""
    env["PYTHONUNBUFFERED"] = "1"
    env[devwait.ENV_DONE_DIR] = devwait.done_dir_for(folder)
    return argv, env, folder


def start_local_worker(port: int | None = None, debug: bool = False, concurrency: int | None = None) -> Supervisor:
    """Start and supervise the service's worker; the returned :class:`Supervisor` has ``.stop()``.

    The worker is also stopped at exit, and a SIGTERM to the server (when nobody
    else handles it) now ends the server through ``SystemExit``, which stops it too.
    """
    argv, env, folder = local_worker_command(port=port, debug=debug, concurrency=concurrency)
    devwait.enable(env[devwait.ENV_DONE_DIR])  # requests answer once their tasks have run (development)
    supervisor = Supervisor(argv, env=env, cwd=folder, name="Celery worker").start()
    atexit.register(supervisor.stop)
    _exit_on_sigterm()
    return supervisor


def _exit_on_sigterm():
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)

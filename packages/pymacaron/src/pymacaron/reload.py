"""Hot reload for development: ``pymacaron run --reload`` and ``python server.py --reload``.

The reloader runs the service (``python server.py ...``) as a child process and watches the
service's folder (watchfiles). When a Python file, a spec (``.yaml``/``.yml``/``.json`` under
``apis/``) or a pym-config file changes, it stops the child (SIGTERM, which also stops the async
worker ``python server.py`` runs, then SIGKILL after ``STOP_TIMEOUT``) and starts a new one with
the same command line, so on the same port. A child that stops by itself (a spec error, a syntax
error: its message is on the console) leaves the reloader waiting for the next change, which
starts it again. SIGINT and SIGTERM stop the child and the reloader.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

STOP_TIMEOUT = 10.0
POLL_MS = 300
DEBOUNCE_MS = 400  # changes within this window (an editor saving several files) make one restart
IGNORED_DIRS = {".git", ".pym", "__pycache__", ".mypy_cache", ".pytest_cache", ".nox", ".tox", ".venv", "venv",
                "node_modules", "build", "dist"}
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


def _say(text: str) -> None:
    sys.stderr.write(f"pymacaron reload: {text}\n")
    sys.stderr.flush()


def is_watched(folder: str, path: str) -> bool:
    """True for the files whose change restarts the service: ``*.py``, specs under ``apis/``, pym-config files."""
    rel = os.path.relpath(path, folder)
    parts = rel.split(os.sep)
    if rel.startswith("..") or any(p in IGNORED_DIRS or p.endswith(".egg-info") for p in parts[:-1]):
        return False
    name = parts[-1]
    if name.endswith(".py"):
        return True
    if name.startswith("pym-config") and name.endswith((".yaml", ".yml")):
        return True
    return "apis" in parts[:-1] and name.endswith(SPEC_SUFFIXES)


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Reloader:
    """Run ``command`` in ``folder``, restarted on each change of a watched file (see the module doc)."""

    def __init__(self, folder: str, command: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.folder = os.path.abspath(folder)
        self.command = list(command)
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc: subprocess.Popen[Any] | None = None
        self.stopping = threading.Event()
        self.signal_received: int | None = None

    def start_child(self) -> None:
        """Start the command (a failure to start is said on stderr; the next change tries again)."""
        try:
            self.proc = subprocess.Popen(self.command, cwd=self.folder, env=self.env,
                                         preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        except OSError as e:
            _say(f"cannot start {' '.join(self.command)}: {e}")
            self.proc = None

    def stop_child(self) -> None:
        """Stop the child, if running: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _say(f"the service did not stop within {STOP_TIMEOUT:g} s of SIGTERM: killing it")
            proc.kill()
            proc.wait()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signal_received = signum
        self.stopping.set()

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM -> exit status (0 after Ctrl-C, 128+N after signal N)."""
        try:
            from watchfiles import watch
        except ImportError:
            _say("--reload needs watchfiles: pip install watchfiles")
            return 1
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        _say(f"watching {self.folder} (*.py, apis/, pym-config): the service restarts when they change")
        self.start_child()
        waiting = False
        try:
            for changes in watch(self.folder, watch_filter=lambda change, path: is_watched(self.folder, path),
                                 stop_event=self.stopping, yield_on_timeout=True, rust_timeout=POLL_MS, debounce=DEBOUNCE_MS,
                                 raise_interrupt=False):
                if self.stopping.is_set():
                    break
                if changes:
                    names = sorted({os.path.relpath(path, self.folder) for _, path in changes})
                    _say(f"{', '.join(names[:5])}{' ...' if len(names) > 5 else ''} changed: restarting")
                    self.stop_child()
                    self.start_child()
                    waiting = False
                elif not waiting and (self.proc is None or self.proc.poll() is not None):
                    code = None if self.proc is None else self.proc.returncode
                    _say(f"the service stopped{'' if code is None else f' (exit status {code})'}: fix what it "
                         "says above; it restarts when a file changes")
                    waiting = True
        finally:
            self.stop_child()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if self.signal_received in (None, signal.SIGINT):
            return 0
        return 128 + self.signal_received


def serve_reloading(folder: str, command: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    """Run ``command`` (the development server) in ``folder`` with hot reload -> exit status."""
    return Reloader(folder, command, env=env).run()

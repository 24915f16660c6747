"""The image's start command: ``python -m pymacaron.docker.entrypoint [FOLDER]``.

In the service's folder (``/pym`` in the image; default: the current folder) it runs the
production server (:func:`pymacaron.serving.run_production`, on ``$PYM_HOST:$PORT``). When
pym-config.yaml sets ``with_async``, a Celery worker (``pymacaron worker``, from
pymacaron-async) runs beside it: both are children of this process, which passes SIGTERM and
SIGINT on to them, and when either one stops, stops the other and exits with its status (so the
platform restarts the container). Without ``with_async`` the server replaces this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

STOP_TIMEOUT = 30.0  # seconds for the other child to stop, then SIGKILL
POLL_INTERVAL = 0.2


def _say(text: str) -> None:
    sys.stderr.write(f"pymacaron.docker.entrypoint: {text}\n")
    sys.stderr.flush()


def with_async(folder: str) -> bool:
    """``with_async`` of the folder's pym-config (``pym-config.$PYM_ENV.yaml`` first), read raw."""
    import yaml

    env = os.environ.get("PYM_ENV")
    names = ([f"pym-config.{env}.yaml"] if env else []) + ["pym-config.yaml"]
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
            return bool(isinstance(data, dict) and data.get("with_async"))
    return False


def worker_command(folder: str) -> list[str]:
    """The command of the Celery worker of the service in ``folder`` (``pymacaron worker``, pymacaron-async)."""
    return [sys.executable, "-m", "pymacaron", "worker", "--service-dir", folder]


def _stop(proc: subprocess.Popen[Any], timeout: float = STOP_TIMEOUT) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def run_with_worker(folder: str) -> int:
    """Run the server and the worker until one stops -> the exit status."""
    from pymacaron.serving import launch_production

    cmd, web = launch_production(folder)
    children: dict[str, subprocess.Popen[Any]] = {"server": web}
    try:
        children["worker"] = subprocess.Popen(worker_command(folder), cwd=folder)
    except BaseException:
        _stop(web)
        raise
    _say(f"serving on {cmd.url} with {cmd.server}, and a Celery worker (pids {web.pid}, {children['worker'].pid})")
    stopping: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    while all(proc.poll() is None for proc in children.values()):
        time.sleep(POLL_INTERVAL)
    first = next(name for name, proc in children.items() if proc.poll() is not None)
    if not stopping:
        _say(f"the {first} stopped (status {children[first].returncode}): stopping the other process")
    for proc in children.values():
        _stop(proc)
    code = children[first].returncode
    return 128 - code if code < 0 else code


def main(argv: Sequence[str] | None = None) -> int:
    """Start the service of the folder ``argv[0]`` (default: the current one); its exit status, 1 when it cannot."""
    argv = sys.argv[1:] if argv is None else list(argv)
    folder = os.path.abspath(argv[0] if argv else os.getcwd())
    from pymacaron.serving import ServingError, run_production

    try:
        if with_async(folder):
            return run_with_worker(folder)
        run_production(folder)
    except ServingError as e:
        sys.stderr.write(f"PyMacaron could not start:\n{e}\n")
        return 1
    return 0  # pragma: no cover (run_production replaces this process)


if __name__ == "__main__":
    sys.exit(main())

"""``pymacaron worker`` / ``pymasync``: the production worker command, its options and its errors."""

import os
import signal
import subprocess
import sys

import pytest
from async_testing import (
    STOP_TIMEOUT,
    WORKER_READY_TIMEOUT,
    descendants,
    load_in_process,
    process_alive,
    service_env,
    wait_for,
    write_service,
)

from pymacaron_async.cli import pymasync

PYMASYNC = [sys.executable, "-c", "import sys; from pymacaron_async.cli import pymasync; sys.exit(pymasync())"]


def test_the_worker_command_is_a_pymacaron_plugin():
    from pymacaron.cli import build_parser

    parser = build_parser()
    assert "worker" in parser.pym_subparsers.choices
    help_text = parser.pym_subparsers.choices["worker"].format_help()
    for option in ("--concurrency", "--maxmem", "--keep-alive", "--no-keep-alive", "--level", "--service-dir"):
        assert option in help_text


def test_pymasync_is_the_same_command(capsys):
    with pytest.raises(SystemExit) as e:
        pymasync(["--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("usage: pymasync [-h] [--service-dir SERVICE_DIR]")


@pytest.mark.parametrize("args, message", [
    ([], "server.py not found: run 'pymacaron worker' in the service's folder, or pass --service-dir"),
    (["--concurrency", "0"], "--concurrency must be a positive number, got 0"),
    (["--stop-timeout", "0"], "--stop-timeout must be a number of seconds > 0"),
])
def test_bad_usage_says_what_to_fix(tmp_path, capsys, args, message):
    if args:
        write_service(tmp_path)
    assert pymasync(["--service-dir", str(tmp_path), *args]) == 1
    assert message in capsys.readouterr().err


def test_a_bad_worker_count_in_the_config_is_named(tmp_path, capsys):
    write_service(tmp_path, extra_config="worker_count: many\n")
    assert pymasync(["--service-dir", str(tmp_path)]) == 1
    assert "worker_count (pym-config.yaml) must be a positive integer, got 'many'" in capsys.readouterr().err


def test_pymasync_runs_a_supervised_worker_until_sigterm(tmp_path, monkeypatch):
    service = write_service(tmp_path)
    log_path = tmp_path / "pymasync.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([*PYMASYNC, "--service-dir", str(tmp_path), "--concurrency", "1"], cwd=tmp_path,
                                env=service_env(service), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output = lambda: log_path.read_text(errors="replace")  # noqa: E731
        wait_for(lambda: " ready." in output() or proc.poll() is not None, WORKER_READY_TIMEOUT,
                 "pymasync's worker to be ready")
        assert proc.poll() is None, output()
        load_in_process(service, monkeypatch)
        __import__(service.tasks_module).record("cli", 1)
        seen = service.result("cli")
        processes = descendants(proc.pid)
        assert seen["pid"] in processes
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, output()
        wait_for(lambda: not any(process_alive(p) for p in processes), 5, "the worker to be gone")
        assert "stopped the Celery worker" in output()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(STOP_TIMEOUT)

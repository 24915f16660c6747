"""Worker processes are restarted when they crash, stopped for sure, and tied to ``python server.py``."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import requests
from async_testing import (
    STOP_TIMEOUT,
    WORKER_READY_TIMEOUT,
    descendants,
    free_port,
    load_in_process,
    process_alive,
    service_env,
    start_worker,
    stop_worker,
    wait_for,
    write_service,
)

from pymacaron_async.supervise import Supervisor
from pymacaron_async.worker import READY_ENV


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    """One supervised worker (embedded broker), shared by the tests below in file order."""
    folder = tmp_path_factory.mktemp("supervised")
    service = write_service(folder)
    service.worker = start_worker(service, folder / "worker.log", concurrency=1)
    yield service
    stop_worker(service.worker)


def test_a_worker_that_crashes_is_restarted_and_runs_tasks_again(supervised, monkeypatch):
    sup = supervised.worker
    old = sup.pid
    old_group = [old] + descendants(old)
    os.kill(old, signal.SIGKILL)
    assert sup.wait_restart(old, WORKER_READY_TIMEOUT), worker_log(sup)
    assert sup.restarts == 1
    wait_for(lambda: not any(process_alive(p) for p in old_group), 10, "the crashed worker's pool to be gone")
    load_in_process(supervised, monkeypatch)
    __import__(supervised.tasks_module).record("after-restart", 1)
    seen = supervised.result("after-restart", worker=sup)
    assert seen["pid"] in descendants(sup.pid)


def test_stopping_a_worker_lets_the_task_under_way_finish(supervised, monkeypatch):
    sup = supervised.worker
    group = [sup.pid] + descendants(sup.pid)
    load_in_process(supervised, monkeypatch)
    __import__(supervised.tasks_module).sleep_then_record("slow", 1.5)
    wait_for((supervised.out / "slow.started").exists, 30, "the slow task to start", worker=sup)
    assert sup.stop() == 0  # warm shutdown
    assert supervised.result("slow", timeout=0)["slept"] == 1.5
    assert not any(process_alive(p) for p in group)
    assert sup.stop() == 0 and not sup.running  # stopping twice is harmless


def worker_log(sup):
    return sup.log_path.read_text(errors="replace")[-4000:] if getattr(sup, "log_path", None) else ""


def test_a_command_that_keeps_failing_to_start_is_given_up():
    sup = Supervisor([sys.executable, "-c", "import sys; sys.exit(3)"], max_failed_starts=3).start()
    try:
        wait_for(lambda: sup.failed, 30, "the supervisor to give up")
        assert sup.starts == 3 and sup.returncode == 3
        assert not sup.wait_ready(0.1)
    finally:
        sup.stop()


STUBBORN = textwrap.dedent("""\
    import os, signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open(os.environ["{ready}"], "w") as f:
        f.write(str(child.pid))
    time.sleep(120)
    """).format(ready=READY_ENV)


def test_a_command_ignoring_sigterm_is_killed_with_its_children_after_the_timeout():
    sup = Supervisor([sys.executable, "-c", STUBBORN]).start()
    try:
        assert sup.wait_ready(30)
        ready_file = sup._ready_file(sup.starts)
        with open(ready_file) as f:
            grandchild = int(f.read())
        pid = sup.pid
        assert sup.stop(timeout=0.5) == -signal.SIGKILL
        wait_for(lambda: not process_alive(grandchild) and not process_alive(pid), 5, "the whole group to be gone")
        assert sup.restarts == 0
    finally:
        sup.stop()


def _interruptible():
    """Ctrl-C interrupts, as in a terminal (a test run started in the background inherits SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class DevServer:
    """``python server.py --port <port>`` of a test service, as a developer runs it."""

    def __init__(self, service):
        self.service = service
        self.port = free_port()
        self.log_path = service.folder / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "server.py", "--port", str(self.port)], cwd=service.folder,
                                     env=service_env(service), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=_interruptible)

    def output(self):
        return self.log_path.read_text(errors="replace")[-6000:]

    def wait_ready(self):
        url = f"http://127.0.0.1:{self.port}/ping"

        def answers():
            assert self.proc.poll() is None, f"server.py exited with {self.proc.returncode}:\n{self.output()}"
            try:
                return requests.get(url, timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(answers, 90, f"server.py to answer /ping:\n{self.output()}", interval=0.2)

    def get(self, path):
        # a request scheduling a task answers once the worker ran it (async_dev_wait, 10 s): the worker may
        # still be starting
        return requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=30)

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)
        self.log.close()


KILLS = ("sigterm", "ctrl-c", "sigkill")
SERVER_STOP_TIMEOUT = 60  # seconds for the server to stop its worker and exit: a busy machine (parallel test runs) is slow


@pytest.fixture(scope="module")
def dev_servers(tmp_path_factory):
    """One ``python server.py`` per way of stopping it, and two waiting (or not) for their requests' tasks,
    started together (their start-ups overlap)."""
    servers = {kill: DevServer(write_service(tmp_path_factory.mktemp(kill))) for kill in KILLS}
    servers["wait"] = DevServer(write_service(tmp_path_factory.mktemp("wait")))
    servers["no-wait"] = DevServer(write_service(tmp_path_factory.mktemp("nowait"),
                                                 extra_config="async_dev_wait: 0\n"))
    yield servers
    for server in servers.values():
        server.close()


def started_worker(server):
    """The server's worker processes, once its worker ran a task."""
    server.wait_ready()
    assert server.get("/fire/x?tag=served").status_code == 200
    seen = server.service.result("served", timeout=60)
    workers = descendants(server.proc.pid)
    assert seen["pid"] in workers and seen["pid"] != server.proc.pid
    return workers


def test_python_server_py_runs_a_worker_and_stops_it_on_sigterm(dev_servers):
    server = dev_servers["sigterm"]
    workers = started_worker(server)
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(SERVER_STOP_TIMEOUT)
    assert server.proc.returncode == 128 + signal.SIGTERM, server.output()
    wait_for(lambda: not any(process_alive(p) for p in workers), 5, "the worker to be gone")
    assert "started the Celery worker" in server.output() and "stopped the Celery worker" in server.output()


def test_python_server_py_stops_its_worker_on_ctrl_c(dev_servers):
    server = dev_servers["ctrl-c"]
    workers = started_worker(server)
    server.proc.send_signal(signal.SIGINT)
    server.proc.wait(SERVER_STOP_TIMEOUT)
    wait_for(lambda: not any(process_alive(p) for p in workers), 5, "the worker to be gone")


def test_a_killed_server_leaves_no_worker_behind(dev_servers):
    server = dev_servers["sigkill"]
    workers = started_worker(server)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(5)
    wait_for(lambda: not any(process_alive(p) for p in workers), 30, "the orphaned worker to stop by itself")
    assert "is gone: stopping" in server.output()


def test_python_server_py_answers_once_the_tasks_of_the_request_have_run(dev_servers):
    """Development: GET /fire/slow schedules a 0.5 s task; its reply comes once the worker ran it."""
    server = dev_servers["wait"]
    server.wait_ready()
    assert server.get("/fire/slow?tag=waited").status_code == 200
    assert (server.service.out / "waited.json").exists()  # already written when the reply came


def test_async_dev_wait_0_answers_at_once_as_v1_did(dev_servers):
    server = dev_servers["no-wait"]
    server.wait_ready()
    assert server.get("/fire/slow?tag=not-waited").status_code == 200
    assert not (server.service.out / "not-waited.json").exists()
    assert server.service.result("not-waited", timeout=60)["slept"] == 0.5  # it ran, later

"""pymacaron_unit.runner.local: the local target, started by the runner or already running."""

import re

import pytest
import requests

from pymacaron_unit.cli import main
from unit_testing import FLASK_SERVER, RunnerJob, ServerThread, clean_env, console_script, free_port, show, write_service

SECRET = "local-test-jwt-secret-0123456789abcdef"
CONFIG = """\
name: localsvc
live_host: localsvc.example.com
jwt_issuer: localsvc.example.com
jwt_audience: localsvc
jwt_secret: LOCAL_JWT_SECRET
env_secrets: [LOCAL_JWT_SECRET]
"""
STARTED_TESTS = {
    "test_started.py": """
        import os


        def test_the_started_service(pym):
            j = pym.assertGetReturnJson("hello")
            assert j["pid"] != os.getppid()  # another process: the service the runner started
            pym.assertGetReturnDict("env", {"PYM_ENV": "staging"})  # --env reaches the service
            assert os.environ["PYM_ENV"] == "staging"
            assert os.environ["PYM_JWT_TOKEN"]  # run_acceptance_tests always makes one
    """,
}
EXISTING_TESTS = {"test_existing.py": "def test_it(pym):\n    pym.assertGetReturnDict('json', {'a': 1})\n"}


@pytest.fixture(scope="module")
def jobs(mini, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    files = {"pym-config.yaml": CONFIG, "pym-config.staging.yaml": CONFIG}
    started = {
        "started": RunnerJob(["--local", "--port", "0", "--env", "staging"],
                             write_service(tmp / "started", STARTED_TESTS, files=files),
                             env=clean_env(LOCAL_JWT_SECRET=SECRET), command=[console_script("run_acceptance_tests")]),
        "existing": RunnerJob(["--local", "--port", mini.port], write_service(tmp / "existing", EXISTING_TESTS,
                                                                                server=None)),
    }
    yield started
    for job in started.values():
        job.kill()


def test_starts_tests_and_stops_the_service(jobs):
    done = jobs["started"].result()
    assert done.returncode == 0, show(done)
    assert "starting the service: server.py --port" in done.stdout
    assert "1 passed" in done.stdout
    assert "stopped the service" in done.stdout
    port = int(re.search(r"testing http://127\.0\.0\.1:(\d+)", done.stdout).group(1))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/ping", timeout=5)
    assert SECRET not in done.stdout + done.stderr


def test_uses_a_service_already_listening_and_leaves_it(jobs, mini):
    done = jobs["existing"].result()
    assert done.returncode == 0, show(done)
    assert f"using the service already answering http://127.0.0.1:{mini.port}/ping" in done.stdout
    assert "starting the service" not in done.stdout and "stopped" not in done.stdout
    assert requests.get(f"{mini.url}/ping", timeout=5).status_code == 200


def run_main(capfd, *args):
    code = main([str(a) for a in args])
    out, err = capfd.readouterr()
    return code, out, err


def test_nothing_to_start(tmp_path, capfd):
    write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"}, server=None)
    code, out, err = run_main(capfd, "--local", "--port", free_port(), "--path", tmp_path)
    assert code == 1
    assert "there is no server.py in" in err and "start it yourself" in err


def test_a_service_that_does_not_start(tmp_path, capfd):
    write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"},
                  server="import sys\nprint('cannot start: missing FOO_SETTING')\nsys.exit(3)\n")
    code, out, err = run_main(capfd, "--local", "--port", "0", "--path", tmp_path)
    assert code == 1
    assert "the service exited with status 3 before answering" in err
    assert "cannot start: missing FOO_SETTING" in err  # its output, to see why


def test_a_service_too_slow_to_answer(tmp_path, capfd):
    write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"}, server="import time\ntime.sleep(60)\n")
    code, out, err = run_main(capfd, "--local", "--port", "0", "--path", tmp_path, "--start-timeout", "1")
    assert code == 1
    assert "did not answer" in err and "within 1 s" in err and "--start-timeout" in err
    assert "stopped the service" in out


def test_port_taken_by_something_else(tmp_path, capfd):
    from flask import Flask

    server = ServerThread(Flask("other")).start()  # answers 404 to /ping
    try:
        write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"}, server=FLASK_SERVER)
        code, out, err = run_main(capfd, "--local", "--port", server.port, "--path", tmp_path)
    finally:
        server.stop()
    assert code == 1
    assert f"port {server.port} on 127.0.0.1 is taken by a program that answers GET /ping with 404" in err


def test_local_means_this_machine(tmp_path, capfd, monkeypatch):
    write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"})
    monkeypatch.setenv("PYM_SERVER_HOST", "api.example.com")
    code, out, err = run_main(capfd, "--local", "--path", tmp_path)
    assert code == 1
    assert "--local tests a service on this machine, but the host is 'api.example.com'" in err


class PortThief:
    """Another program (a werkzeug server answering /ping 200) that binds ``port`` ``delay`` s from now."""

    def __init__(self, port, delay=0.7):
        import threading

        from flask import Flask

        self.port, self.servers = port, []
        self.app = Flask("other")
        self.app.add_url_rule("/ping", "ping", lambda: {})
        self.timer = threading.Timer(delay, self._take)
        self.timer.start()

    def _take(self):
        from werkzeug.serving import make_server

        self.servers.append(make_server("127.0.0.1", self.port, self.app))
        self.servers[0].serve_forever()

    def stop(self):
        import time

        self.timer.cancel()
        deadline = time.monotonic() + 5
        while self.timer.is_alive() and not self.servers and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.servers:
            self.servers[0].shutdown()
        self.timer.join(5)


SLOW_SERVER = "import time\ntime.sleep(2)  # a slow start\n" + FLASK_SERVER


def test_a_program_that_takes_the_port_first_is_not_mistaken_for_the_started_service(tmp_path):
    """The runner starts the service on a port it found free; if another program binds that port first (a
    race seen in CI between two test servers), its /ping answer is not taken for the service's: the service
    fails to bind, and the error says what happened."""
    import io

    from pymacaron_unit.runner.errors import RunnerError
    from pymacaron_unit.runner.local import LocalService

    port = free_port()
    write_service(tmp_path, server=SLOW_SERVER)
    thief = PortThief(port)
    service = LocalService(str(tmp_path), "127.0.0.1", port, clean_env(), start_timeout=30, out=io.StringIO())
    try:
        with pytest.raises(RunnerError) as e:
            service.__enter__()
    finally:
        thief.stop()
    message = str(e.value)
    assert thief.servers, "the other program never took the port"
    assert "the service exited with status 1 before answering" in message, message
    assert f"another program answers on port {port} (GET /ping answers 200): it took the port after this run " \
           "chose it" in message and "Address already in use" in message, message


def test_with_port_0_a_port_taken_first_by_another_program_is_replaced_by_another(tmp_path):
    """--port 0: the runner chose the port, so when another program takes it before the service binds it,
    the service is started again on another free port, and the tests run against it."""
    import io

    from pymacaron_unit.runner.local import LocalService

    write_service(tmp_path, server=SLOW_SERVER)
    out = io.StringIO()
    service = LocalService(str(tmp_path), "127.0.0.1", 0, clean_env(), start_timeout=30, out=out)
    taken = service.port
    thief = PortThief(taken)
    try:
        with service:
            assert service.port != taken
            assert requests.get(f"{service.url}/hello", timeout=5).json()["pid"] == service.proc.pid
    finally:
        thief.stop()
    said = out.getvalue()
    assert f"port {taken} was taken by another program as the service started: starting it again on port " \
           f"{service.port}" in said and "stopped the service" in said, said

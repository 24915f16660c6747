"""A service written as v1 services were (tests/fixtures/v1_service) runs unchanged.

Its own ``python server.py`` is started (which starts its Celery worker, as pymacaron-async does: the worker
imports server.py, whose ``def start(port, debug):`` must be callable that way), then its whole testaccept/
runs through ``pymacaron test`` (v1's ``pymtest``), test_background included: that test reads the task's file
right after GET /background answers, which works because a development server answers once the tasks a
request scheduled have run (pymacaron_async.devwait).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helloworld_testing import ExampleServer, example_env  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "v1_service"
RUN_TIMEOUT = 240


def pymacaron_command():
    script = Path(sys.executable).parent / "pymacaron"
    return [str(script)] if script.exists() else [sys.executable, "-c", "import sys; from pymacaron.cli import main; "
                                                                         "sys.exit(main())"]


@pytest.fixture(scope="module")
def v1_service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("v1") / "greeter"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("__pycache__", ".pym"))
    server = ExampleServer(folder / "server.log", folder=folder).start()
    yield server
    server.stop()


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_its_whole_testaccept_passes_against_its_own_server_py(v1_service):
    env = example_env(PYM_JWT_SECRET=v1_service.secret)
    done = subprocess.run([*pymacaron_command(), "test", "--local", "--port", str(v1_service.port), "--gen-token"],
                          cwd=v1_service.folder, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output + "\n--- server ---\n" + v1_service.output()
    passed = set(re.findall(r"^(testaccept/\S+) PASSED", done.stdout, re.M))
    assert passed == {"testaccept/test_background.py::Test::test_background",
                      "testaccept/test_private.py::Test::test_private",
                      "testaccept/test_private.py::Test::test_private_without_token",
                      "testaccept/test_builtins.py::Test::test_auth_version",
                      "testaccept/test_builtins.py::Test::test_ping", "testaccept/test_builtins.py::Test::test_version",
                      "testaccept/test_reply.py::Test::test_reply"}, output
    server_output = v1_service.output()
    assert "pymacaron-async: loaded the service from" in server_output  # the worker imported server.py
    assert "TypeError" not in server_output and "Storing token" in server_output


def test_requires_auth_runs_before_the_body_is_parsed(v1_service):
    """POST /greeting/reply (x-decorate-server: requires_auth): no token, no word about the body."""
    for kwargs in ({"json": {"text": 42, "extra": []}}, {"data": "{broken", "headers": {
            "Content-Type": "application/json"}}, {"data": "x", "headers": {"Content-Type": "text/plain"}}):
        r = requests.post(v1_service.url + "/greeting/reply", timeout=10, **kwargs)
        assert r.status_code == 401 and r.json()["error"] == "AUTHORIZATION_HEADER_MISSING", r.text
        assert "text" not in r.text and "errors" not in r.json()


def test_its_routes_answer_with_and_without_the_base_path(v1_service):
    """basePath /v1: v1 served /greeting; v1 clients call /greeting; the prefixed route is served too."""
    for path in ("/greeting", "/v1/greeting"):
        r = requests.get(v1_service.url + path, timeout=10)
        assert r.status_code == 200 and r.json() == {"text": "Good day!"}

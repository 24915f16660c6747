"""pymacaron_unit.runner.core: the runner against real local servers (each run is a real
``python -m pymacaron_unit`` process running pytest; the runs of this module overlap)."""

import re

import pytest

from unit_testing import RunnerJob, clean_env, show, write_service

HOST_TESTS = {
    "test_mixed.py": """
        import os

        from pymacaron_unit.testcase import PyMacaronTestCase


        class Tests(PyMacaronTestCase):
            def setUp(self):
                super().setUp()
                self.host, self.port = os.environ["PYM_SERVER_HOST"], int(os.environ["PYM_SERVER_PORT"])

            def test_unittest(self):
                self.assertGetReturnDict("json", {"a": 1})


        def test_plain(pym):
            pym.assertGetReturnOk("ok")


        def test_environment():
            assert "PYM_JWT_TOKEN" not in os.environ  # always unset first
            assert os.environ["NO_SSL_CHECK"] == "1"
            assert os.environ["FROM_SECRETS_FILE"] == "yes"  # ~/.env.secrets, as AWS_SECRET_ACCESS_KEY is unset
            assert os.environ["ALREADY_SET"] == "mine"  # the file never overrides
    """,
}

FAILING_TESTS = {
    "test_failing.py": """
        def test_1_fails(pym):
            pym.assertGetReturnJson("error/500")


        def test_2_fails(pym):
            pym.assertGetReturnJson("error/502")


        def test_3_passes(pym):
            pym.assertGetReturnOk("ok")
    """,
}

LOOP_TESTS = {"test_loop.py": "def test_count(pym):\n    pym.assertGetReturnJson('count/loop')\n"}
LOOP_FAIL_TESTS = {"test_loop.py": "def test_count(pym):\n    assert pym.assertGetReturnJson('count/loopfail')['count'] < 2\n"}

SECRET = "unit-test-jwt-secret-0123456789abcdef"
CONFIG = """\
name: unitsvc
live_url: http://127.0.0.1:{port}
jwt_issuer: {issuer}
jwt_audience: unit-aud
jwt_secret: UNIT_JWT_SECRET
env_secrets: [UNIT_JWT_SECRET]
"""
ENV_TESTS = {
    "test_env.py": """
        import os

        import jwt


        def test_token_and_env(pym):
            assert os.environ["PYM_ENV"] == "staging"
            claims = jwt.decode(os.environ["PYM_JWT_TOKEN"], os.environ["UNIT_JWT_SECRET"], algorithms=["HS256"],
                                audience="unit-aud", issuer="staging.example.com")
            assert claims["sub"] == "test-jwt-token"
            assert pym.token == os.environ["PYM_JWT_TOKEN"]
            pym.assertGetReturnOk("ok")  # the target comes from live_url
    """,
}


@pytest.fixture(scope="module")
def jobs(mini, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("core")
    home = tmp / "home"
    home.mkdir()
    (home / ".env.secrets").write_text('# secrets\nexport FROM_SECRETS_FILE="yes"\nALREADY_SET=theirs\n')
    host = ["--host", "http://127.0.0.1", "--port", mini.port]
    staging = {"pym-config.yaml": CONFIG.format(port=1, issuer="live.example.com"),
               "pym-config.staging.yaml": CONFIG.format(port=mini.port, issuer="staging.example.com")}
    started = {
        "host": RunnerJob([*host, "--no-ssl-check"], write_service(tmp / "host", HOST_TESTS, server=None),
                          env=clean_env(HOME=str(home), ALREADY_SET="mine", PYM_JWT_TOKEN="leaked-token",
                                        AWS_SECRET_ACCESS_KEY=None)),
        "stop": RunnerJob(host, write_service(tmp / "stop", FAILING_TESTS, server=None)),
        "no-stop": RunnerJob([*host, "--no-stop"], write_service(tmp / "nostop", FAILING_TESTS, server=None)),
        "loop": RunnerJob([*host, "--loop", "--loop-count", "2"], write_service(tmp / "loop", LOOP_TESTS, server=None)),
        "loop-fail": RunnerJob([*host, "--loop", "--loop-count", "5"],
                               write_service(tmp / "loopfail", LOOP_FAIL_TESTS, server=None)),
        "staging": RunnerJob(["--staging", "--gen-token"], write_service(tmp / "env", ENV_TESTS, server=None, files=staging),
                             env=clean_env(UNIT_JWT_SECRET=SECRET)),
    }
    yield started
    for job in started.values():
        job.kill()


def test_host_mode(jobs, mini):
    done = jobs["host"].result()
    assert done.returncode == 0, show(done)
    assert "3 passed" in done.stdout
    assert f"testing http://127.0.0.1:{mini.port}" in done.stdout
    assert "read 1 variable(s) from" in done.stdout
    assert "PASSED" in done.stdout.splitlines()[-1]
    assert "leaked-token" not in done.stdout + done.stderr


def test_stops_at_the_first_failure(jobs):
    done = jobs["stop"].result()
    assert done.returncode == 1, show(done)
    assert "1 failed" in done.stdout and "2 failed" not in done.stdout
    assert "expected status 200, got 500" in done.stdout  # the readable failure
    assert "FAILED (exit status 1)" in done.stdout


def test_no_stop_runs_everything(jobs):
    done = jobs["no-stop"].result()
    assert done.returncode == 1, show(done)
    assert "2 failed, 1 passed" in done.stdout
    assert "expected status 200, got 502" in done.stdout


def test_loop_count(jobs, mini):
    done = jobs["loop"].result()
    assert done.returncode == 0, show(done)
    assert mini.app.hits["loop"] == 2
    assert "(run 2)" in done.stdout and "(run 3)" not in done.stdout


def test_loop_stops_at_the_first_failing_run(jobs, mini):
    done = jobs["loop-fail"].result()
    assert done.returncode == 1, show(done)
    assert mini.app.hits["loopfail"] == 2
    assert "(run 2)" in done.stdout and "(run 3)" not in done.stdout


def test_env_mode_with_a_generated_token(jobs):
    done = jobs["staging"].result()
    assert done.returncode == 0, show(done)
    assert "1 passed" in done.stdout
    assert "PYM_JWT_TOKEN set to a test token" in done.stdout
    output = done.stdout + done.stderr
    assert SECRET not in output
    assert not re.search(r"eyJ[\w-]+\.", output)  # no JWT printed

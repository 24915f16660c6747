"""pymacaron.deploy.pipeline through ``pymacaron deploy`` / ``pymdeploy`` / ``deploy_pipeline``, with the docker
stand-in and a test-only ``local`` deploy target (an entry point of a distribution on PYTHONPATH)."""

import os

import pytest
from cli_testing import cli
from docker_testing import Standin, install_local_target, service_repo, wheel_cache

SECRET = "pipeline-secret-Hh73-never-shown"
CONFIG = "jwt_secret: SVC_SECRET\njwt_issuer: svc.example.com\njwt_audience: svc-clients\nenv_secrets: [SVC_SECRET]\n"
PASSING = """\
from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):
    def test_ping(self):
        self.assertHasPing()
"""
FAILING = PASSING + """
    def test_something_broken(self):
        self.assertGetReturnJson("no/such/endpoint")
"""


@pytest.fixture
def setup(tmp_path, tmp_path_factory):
    standin = Standin(tmp_path / "standin")
    site = install_local_target(tmp_path / "site")
    env = standin.env(SVC_SECRET=SECRET, PYTHONPATH=site, LOCAL_TARGET_STATE=str(tmp_path / "live"),
                      PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory))
    yield standin, env
    standin.cleanup()


def repo(tmp_path, acceptance=PASSING, config=CONFIG):
    return service_repo(tmp_path / "svc", extra_config=config, files={
        "testaccept/test_ping.py": acceptance, "test/test_unit.py": "def test_unit():\n    assert 1 + 1 == 2\n"})


def test_dry_run_prints_the_plan_and_changes_nothing(tmp_path, setup):
    standin, env = setup
    folder = repo(tmp_path)
    done = cli("pymacaron", "deploy", "--dry-run", "--version", "v7", cwd=folder, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "plan for svc v7" in out and "dry run: nothing is changed" in out
    steps = ["1. unit tests", "2. image acme/svc:v7", "3. acceptance tests against the image", "4. push",
             "5. deploy to local", "6. acceptance tests against the live service"]
    positions = [out.index(s) for s in steps]
    assert positions == sorted(positions)
    assert "python -m pytest -x test" in out
    assert "python -m pymacaron test --image acme/svc:v7 --gen-token" in out
    assert "push acme/svc:v7" in out
    # the target's own plan
    assert "docker run acme/svc:v7 on 127.0.0.1 as staging (env_secrets passed by name: SVC_SECRET)" in out
    assert "swap: staging becomes live" in out
    assert standin.calls() == [] and not os.path.exists(os.path.join(folder, ".pym"))
    assert not os.path.exists(tmp_path / "live")
    assert SECRET not in out + done.stderr


def test_dry_run_shows_what_the_flags_skip(tmp_path, setup):
    _, env = setup
    folder = repo(tmp_path)
    done = cli("pymdeploy", "--dry-run", "--no-unittest", "--no-push", "--no-deploy", "--force-build",
               "--version", "v7", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert "1. unit tests: skipped (--no-unittest)" in done.stdout
    assert "build acme/svc:v7 (pymacaron docker --version v7)" in done.stdout
    assert "4. push: skipped (--no-push)" in done.stdout
    assert "5. deploy to local: skipped (--no-deploy)" in done.stdout
    assert "6. acceptance tests against the live service: skipped (--no-deploy)" in done.stdout
    no_test = cli("pymdeploy", "--dry-run", "--no-test", cwd=folder, env=env)
    assert "1. unit tests: skipped (--no-test)" in no_test.stdout
    assert "3. acceptance tests against the image: skipped (--no-test)" in no_test.stdout
    assert "acceptance tests against staging (skipped: --no-test)" in no_test.stdout


def test_deploy_pipeline_makes_push_and_deploy_opt_in(tmp_path, setup):
    _, env = setup
    folder = repo(tmp_path)
    plain = cli("deploy_pipeline", "--dry-run", cwd=folder, env=env)
    assert plain.returncode == 0, plain.stderr
    assert "4. push: skipped (--no-push)" in plain.stdout and "5. deploy to local: skipped" in plain.stdout
    full = cli("deploy_pipeline", "--push", "--deploy", "--dry-run", "--with-downtime", cwd=folder, env=env)
    assert full.returncode == 0, full.stderr
    assert "4. push\n" in full.stdout.replace("\r", "") or "4. push" in full.stdout
    assert "skipped (--no-push)" not in full.stdout and "swap: staging becomes live" in full.stdout
    assert "--with-downtime is ignored" in full.stderr
    no_build = cli("deploy_pipeline", "--no-build", "--no-tests", "--dry-run", cwd=folder, env=env)
    assert "reuse the newest local image of acme/svc" in no_build.stdout


def test_a_missing_secret_stops_before_anything(tmp_path, setup):
    standin, env = setup
    folder = repo(tmp_path)
    env.pop("SVC_SECRET")
    done = cli("pymacaron", "deploy", cwd=folder, env=env)
    assert done.returncode == 1
    assert "env_secrets of" in done.stderr and "not set in this environment: SVC_SECRET" in done.stderr
    assert standin.calls() == []


def test_an_unknown_target_lists_the_installed_ones(tmp_path, setup):
    _, env = setup
    folder = repo(tmp_path, config=CONFIG + "deploy_target: nowhere-cloud\n")
    done = cli("pymacaron", "deploy", "--dry-run", cwd=folder, env=env)
    assert done.returncode == 1
    assert "unknown deploy_target 'nowhere-cloud'; available: " in done.stderr and "local" in done.stderr
    # without the deploy step, no target is needed
    assert cli("pymacaron", "deploy", "--dry-run", "--no-deploy", cwd=folder, env=env).returncode == 0


def test_unknown_options_fail(tmp_path, setup):
    _, env = setup
    folder = repo(tmp_path)
    for name, args in (("pymdeploy", ["--frobnicate"]), ("deploy_pipeline", ["--frobnicate"]),
                       ("pymacaron", ["deploy", "--frobnicate"])):
        done = cli(name, *args, cwd=folder, env=env)
        assert done.returncode == 2 and "unrecognized arguments: --frobnicate" in done.stderr, (name, done.stderr)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_failing_acceptance_test_stops_before_push_and_deploy(tmp_path, setup):
    standin, env = setup
    folder = repo(tmp_path, acceptance=FAILING)
    done = cli("pymacaron", "deploy", "--version", "v1", cwd=folder, env=env, timeout=800)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "[1/6] unit tests" in out and "1 passed" in out
    assert "[2/6] image acme/svc:v1" in out and "built acme/svc:v1" in out
    assert "[3/6] acceptance tests against the image" in out and "test_something_broken FAILED" in out
    assert "ERROR: the acceptance tests against the image acme/svc:v1 failed (exit status 1): nothing was " \
           "pushed nor deployed" in done.stderr
    assert "[4/6]" not in out and standin.pushed() == []
    assert not os.path.exists(tmp_path / "live")
    assert all(c.get("killed") for c in standin.containers())  # the image's test container was stopped
    assert SECRET not in out and SECRET not in repr(standin.calls())

"""``pymacaron deploy`` of examples/helloworld, end to end, against local stand-ins.

A git copy of the example (docker_repo and deploy_target: local added) is deployed with the docker
CLI stand-in (packages/pymacaron/tests/docker_standin) and the test-only ``local`` deploy target (a
distribution on PYTHONPATH): unit tests, the image (built from the copy's HEAD, run from its wheels
in a fresh virtualenv), the acceptance tests against it (with_async: its worker runs beside the
server), push, staging, acceptance tests, swap, acceptance tests against live. Then a second
deploy whose staging is misconfigured stops before the swap, leaving live as it was. The JWT
secret never appears in any output, docker argument list or file.
"""

import json
import os
import re
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "packages" / "pymacaron" / "tests"))

from cli_testing import cli, git  # noqa: E402
from docker_testing import Standin, install_local_target, wheel_cache  # noqa: E402
from helloworld_testing import EXAMPLE_DIR, new_secret  # noqa: E402

RUN_TIMEOUT = 1200  # seconds: unit tests, packaging, and three acceptance runs on a loaded 2-core machine
STEPS = ["unit tests", "image example/helloworld:", "acceptance tests against the image", "push",
         "deploy to local", "acceptance tests against the live service"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy-helloworld")
    folder = tmp / "helloworld"
    shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns(".pytest_cache", ".pym", "__pycache__",
                                                                        ".benchmarks"))
    config = (folder / "pym-config.yaml").read_text()
    # the async acceptance test reads the file the worker writes: one absolute path for both
    config = re.sub(r"(?m)^uuid_file_path:.*$", f"uuid_file_path: {tmp / 'async-uuid.txt'}", config)
    (folder / "pym-config.yaml").write_text(config + "\ndocker_repo: example\ndeploy_target: local\n")
    git(str(folder), "init", "-q")
    git(str(folder), "add", "-A")
    git(str(folder), "commit", "-q", "-m", "helloworld")
    standin = Standin(tmp / "standin")
    secret = new_secret()
    env = standin.env(PYM_JWT_SECRET=secret, PYTHONPATH=install_local_target(tmp / "site"),
                      LOCAL_TARGET_STATE=str(tmp / "live"), PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory),
                      PYTHONWARNINGS="ignore::DeprecationWarning")
    yield folder, standin, env, secret, tmp / "live" / "live.json"
    standin.cleanup()


def positions(out, prefix):
    return [out.index(f"{prefix}{i}/6] {step}" if prefix == "[" else f"{i}. {step}") for i, step in
            enumerate(STEPS, 1)]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, json.loads(r.read())


def assert_no_secret(secret, standin, folder, *outputs):
    for text in outputs:
        assert secret not in text
    assert secret not in repr(standin.calls())
    for top in (standin.state, str(folder)):
        for root, _, files in os.walk(top):
            if "virtenv" in root.split(os.sep):
                continue
            for f in files:
                path = os.path.join(root, f)
                if os.path.isfile(path):
                    with open(path, "rb") as fh:
                        assert secret.encode() not in fh.read(), path


def test_dry_run(deployment):
    folder, standin, env, secret, live = deployment
    done = cli("pymacaron", "deploy", "--dry-run", cwd=folder, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert positions(done.stdout, "") == sorted(positions(done.stdout, ""))
    assert "python -m pymacaron test --image example/helloworld:" in done.stdout and "--gen-token" in done.stdout
    assert "as staging (env_secrets passed by name: PYM_JWT_SECRET)" in done.stdout
    assert standin.calls() == [] and not live.exists()
    assert secret not in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_full_deploy_then_a_failing_staging_keeps_live(deployment):
    folder, standin, env, secret, live = deployment
    done = cli("pymacaron", "deploy", cwd=folder, env=env, timeout=RUN_TIMEOUT)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert positions(done.stdout, "[") == sorted(positions(done.stdout, "["))
    version = re.search(r"\[2/6\] image example/helloworld:(\S+)", done.stdout).group(1)
    image = f"example/helloworld:{version}"
    assert "test/test_api.py" in out and "passed" in out  # the unit tests ran
    assert f"built {image}" in done.stdout
    assert len(re.findall(r"testaccept/test_async.py::Tests::test_async_task_writes_the_code PASSED", out)) == 3
    assert standin.pushed() == [image]
    state = json.loads(live.read_text())
    assert state["image"] == image and state["version"] == version
    assert f"done: helloworld {version}" in done.stdout
    assert get(state["url"] + "/ping") == (200, {})

    # deploy again, with a misconfigured staging: its acceptance tests fail, and live stays as it was
    broken = cli("pymacaron", "deploy", "--no-unittest", cwd=folder, env=dict(env, LOCAL_TARGET_BREAK_STAGING="1"),
                 timeout=RUN_TIMEOUT)
    again = broken.stdout + broken.stderr
    assert broken.returncode == 1, again
    assert f"reusing the local image {image}" in broken.stdout  # same commit: not rebuilt
    assert "[5/6] deploy to local" in broken.stdout and "[6/6]" not in broken.stdout
    assert "test_with_token FAILED" in again
    assert "failed: not swapped, live unchanged" in broken.stderr
    assert json.loads(live.read_text()) == state
    assert get(state["url"] + "/ping") == (200, {})
    staging = [c for c in standin.containers() if c["id"] != state["container"]]
    assert staging and all(c.get("killed") for c in staging)  # test and staging containers were stopped

    assert_no_secret(secret, standin, folder, out, again)

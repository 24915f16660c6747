"""``pymacaron docker`` / ``pymdocker`` as console scripts, against the docker stand-in (tests/docker_standin)."""

import os

import pytest
from cli_testing import cli, clean_env
from docker_testing import Standin, service_repo, wheel_cache

SECRET = "cli-secret-Qw42-never-in-images"


@pytest.fixture
def standin(tmp_path):
    s = Standin(tmp_path / "standin")
    yield s
    s.cleanup()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_build_and_push_to_another_registry(tmp_path, standin, tmp_path_factory):
    repo = service_repo(tmp_path / "svc", extra_config="env_secrets: [SVC_SECRET]\njwt_secret: SVC_SECRET\n")
    env = standin.env(SVC_SECRET=SECRET, PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory))
    done = cli("pymdocker", "--version", "v1", "--push", "--registry", "ghcr.io/acme", cwd=repo, env=env, timeout=800)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "ghcr.io/acme/acme/svc:v1"
    assert "building acme/svc:v1" in done.stdout and "Successfully tagged acme/svc:v1" in done.stdout
    assert set(standin.tags()) == {"acme/svc:v1", "ghcr.io/acme/acme/svc:v1"}
    assert standin.pushed() == ["ghcr.io/acme/acme/svc:v1"]
    with open(os.path.join(repo, ".pym", "last_docker_image_id")) as f:
        assert f.read().strip() == "acme/svc:v1"
    # no secret value on any docker command line, in the output, nor in the image's files
    assert SECRET not in repr(standin.calls()) + done.stdout + done.stderr
    for path in standin.files():
        with open(path, "rb") as f:
            assert SECRET.encode() not in f.read(), path

    # --no-build --push: pushes the local image again, to Docker Hub this time
    again = cli("pymdocker", "--version", "v1", "--no-build", "--push", cwd=repo, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert standin.pushed() == ["ghcr.io/acme/acme/svc:v1", "acme/svc:v1"]
    assert not any(c[0] == "build" for c in standin.calls()[-4:])


def test_no_docker_command(tmp_path):
    repo = service_repo(tmp_path / "svc")
    env = clean_env(PYM_DOCKER="docker-missing-here")
    done = cli("pymacaron", "docker", "--version", "v1", cwd=repo, env=env)
    assert done.returncode == 3
    assert "ERROR: no Docker engine: the 'docker-missing-here' command is not installed" in done.stderr
    assert "--output DIR --no-build" in done.stderr


def test_engine_down_without_output_fails_before_packaging(tmp_path, standin):
    repo = service_repo(tmp_path / "svc")
    done = cli("pymacaron", "docker", "--version", "v1", cwd=repo, env=standin.env(DOCKER_STANDIN_DOWN="1"))
    assert done.returncode == 3
    assert "ERROR: no Docker engine is reachable (Cannot connect to the Docker daemon" in done.stderr
    assert "packaging" not in done.stdout
    assert [c[0] for c in standin.calls()] == ["info"]


@pytest.mark.timeout(600)
def test_engine_down_with_output_still_writes_the_context(tmp_path, standin, tmp_path_factory):
    repo = service_repo(tmp_path / "svc")
    out = tmp_path / "ctx"
    env = standin.env(DOCKER_STANDIN_DOWN="1", PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory))
    done = cli("pymacaron", "docker", "--version", "v1", "--output", str(out), cwd=repo, env=env, timeout=500)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "no Docker engine is reachable" in done.stderr
    assert f"The build context is in {out}: build it later with 'docker build --tag acme/svc:v1 {out}'" in done.stderr
    assert (out / "Dockerfile").is_file() and (out / "app" / "server.py").is_file()
    assert (out / "requirements.lock").is_file()


def test_push_without_a_local_image(tmp_path, standin):
    repo = service_repo(tmp_path / "svc")
    done = cli("pymacaron", "docker", "--version", "v9", "--no-build", "--push", cwd=repo, env=standin.env())
    assert done.returncode == 1
    assert "there is no local image acme/svc:v9 to push: build it first" in done.stderr
    assert standin.pushed() == []


@pytest.mark.parametrize("args, message", [
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--no-build"], "--no-build does nothing alone"),
    (["--registry", "gcr.io"], "--registry R is where --push pushes: add --push"),
    (["--version", "not a tag", "--no-build", "--output", "x"], "is not a valid Docker tag"),
    (["--push", "--registry", "Not A Host!"], "is not a registry host"),
])
def test_bad_usage(tmp_path, standin, args, message):
    repo = service_repo(tmp_path / "svc")
    done = cli("pymdocker", *args, cwd=repo, env=standin.env())
    assert done.returncode != 0
    assert message in done.stderr
    assert not any(c[0] in ("build", "push") for c in standin.calls())


def test_outside_a_git_clone(tmp_path, standin):
    (tmp_path / "pym-config.yaml").write_text("name: svc\ndocker_repo: acme\n")
    done = cli("pymdocker", "--version", "v1", cwd=tmp_path, env=standin.env())
    assert done.returncode == 1 and "is not inside a git repository" in done.stderr

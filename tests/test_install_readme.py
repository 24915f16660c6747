"""The root README's "Installing PyMacaron 3 from this repository", done as a new user would.

In a copy of the repository, with a HOME of its own and nothing of the test environment on PATH
(``python3`` is the machine's), bash runs the README's install steps (a virtualenv for nox and uv,
``nox -s wheels``, a virtualenv for the example from ``--find-links dist``), then the console session
of "Writing a service", which must print what the README shows. Then ``pymacaron docker``, from
that virtualenv, finds the PyMacaron wheels through ``PIP_FIND_LINKS``, and names the missing one
without it. Slow (a minute or two): PyPI is reached for the third-party packages, through the
machine's pip cache.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packages" / "pymacaron" / "tests"))

from docker_testing import service_repo, wheel_cache  # noqa: E402
from helloworld_testing import (  # noqa: E402
    console_outputs,
    console_script,
    console_steps,
    fenced_blocks,
    free_port,
    readme_section,
)
from install_testing import clean_env, repo_copy  # noqa: E402

INSTALL_SECTION = "## Installing PyMacaron 3 from this repository"
TIMEOUT = 900


def snippet(section, marker):
    found = [body for mark, _, body in fenced_blocks(readme_section(section)) if mark == marker]
    assert len(found) == 1, f"expected one '{marker}' snippet in the README's {section!r}"
    return found[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The README's steps run in bash: (repository copy, HOME, completed process, install steps, session steps)."""
    tmp = tmp_path_factory.mktemp("install")
    repo = repo_copy(tmp / "pymacaron")
    home = tmp / "home"
    install = console_steps(snippet(INSTALL_SECTION, "install"))
    session = console_steps(snippet("## Writing a service", "console"))
    script = console_script(install + session, str(free_port()), tmp / "server.log", root=repo)
    # PIP_NO_COMPILE: no .pyc written at install time (a minute of CPU less; the service compiles what it imports)
    env = clean_env(home, PIP_NO_COMPILE="1")
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)
    return repo, home, done, install, session, tmp


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT + 60)
def test_the_install_steps_then_the_console_session(installed):
    repo, home, done, install, session, tmp = installed
    server_log = (tmp / "server.log").read_text(errors="replace") if (tmp / "server.log").exists() else ""
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\nserver:\n{server_log}"
    outputs = console_outputs(done.stdout)
    assert len(outputs) == len(install) + len(session), done.stdout
    for (cmd, expected), actual in zip(session, outputs[len(install):], strict=True):
        assert actual.strip() == "\n".join(expected).strip(), f"`{cmd}` printed {actual!r}, the README shows {expected}"
    assert sorted(p.name.split("-")[0] for p in (repo / "dist").glob("*.whl")) == sorted(
        p.name.replace("-", "_") for p in (repo / "packages").iterdir() if (p / "pyproject.toml").exists())


def venv_python(home):
    return home / ".venvs" / "helloworld" / "bin" / "python"


def test_the_service_runs_pymacaron_from_the_wheels(installed):
    repo, home, done, *_ = installed
    assert done.returncode == 0, done.stderr
    probe = ("import json, importlib.metadata as md, pymacaron, pymacaron_async, pymacaron_unit\n"
             "print(json.dumps({d: [md.version(d), md.distribution(d).read_text('direct_url.json')] for d in "
             "('pymacaron', 'pymacaron-core', 'pymacaron-async', 'pymacaron-unit')} | {'file': pymacaron.__file__}))")
    out = subprocess.run([venv_python(home), "-c", probe], capture_output=True, text=True, timeout=120,
                         env=clean_env(home))
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert Path(found.pop("file")).is_relative_to(home / ".venvs" / "helloworld")
    for dist, (version, direct_url) in found.items():
        assert (repo / "dist" / f"{dist.replace('-', '_')}-{version}-py3-none-any.whl").is_file(), dist
        assert direct_url is None, f"{dist} was installed from a path, not found through --find-links"


@pytest.mark.timeout(TIMEOUT)
def test_pymacaron_docker_finds_the_wheels_through_pip_find_links(installed, tmp_path, tmp_path_factory):
    repo, home, done, *_ = installed
    assert done.returncode == 0, done.stderr
    service = service_repo(tmp_path / "svc")
    bin_dir = str(venv_python(home).parent)
    env = clean_env(home, PATH=bin_dir + os.pathsep + clean_env(home)["PATH"], VIRTUAL_ENV=str(venv_python(home).parent.parent),
                    PYM_WHEEL_CACHE=wheel_cache(tmp_path_factory), GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")

    missing = subprocess.run([f"{bin_dir}/pymacaron", "docker", "--version", "v1", "--output", str(tmp_path / "no"),
                              "--no-build"], cwd=service, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "no wheel of pymacaron" in missing.stderr and "PIP_FIND_LINKS is not set" in missing.stderr, missing.stderr
    assert "export PIP_FIND_LINKS=<clone>/dist" in missing.stderr

    env["PIP_FIND_LINKS"] = str(repo / "dist")
    found = subprocess.run([f"{bin_dir}/pymacaron", "docker", "--version", "v1", "--output", str(tmp_path / "ctx"),
                            "--no-build"], cwd=service, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert found.returncode == 0, found.stdout + found.stderr
    wheels = sorted(os.listdir(tmp_path / "ctx" / "wheels"))
    for dist in ("pymacaron", "pymacaron_core"):
        ours = [w for w in wheels if w.startswith(dist + "-")]
        assert ours and (repo / "dist" / ours[0]).read_bytes() == (tmp_path / "ctx" / "wheels" / ours[0]).read_bytes()

"""The root README's pipenv line, `PIP_FIND_LINKS=<wheels> pipenv install pymacaron pymacaron-aws`, in a
new project: our packages come from the wheels, the third-party ones from PyPI (through the machine's
pip cache), and the lock pins what was installed. Slow: pipenv locks against PyPI.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import fenced_blocks, readme_section  # noqa: E402
from install_testing import ROOT, build_wheels, clean_env  # noqa: E402

WHEELS_IN_README = "~/pymacaron/dist"  # where the README's clone keeps its wheels
TIMEOUT = 900


def readme_pipenv_command():
    found = [body for mark, _, body in fenced_blocks(readme_section("## Installing PyMacaron 3 from this repository"))
             if mark == "pipenv"]
    assert len(found) == 1 and found[0].startswith("$ "), found
    command = found[0][2:].strip()
    assert WHEELS_IN_README in command, command
    return command


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT + 60)
def test_pipenv_install_with_pip_find_links(tmp_path):
    wheels = tmp_path / "dist"
    built = build_wheels(wheels)
    project = tmp_path / "project"
    project.mkdir()
    # pipenv from the test env (requirements/test.txt), its virtualenv in the project, made with this Python
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pipenv").write_text(f"#!/bin/sh\nexec {sys.executable} -m pipenv \"$@\"\n")
    (bin_dir / "pipenv").chmod(0o755)
    env = clean_env(tmp_path / "home", PIPENV_VENV_IN_PROJECT="1", PIPENV_IGNORE_VIRTUALENVS="1", PIPENV_YES="1",
                    PIPENV_NOSPIN="1", PIPENV_QUIET="1", PIPENV_HIDE_EMOJIS="1", PIPENV_TIMEOUT="600",
                    PIPENV_DEFAULT_PYTHON_VERSION=sys.executable)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    command = readme_pipenv_command().replace(WHEELS_IN_README, str(wheels))
    done = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"`{command}` failed:\n{done.stdout}\n{done.stderr}"

    probe = ("import importlib.metadata as md, json, pymacaron, pymacaron_aws, pymacaron_core\n"
             "print(json.dumps({\n"
             "  'versions': {d: md.version(d) for d in ('pymacaron', 'pymacaron-aws', 'pymacaron-core')},\n"
             "  'files': [pymacaron.__file__, pymacaron_aws.__file__, pymacaron_core.__file__],\n"
             "}))\n")
    ran = subprocess.run(["pipenv", "run", "python", "-c", probe], cwd=project, env=env, capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    for dist, version in result["versions"].items():
        assert f"{dist.replace('-', '_')}-{version}-py3-none-any.whl" in built, (dist, version, built)
    venv = (project / ".venv").resolve()
    for file in result["files"]:  # installed in the project's venv, not the editable dev checkout
        assert Path(file).resolve().is_relative_to(venv) and not Path(file).resolve().is_relative_to(ROOT), file
    lock = json.loads((project / "Pipfile.lock").read_text(encoding="utf-8"))
    for dist, version in result["versions"].items():
        assert lock["default"][dist]["version"] == f"=={version}"

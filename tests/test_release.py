"""Releasing one package, in a temporary copy of the repository (nox runs there, with its own env folder).

- ``nox -s release -- <package>`` refuses a version its CHANGELOG.md does not list as released,
  before building anything;
- ``hatch version minor`` in pymacaron-core, which every other package requires: the requirements
  on it still accept it, and ``nox -s build -- pymacaron-core`` builds and checks the bumped wheel;
- ``hatch version major`` there: nox names each requirement that now rejects it, before building;
- once its CHANGELOG.md has the dated section, ``nox -s release`` builds the wheel and sdist, runs
  ``twine check``, installs the wheel alone in a fresh venv and runs its tests
  against it (here, two of its test files).
Slow: PyPI is reached (through the machine's pip and uv caches) for the third-party packages.
"""

import datetime
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from install_testing import repo_copy, user_caches  # noqa: E402
from packaging.requirements import Requirement  # noqa: E402
from test_packaging import about_version, pyproject  # noqa: E402

CORE = "packages/pymacaron-core"
ABOUT = f"{CORE}/src/pymacaron_core/__about__.py"
TIMEOUT = 900


def tool_env(tmp):
    """This environment minus what ties tools to the test env (nox sets VIRTUAL_ENV and UV_* for its sessions)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_", "NOX_", "HATCH_", "PYM_"))
           and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(user_caches(), HATCH_DATA_DIR=str(tmp / "hatch-data"), HATCH_CACHE_DIR=str(tmp / "hatch-cache"))
    return env


def run(args, cwd, env, timeout=TIMEOUT):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("release")
    copy = repo_copy(tmp / "pymacaron")
    env = tool_env(tmp)

    def nox(*args):
        return run([sys.executable, "-m", "nox", "--envdir", str(tmp / "nox-envs"), "--no-color", *args], copy, env)

    def hatch(*args):
        return run([sys.executable, "-m", "hatch", *args], copy / CORE, env)

    return copy, nox, hatch


@pytest.mark.slow
@pytest.mark.timeout(4 * TIMEOUT)
def test_release_checks_then_bumps(repo):
    copy, nox, hatch = repo
    version = about_version(copy / ABOUT)

    # 1. not released in its changelog: refused before anything is built
    refused = nox("-s", "release", "--", "pymacaron-core")
    assert refused.returncode != 0
    assert (f"pymacaron-core {version} is not released in {CORE}/CHANGELOG.md: move the entries of "
            f"'## [Unreleased]' under a new heading '## [{version}] - YYYY-MM-DD'") in refused.stderr, refused.stderr
    assert not (copy / "dist").exists()
    # tests of another package are not this release's
    elsewhere = nox("-s", "release", "--", "pymacaron-core", "tests/test_packaging.py")
    assert elsewhere.returncode != 0
    assert ("test paths must be under packages/pymacaron-core/tests (the release checks that package's tests): "
            "['tests/test_packaging.py']") in elsewhere.stderr, elsewhere.stderr

    # 2. a minor bump of the package every other one requires: ranges still right, the wheel builds and checks
    bumped = hatch("version", "minor")
    assert bumped.returncode == 0, bumped.stderr
    major, minor = (int(part) for part in version.split(".")[:2])
    new = f"{major}.{minor + 1}.0"
    assert about_version(copy / ABOUT) == new
    built = nox("-s", "build", "--", "pymacaron-core")
    assert built.returncode == 0, built.stdout + built.stderr
    assert f"OK, installed and imported: pymacaron-core=={new}" in built.stdout + built.stderr
    assert (copy / "dist" / f"pymacaron_core-{new}-py3-none-any.whl").is_file()

    # 3. released in the changelog: the whole release check, on a part of its tests
    changelog = copy / CORE / "CHANGELOG.md"
    today = datetime.date.today().isoformat()
    changelog.write_text(changelog.read_text().replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{new}] - {today}\n"))
    released = nox("-s", "release", "--", "pymacaron-core", "-n", "0", f"{CORE}/tests/test_apipool.py",
                   f"{CORE}/tests/test_readme.py")
    out = released.stdout + released.stderr
    assert released.returncode == 0, out
    assert "twine check --strict" in out and re.search(r" passed in ", out)
    assert f"pymacaron-core {new} installed from its wheel" in out
    ran = set(re.findall(r"^(\S+\.py) [.]+\s+\[", out, re.M))
    assert ran == {f"{CORE}/tests/test_apipool.py", f"{CORE}/tests/test_readme.py"}, out  # those two files only
    assert re.search(rf"pymacaron-core {re.escape(new)} is ready: twine upload \S+pymacaron_core-{re.escape(new)}-py3-none-any"
                     rf"\.whl \S+pymacaron_core-{re.escape(new)}\.tar\.gz", out), out

    # 4. a major bump: each requirement that now rejects it is named, before anything is built
    assert hatch("version", "major").returncode == 0
    rejected = nox("-s", "build", "--", "pymacaron-core")
    assert rejected.returncode != 0
    assert "the local packages' requirements on each other do not match their versions" in rejected.stderr
    new_major = f"{major + 1}.0.0"
    requirement = next(r for r in pyproject("pymacaron")["project"]["dependencies"] if r.startswith("pymacaron-core"))
    assert (f"pymacaron requires {Requirement(requirement)} (packages/pymacaron/pyproject.toml, dependencies), "
            f"which rejects pymacaron-core {new_major} (its version now): widen the range") in rejected.stderr, \
        rejected.stderr

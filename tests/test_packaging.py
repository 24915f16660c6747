"""Packaging of the monorepo: six independently released distributions, all at 3.0.0.

Our names (pymacaron, pymacaron-core, ...) have old 2.x releases on PyPI; these tests prove that
ours are what gets installed: from the editable dev install, from built wheels with pipenv, and that
`hatch version` bumps one package without touching the others.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
VERSION = "3.0.0"
OLD_PYPI_VERSION = "2.0.345"  # the last release of the original project on PyPI

# distribution name -> import name
DISTRIBUTIONS = {
    "pymacaron-core": "pymacaron_core",
    "pymacaron": "pymacaron",
    "pymacaron-async": "pymacaron_async",
    "pymacaron-unit": "pymacaron_unit",
    "pymacaron-aws": "pymacaron_aws",
    "pymacaron-gcp": "pymacaron_gcp",
}
EXTRAS = {  # pymacaron's extras -> the distributions each one must bring in
    "async": {"pymacaron-async"},
    "unit": {"pymacaron-unit"},
    "aws": {"pymacaron-aws"},
    "gcp": {"pymacaron-gcp"},
    "gunicorn": {"gunicorn"},  # the alternative production server (granian is the default)
    "otel": {"opentelemetry-api", "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"},  # tracing
    "metrics": {"prometheus-client"},  # GET /metrics
    "all": {"pymacaron-async", "pymacaron-unit", "pymacaron-aws", "pymacaron-gcp", "gunicorn", "opentelemetry-api",
            "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http", "prometheus-client"},
}


def pyproject(dist: str) -> dict:
    return tomllib.loads((PACKAGES / dist / "pyproject.toml").read_text(encoding="utf-8"))


def about_version(path: Path) -> str:
    """__version__ from an __about__.py, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"no __version__ in {path}")


def extra_closure(extra: str, seen: set[str] | None = None) -> set[str]:
    """Distributions that `pymacaron[extra]` brings in, following self-references like pymacaron[a,b]."""
    seen = set() if seen is None else seen
    if extra in seen:
        return set()
    seen.add(extra)
    found: set[str] = set()
    for req in map(Requirement, pyproject("pymacaron")["project"]["optional-dependencies"][extra]):
        name = canonicalize_name(req.name)
        if name == "pymacaron":
            for sub in req.extras:
                found |= extra_closure(sub, seen)
        else:
            found.add(name)
    return found


# ----------------------------------------------------------------------------------------------
# Fast checks of the layout and metadata
# ----------------------------------------------------------------------------------------------


def test_the_six_packages_are_there():
    present = {p.name for p in PACKAGES.iterdir() if (p / "pyproject.toml").exists()}
    assert present == set(DISTRIBUTIONS)


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_package_layout(dist):
    module = DISTRIBUTIONS[dist]
    pkg = PACKAGES / dist
    meta = pyproject(dist)
    assert meta["build-system"]["build-backend"] == "hatchling.build"
    assert meta["project"]["name"] == dist
    assert "version" in meta["project"]["dynamic"], "the version must be dynamic (read from __about__.py)"
    assert meta["tool"]["hatch"]["version"]["path"] == f"src/{module}/__about__.py"
    assert meta["project"]["readme"] == "README.md"
    assert (pkg / "README.md").is_file() and (pkg / "README.md").read_text(encoding="utf-8").strip()
    assert (pkg / "src" / module / "__init__.py").is_file()
    assert about_version(pkg / "src" / module / "__about__.py") == VERSION
    assert (pkg / "tests").is_dir(), f"{dist} has no tests/ directory (DESIGN.md section 2)"
    # importlib import mode: test basenames repeat across packages, test dirs are not packages
    assert not (pkg / "tests" / "__init__.py").exists()


def test_cross_package_tests_dir_is_not_a_package():
    assert not (ROOT / "tests" / "__init__.py").exists()


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_local_requirements_never_accept_the_old_pypi_releases(dist):
    project = pyproject(dist)["project"]
    reqs = project.get("dependencies", []) + [
        r for extra in project.get("optional-dependencies", {}).values() for r in extra
    ]
    for req in map(Requirement, reqs):
        name = canonicalize_name(req.name)
        if name in DISTRIBUTIONS and name != dist:
            assert req.specifier.contains(VERSION), f"{dist}: {req} rejects {VERSION}"
            assert not req.specifier.contains(OLD_PYPI_VERSION), f"{dist}: {req} accepts the old {OLD_PYPI_VERSION}"


def test_dependency_direction():
    """core <- pymacaron <- {async, aws, gcp}; unit depends on none of ours; no cycles."""
    local_deps = {
        dist: {canonicalize_name(Requirement(r).name) for r in pyproject(dist)["project"].get("dependencies", [])}
        & set(DISTRIBUTIONS)
        for dist in DISTRIBUTIONS
    }
    assert local_deps == {
        "pymacaron-core": set(),
        "pymacaron": {"pymacaron-core"},
        "pymacaron-async": {"pymacaron"},
        "pymacaron-unit": set(),
        "pymacaron-aws": {"pymacaron"},
        "pymacaron-gcp": {"pymacaron"},
    }


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_pymacaron_extras(extra):
    extras = pyproject("pymacaron")["project"]["optional-dependencies"]
    assert extra in extras, f"pymacaron[{extra}] is missing"
    assert extra_closure(extra) == EXTRAS[extra]


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_dev_install_is_the_local_editable_package(dist):
    """In the dev/test env every package is installed editable from packages/, never from PyPI."""
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{dist} is not installed in this environment (run the tests with `nox -s tests`)")
    assert version == VERSION
    spec = importlib.util.find_spec(DISTRIBUTIONS[dist])
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve().is_relative_to(PACKAGES / dist / "src"), spec.origin


def test_readme_and_ci_run_the_same_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "`nox -s tests`" in readme and "`nox -s demo`" in readme
    assert re.search(r"^[^#\n]*\bnox -s tests\b", ci, re.M), ".ci/run must run the README's `nox -s tests`"
    assert re.search(r"^[^#\n]*\bnox -s lint\b", ci, re.M)
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    sessions = set(re.findall(r"@nox\.session[^\n]*\ndef (\w+)\(", noxfile))
    documented = {"tests", "lint", "build", "demo", "bench", "acceptance"}
    assert documented <= sessions
    for session in documented:
        assert f"nox -s {session}" in readme, f"README does not mention `nox -s {session}`"


# ----------------------------------------------------------------------------------------------
# hatch version: one package at a time
# ----------------------------------------------------------------------------------------------


def outer_env() -> dict[str, str]:
    """os.environ without the variables that tie tools to the test env (nox sets UV_PYTHON,
    UV_PROJECT_ENVIRONMENT and VIRTUAL_ENV: uv would install into the test env, not the tool's)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UV_PYTHON", "UV_PROJECT", "PIPENV_", "HATCH_ENV")) and k != "VIRTUAL_ENV"
    }


def hatch_command() -> list[str] | None:
    if importlib.util.find_spec("hatch") is not None:
        return [sys.executable, "-m", "hatch"]
    exe = shutil.which("hatch")
    return [exe] if exe else None


@pytest.mark.timeout(600)
def test_hatch_version_bumps_only_that_package(tmp_path):
    hatch = hatch_command()
    if hatch is None:
        pytest.skip("the hatch CLI is not installed in this environment (it is in requirements/test.txt)")
    # a miniature monorepo: root tool config + the bumped package + a sibling (sources and metadata only)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for dist in ("pymacaron-core", "pymacaron-aws"):
        dest = tmp_path / "packages" / dist
        dest.mkdir(parents=True)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(PACKAGES / dist / name, dest / name)
        module = DISTRIBUTIONS[dist]
        shutil.copytree(
            PACKAGES / dist / "src" / module,
            dest / "src" / module,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    about_aws = tmp_path / "packages/pymacaron-aws/src/pymacaron_aws/__about__.py"
    about_core = tmp_path / "packages/pymacaron-core/src/pymacaron_core/__about__.py"
    originals = {
        path: path.read_text(encoding="utf-8")
        for path in (PACKAGES / dist / "src" / module / "__about__.py" for dist, module in DISTRIBUTIONS.items())
    }

    env = outer_env()
    env.update(HATCH_DATA_DIR=str(tmp_path / ".hatch-data"), HATCH_CACHE_DIR=str(tmp_path / ".hatch-cache"))
    cwd = tmp_path / "packages/pymacaron-aws"
    run = subprocess.run(
        [*hatch, "version", "minor"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert about_version(about_aws) == "3.1.0"
    assert about_version(about_core) == VERSION, "the sibling package must not be bumped"
    shown = subprocess.run([*hatch, "version"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert shown.stdout.strip() == "3.1.0", shown.stdout + shown.stderr
    # and the real repository is untouched
    assert {p: p.read_text(encoding="utf-8") for p in originals} == originals


# ----------------------------------------------------------------------------------------------
# Built wheels, installed by a user with pipenv (third-party deps from PyPI, ours from the wheelhouse)
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheelhouse")
    uv = shutil.which("uv")
    for dist in DISTRIBUTIONS:
        if uv:
            cmd = [uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(PACKAGES / dist)]
        else:
            if importlib.util.find_spec("build") is None:
                pytest.skip("neither uv nor build is installed (build is in requirements/test.txt)")
            cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(PACKAGES / dist)]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        assert run.returncode == 0, f"building {dist} failed:\n{run.stdout}\n{run.stderr}"
    wheels = sorted(p.name for p in out.glob("*.whl"))
    expected = sorted(f"{d.replace('-', '_')}-{VERSION}-py3-none-any.whl" for d in DISTRIBUTIONS)
    assert wheels == expected
    return out


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pipenv_install_from_wheelhouse(wheelhouse, tmp_path):
    if importlib.util.find_spec("pipenv") is None:
        pytest.skip("pipenv is not installed in this environment (it is in requirements/test.txt)")
    project = tmp_path / "project"
    project.mkdir()
    env = outer_env()
    env.update(
        PIP_FIND_LINKS=" ".join(filter(None, [str(wheelhouse), os.environ.get("PIP_FIND_LINKS")])),
        PIP_NO_INPUT="1",
        PIPENV_VENV_IN_PROJECT="1",
        PIPENV_IGNORE_VIRTUALENVS="1",
        PIPENV_NO_INHERIT="1",
        PIPENV_NOSPIN="1",
        PIPENV_YES="1",
        PIPENV_QUIET="1",
        PIPENV_HIDE_EMOJIS="1",
        PIPENV_TIMEOUT="600",
        PIPENV_INSTALL_TIMEOUT="600",
        CI="1",
    )
    pipenv = [sys.executable, "-m", "pipenv"]

    def run(*args, timeout=600):
        proc = subprocess.run(
            [*pipenv, *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, f"pipenv {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    run("install", "--python", sys.executable, "pymacaron", "pymacaron-aws")

    probe = (
        "import importlib.metadata as md, json, pymacaron, pymacaron_aws, pymacaron_core\n"
        "print(json.dumps({\n"
        "  'versions': {d: md.version(d) for d in ('pymacaron', 'pymacaron-aws', 'pymacaron-core')},\n"
        "  'modules': [pymacaron.__version__, pymacaron_aws.__version__, pymacaron_core.__version__],\n"
        "  'files': [pymacaron.__file__, pymacaron_aws.__file__, pymacaron_core.__file__],\n"
        "}))\n"
    )
    result = json.loads(run("run", "python", "-c", probe, timeout=120).strip().splitlines()[-1])
    assert result["versions"] == {"pymacaron": VERSION, "pymacaron-aws": VERSION, "pymacaron-core": VERSION}
    assert result["modules"] == [VERSION] * 3
    venv = (project / ".venv").resolve()
    for file in result["files"]:  # installed in the project's venv, not the editable dev checkout
        assert Path(file).resolve().is_relative_to(venv), file
    lock = json.loads((project / "Pipfile.lock").read_text(encoding="utf-8"))
    for dist in ("pymacaron", "pymacaron-aws", "pymacaron-core"):
        assert lock["default"][dist]["version"] == f"=={VERSION}"

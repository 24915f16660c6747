"""Packaging of the monorepo: six independently released distributions.

Each package's version is written once, in its ``src/<module>/__about__.py``: these tests read it
from there (no test names a version), check what every release needs (LICENSE, a Keep a Changelog
CHANGELOG.md, classifiers, requirements on each other that accept the current versions and never
the original project's 2.x releases on PyPI), that the dev install is the local editable one, and
that ``hatch version`` bumps one package without touching the others. Building, bumping and
installing for real: tests/test_release.py and tests/test_install_*.py.
"""

from __future__ import annotations

import ast
import datetime
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
LAST_V2_RELEASE = "2.0.345"  # the last release of the original project on PyPI (not one of ours)
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]  # requires-python >= 3.10; the versions the classifiers list

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


def version_of(dist: str) -> str:
    """The version of a local package: its __about__.py, the one place it is written."""
    return about_version(PACKAGES / dist / "src" / DISTRIBUTIONS[dist] / "__about__.py")


def requirements_of(dist: str) -> list[Requirement]:
    project = pyproject(dist)["project"]
    reqs = project.get("dependencies", []) + [r for extra in project.get("optional-dependencies", {}).values()
                                              for r in extra]
    return [Requirement(r) for r in reqs]


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
# Layout and metadata
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
    # ours must sort above the original project's releases on PyPI
    assert Version(version_of(dist)) > Version(LAST_V2_RELEASE)
    assert (pkg / "tests").is_dir(), f"{dist} has no tests/ directory (DESIGN.md section 2)"
    # importlib import mode: test basenames repeat across packages, test dirs are not packages
    assert not (pkg / "tests" / "__init__.py").exists()


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_license_and_changelog_are_shipped(dist):
    pkg = PACKAGES / dist
    meta = pyproject(dist)
    assert meta["project"]["license"] == "BSD-2-Clause"
    assert (pkg / "LICENSE").read_text(encoding="utf-8").startswith("BSD 2-Clause License\n")
    # the sdist carries them (hatchling puts the LICENSE in the wheel's .dist-info by itself)
    sdist = meta["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"LICENSE", "CHANGELOG.md", "README.md"} <= set(sdist)


RELEASED = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$")


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_changelog_follows_keep_a_changelog(dist):
    """# Changelog, an [Unreleased] section first, then dated releases, newest first, none newer
    than the package's version; only Keep a Changelog's kinds of change."""
    lines = (PACKAGES / dist / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Changelog"
    sections = [line for line in lines if line.startswith("## ")]
    assert sections[0] == "## [Unreleased]", sections
    released = []
    for heading in sections[1:]:
        m = RELEASED.match(heading)
        assert m, f"{dist}/CHANGELOG.md: {heading!r} is not '## [X.Y.Z] - YYYY-MM-DD'"
        datetime.date.fromisoformat(m.group("date"))
        released.append(Version(m.group("version")))
    assert released == sorted(released, reverse=True), f"{dist}/CHANGELOG.md: releases are not newest first"
    assert all(v <= Version(version_of(dist)) for v in released)
    kinds = {line[4:] for line in lines if line.startswith("### ")}
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds


def imports_flask(dist: str) -> bool:
    for path in (PACKAGES / dist / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(n == "flask" or n.startswith("flask.") for n in names):
                return True
    return False


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_classifiers(dist):
    """Python versions (those of requires-python), a development status, and Flask only where it is used."""
    project = pyproject(dist)["project"]
    classifiers = project["classifiers"]
    assert project["requires-python"] == f">={PYTHONS[0]}"
    assert [c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")] == \
        [f"Programming Language :: Python :: {v}" for v in PYTHONS]
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert len([c for c in classifiers if c.startswith("Development Status :: ")]) == 1
    assert ("Framework :: Flask" in classifiers) == imports_flask(dist)
    assert not [c for c in classifiers if c.startswith("License ::")], "the license is the SPDX `license` field"
    assert classifiers == sorted(set(classifiers))


def test_classifiers_are_known_to_pypi():
    from trove_classifiers import classifiers as known  # PyPI's list (requirements/test.txt)

    for dist in DISTRIBUTIONS:
        assert set(pyproject(dist)["project"]["classifiers"]) <= known, dist


def test_cross_package_tests_dir_is_not_a_package():
    assert not (ROOT / "tests" / "__init__.py").exists()


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_local_requirements_accept_our_versions_never_the_old_pypi_releases(dist):
    for req in requirements_of(dist):
        name = canonicalize_name(req.name)
        if name in DISTRIBUTIONS and name != dist:
            assert req.specifier.contains(version_of(name)), f"{dist}: {req} rejects {name} {version_of(name)}"
            assert not req.specifier.contains(LAST_V2_RELEASE), f"{dist}: {req} accepts the old {LAST_V2_RELEASE}"


def test_dependency_direction_in_metadata():
    """core <- pymacaron <- {async, aws, gcp}; unit depends on none of ours; no cycles.
    (What the code really imports: tests/test_boundaries.py.)"""
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
    assert importlib.metadata.version(dist) == version_of(dist)
    spec = importlib.util.find_spec(DISTRIBUTIONS[dist])
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).resolve().is_relative_to(PACKAGES / dist / "src"), spec.origin


def version_literals(text: str, versions: set[str], python: bool) -> list[tuple[int, str]]:
    """(line, what) where ``text`` names one of ``versions``: a string that is the version (Python), or a
    pin, range or artefact name holding it (``==3.1.0``, ``>=3.1.0``, ``pymacaron-3.1.0-py3-none-any.whl``)."""
    found = []
    for version in versions:
        pattern = rf"(==|>=|<=|~=|!=|<|>|-)\s*{re.escape(version)}(?![\w.])"
        found += [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in re.finditer(pattern, text)]
        try:
            tree = ast.parse(text) if python else None
        except SyntaxError:  # tests/fixtures/bad*: broken on purpose
            tree = None
        found += [(node.lineno, repr(node.value)) for node in (ast.walk(tree) if tree else [])
                  if isinstance(node, ast.Constant) and node.value == version]
    return sorted(found)


def test_no_test_nor_session_names_a_version():
    """A version is written in its __about__.py only: tests, nox sessions and CI read it from there, so
    `hatch version minor` in one package leaves them right."""
    ours = {version_of(dist) for dist in DISTRIBUTIONS}
    files = [ROOT / "noxfile.py", ROOT / "conftest.py", ROOT / ".ci" / "run"]
    files += [p for p in (ROOT / "tests").rglob("*.py")] + [p for p in PACKAGES.glob("*/tests/**/*.py")]
    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in files
             for line, what in version_literals(path.read_text(encoding="utf-8"), ours, path.suffix == ".py")]
    assert found == []


def test_the_version_literal_check_finds_them():
    text = 'V = "7.1.0"\nREQ = "pymacaron>=7.1.0,<8"\nWHL = "pymacaron-7.1.0-py3-none-any.whl"\n' \
           'SPEC = "openapi: 7.1.0"\nOTHER = "7.1.01"\n'
    assert version_literals(text, {"7.1.0"}, python=True) == [(1, "'7.1.0'"), (2, ">=7.1.0"), (3, "-7.1.0")]


def test_readme_and_ci_run_the_same_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "`nox -s tests`" in readme and "`nox -s demo`" in readme
    assert re.search(r"^[^#\n]*\bnox -s tests\b", ci, re.M), ".ci/run must run the README's `nox -s tests`"
    assert re.search(r"^[^#\n]*\bnox -s lint\b", ci, re.M)
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    sessions = set(re.findall(r"@nox\.session[^\n]*\ndef (\w+)\(", noxfile))
    documented = {"tests", "lint", "build", "wheels", "release", "demo", "bench", "acceptance"}
    assert documented <= sessions
    for session in documented:
        assert f"nox -s {session}" in readme, f"README does not mention `nox -s {session}`"


def load_noxfile():
    spec = importlib.util.spec_from_file_location("pym_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_demo_and_acceptance_choose_the_example_by_name():
    """`nox -s demo -- <example> [args]` and `nox -s acceptance -- <example> [args]`: a first argument
    that is not an option names the example; without one, demo serves helloworld and acceptance
    runs every example."""
    nf = load_noxfile()
    assert nf.examples() == ["helloworld", "bookshop"]  # the default first, then the others
    assert nf.split_example_args([], ["helloworld"]) == (["helloworld"], [])
    assert nf.split_example_args(["--debug"], ["helloworld"]) == (["helloworld"], ["--debug"])
    assert nf.split_example_args(["bookshop", "--port", "9000"], ["helloworld"]) == (["bookshop"], ["--port", "9000"])
    assert nf.split_example_args([], nf.examples()) == (["helloworld", "bookshop"], [])
    with pytest.raises(ValueError, match="no example 'nope' in examples/ .*known: helloworld, bookshop"):
        nf.split_example_args(["nope"], ["helloworld"])
    assert nf.example_requirements("bookshop") == ["-r", str(ROOT / "examples" / "bookshop" / "requirements.txt")]
    assert set(nf.ACCEPTANCE_ARGS) <= set(nf.examples())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`nox -s demo -- bookshop`" in readme and "examples/bookshop" in readme


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


def test_hatch_version_bumps_only_that_package(tmp_path):
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
    before = Version(version_of("pymacaron-aws"))
    bumped = f"{before.major}.{before.minor + 1}.0"

    env = outer_env()
    env.update(HATCH_DATA_DIR=str(tmp_path / ".hatch-data"), HATCH_CACHE_DIR=str(tmp_path / ".hatch-cache"))
    cwd = tmp_path / "packages/pymacaron-aws"
    hatch = [sys.executable, "-m", "hatch"]
    run = subprocess.run([*hatch, "version", "minor"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                         stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stdout + run.stderr
    assert about_version(about_aws) == bumped
    assert about_version(about_core) == version_of("pymacaron-core"), "the sibling package must not be bumped"
    shown = subprocess.run([*hatch, "version"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert shown.stdout.strip() == bumped, shown.stdout + shown.stderr
    # and the real repository is untouched
    assert {p: p.read_text(encoding="utf-8") for p in originals} == originals

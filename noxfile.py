"""Developer and CI entry points for the PyMacaron monorepo.

    nox -s tests                  all tests: packages/*/tests and tests/ (one env, every package editable)
    nox -s lint                   ruff over the whole tree
    nox -s build [-- <dist>...]   wheels + sdists into dist/, each checked in a fresh venv without PyPI
    nox -s wheels                 the wheels alone, into dist/ (to install PyMacaron 3 from this clone)
    nox -s release -- <dist> [pytest args]
                                  checks a release of one package, publishes nothing (see `release`)
    nox -s demo [-- <example> [args]]
                                  serve examples/<example> (default helloworld) on http://127.0.0.1:8080
                                  (docs at /doc/<example>); args go to its server.py
    nox -s bench [-- args]        benchmarks/run.py
    nox -s acceptance [-- <example> [args]]
                                  `pymacaron test --local --gen-token --fuzz` in each example (or the one named)

Dev installs always install ALL local packages together (editable), so none of our names
(pymacaron*, whose old 2.x releases exist on PyPI) can ever resolve from PyPI.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

nox.needs_version = ">=2024.3.2"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = False

ROOT = Path(__file__).resolve().parent
PACKAGES_DIR = ROOT / "packages"
DIST_DIR = ROOT / "dist"
TEST_REQUIREMENTS = ROOT / "requirements" / "test.txt"
LINT_REQUIREMENTS = ROOT / "requirements" / "lint.txt"
EXAMPLES_DIR = ROOT / "examples"
DEFAULT_EXAMPLE = "helloworld"
# What `nox -s acceptance` adds for an example: helloworld's GET /die crashes on purpose, so it is not fuzzed.
ACCEPTANCE_ARGS = {"helloworld": ["--fuzz-exclude", "/die"]}
# `nox -s demo` only, when $PYM_JWT_SECRET is unset: public, so it protects nothing.
DEMO_JWT_SECRET = "demo-only-public-jwt-secret-never-use-it-in-production"
BENCH_SCRIPT = ROOT / "benchmarks" / "run.py"
# The last release of the original project on PyPI: our requirements on each other must reject it.
LAST_V2_RELEASE = "2.0.345"
# pytest-xdist workers of `nox -s tests`: many tests wait on subprocesses and servers, so more workers
# than the 2 cores of the reference machine pay off (measured: see the commit adding this line).
TEST_WORKERS = "4"  # 2,077 tests on 2 idle cores: 9 min 20 s with 3 workers, 7 min 11 s with 4


# --------------------------------------------------------------------------------------------
# The local packages, read from their own metadata.
# --------------------------------------------------------------------------------------------


@dataclass
class LocalPackage:
    name: str  # distribution name, e.g. "pymacaron-aws"
    path: Path  # packages/pymacaron-aws
    module: str  # import name, e.g. "pymacaron_aws"
    version: str  # __version__ of src/<module>/__about__.py, the one place it is written
    dependencies: list[Requirement] = field(default_factory=list)
    extras: dict[str, list[Requirement]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    def artefact_stem(self) -> str:
        # wheel/sdist file names use the normalised name with underscores
        return self.key.replace("-", "_")

    def requirements(self) -> list[tuple[str, Requirement]]:
        """(where, requirement) of every dependency and extra."""
        found = [("dependencies", req) for req in self.dependencies]
        return found + [(f"optional-dependencies.{extra}", req) for extra, reqs in self.extras.items() for req in reqs]


def range_problems(packages: dict[str, LocalPackage]) -> list[str]:
    """What is wrong with our requirements on each other: each must accept the other package's
    current version (after a bump: a major one needs the dependents' ranges reviewed) and reject
    the original project's 2.x releases on PyPI."""
    problems = []
    for pkg in packages.values():
        for where, req in pkg.requirements():
            dep = packages.get(canonicalize_name(req.name))
            if dep is None or dep.key == pkg.key:
                continue
            if not req.specifier.contains(dep.version, prereleases=True):
                problems.append(f"{pkg.name} requires {req} ({pkg.rel}/pyproject.toml, {where}), which rejects "
                                f"{dep.name} {dep.version} (its version now): widen the range to accept it, "
                                f"once {pkg.name} works with it")
            if req.specifier.contains(LAST_V2_RELEASE, prereleases=True):
                problems.append(f"{pkg.name} requires {req} ({pkg.rel}/pyproject.toml, {where}), which accepts "
                                f"{dep.name} {LAST_V2_RELEASE}, a release of the original project on PyPI: "
                                f"require >= {dep.version}")
    return problems


def check_ranges(session: nox.Session, packages: dict[str, LocalPackage]) -> None:
    problems = range_problems(packages)
    if problems:
        session.error("the local packages' requirements on each other do not match their versions:\n  "
                      + "\n  ".join(problems))


def about_version(path: Path) -> str:
    """``__version__`` of an ``__about__.py``, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"no __version__ = '...' in {path}")


def local_packages(packages_dir: Path = PACKAGES_DIR) -> dict[str, LocalPackage]:
    """All packages/*/pyproject.toml, keyed by canonical distribution name, in a stable order."""
    found: dict[str, LocalPackage] = {}
    for pyproject in sorted(packages_dir.glob("*/pyproject.toml")):
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        project = data["project"]
        version_path = data["tool"]["hatch"]["version"]["path"]  # src/<module>/__about__.py
        module = Path(version_path).parent.name
        pkg = LocalPackage(
            name=project["name"],
            path=pyproject.parent,
            module=module,
            version=about_version(pyproject.parent / version_path),
            dependencies=[Requirement(r) for r in project.get("dependencies", [])],
            extras={
                extra: [Requirement(r) for r in reqs]
                for extra, reqs in project.get("optional-dependencies", {}).items()
            },
        )
        found[pkg.key] = pkg
    # dependency order: core first, then pymacaron, then the rest (a stable, readable order)
    order = {"pymacaron-core": 0, "pymacaron": 1}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], 2), kv[0])))


def editable_install_args(packages: dict[str, LocalPackage]) -> list[str]:
    """`-e packages/<pkg>[<all its extras>]` for every local package, for ONE install command.

    Extras are included so that their third-party dependencies (declared in each package's own
    metadata) are installed too; extras that name local packages resolve to the local editables.
    """
    args: list[str] = []
    for pkg in packages.values():
        spec = pkg.rel
        if pkg.extras:
            spec += "[" + ",".join(sorted(pkg.extras)) + "]"
        args += ["-e", spec]
    return args


def install_local(session: nox.Session, *extra: str) -> None:
    """Install every local package editable, plus `extra` args, in one single install command
    (after checking our requirements on each other accept our versions: a clear message, not the
    resolver's, after a version bump)."""
    packages = local_packages()
    check_ranges(session, packages)
    session.install(*editable_install_args(packages), *extra)


def nox_dir(session: nox.Session) -> Path:
    """The folder holding the session envs (.nox, or the one given with `nox --envdir`)."""
    return Path(session.virtualenv.location).resolve().parent


def examples(examples_dir: Path = EXAMPLES_DIR) -> list[str]:
    """The example services: the folders of examples/ with a server.py, the default one first."""
    found = sorted(p.parent.name for p in examples_dir.glob("*/server.py"))
    return sorted(found, key=lambda name: name != DEFAULT_EXAMPLE)


def split_example_args(args: list[str], default: list[str], examples_dir: Path = EXAMPLES_DIR
                       ) -> tuple[list[str], list[str]]:
    """(example names, the other args) of `nox -s <session> -- [<example>] [args]`: a first argument
    that does not start with '-' names the example (ValueError if there is no such example), else
    ``default``."""
    known = examples(examples_dir)
    if args and not args[0].startswith("-"):
        if args[0] not in known:
            raise ValueError(f"no example {args[0]!r} in {examples_dir.name}/ (a folder with a server.py); "
                             f"known: {', '.join(known)}")
        return [args[0]], list(args[1:])
    return list(default), list(args)


def example_requirements(*names: str) -> list[str]:
    reqs = [EXAMPLES_DIR / name / "requirements.txt" for name in names or (DEFAULT_EXAMPLE,)]
    return [arg for path in reqs if path.exists() for arg in ("-r", str(path))]


def require_path(session: nox.Session, path: Path, what: str) -> None:
    if not path.exists():
        session.error(f"{what} not found: {path.relative_to(ROOT)} does not exist yet")


# --------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------


@nox.session
def tests(session: nox.Session) -> None:
    """Run every test of every package (packages/*/tests) and the cross-package tests (tests/), in
    TEST_WORKERS parallel processes ($PYM_TEST_WORKERS, or `-- -n N` among the arguments, overrides it)."""
    install_local(session, "-r", str(TEST_REQUIREMENTS))
    paths = sorted(p for p in glob.glob("packages/*/tests") if os.path.isdir(p))
    if os.path.isdir("tests"):
        paths.append("tests")
    workers = [] if any(arg.startswith(("-n", "--numprocesses")) for arg in session.posargs) else [
        "-n", os.environ.get("PYM_TEST_WORKERS", TEST_WORKERS)]
    # pytest exit code 5 ("no tests ran") is not an error here; .ci/run treats it as a failure.
    # Per-test timeout (pytest-timeout) and the rest of the configuration: [tool.pytest.ini_options].
    # the 25 slowest tests are listed at the end: the whole run must stay well under 10 minutes
    durations = [] if any(arg.startswith("--durations") for arg in session.posargs) else ["--durations=25"]
    session.run("pytest", "--import-mode=importlib", *workers, *durations, *(session.posargs or paths),
                success_codes=[0, 5])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, then mypy (configuration: [tool.ruff] and [tool.mypy] in the root pyproject.toml)."""
    session.install("-r", str(LINT_REQUIREMENTS))
    targets = [t for t in ("packages", "tests", "noxfile.py", "conftest.py", "benchmarks", "examples")
               if (ROOT / t).exists()]
    session.run("ruff", "check", *targets, *session.posargs)
    session.run("mypy")  # the packages' modules: [tool.mypy] in the root pyproject.toml says which


@nox.session
def build(session: nox.Session) -> None:
    """Build wheel + sdist of each package into dist/, then install each one ALONE in a fresh venv
    with `pip install --no-index --find-links dist --find-links <third-party wheelhouse>`, and
    check it has the version of its __about__.py and imports. `nox -s build -- pymacaron-aws` does
    only that package (plus the local packages it depends on, which its check needs)."""
    packages = local_packages()
    check_ranges(session, packages)
    wanted = [canonicalize_name(n) for n in session.posargs] or list(packages)
    unknown = [n for n in wanted if n not in packages]
    if unknown:
        session.error(f"unknown package(s) {unknown}; known: {list(packages)}")
    # each wanted package alone; with all of them, also the meta-distribution with every extension
    checks = [packages[key].name for key in wanted]
    if set(wanted) == set(packages) and "all" in getattr(packages.get("pymacaron"), "extras", {}):
        checks.append("pymacaron[all]")
    closures = [requirement_closure(Requirement(check), packages) for check in checks]
    to_build = [pkg for key, pkg in packages.items() if any(key in ours for ours, _ in closures)]

    session.install("build", "pip", "virtualenv")
    DIST_DIR.mkdir(exist_ok=True)

    # 1. our wheels and sdists (stale artefacts of the same packages are removed first)
    for pkg in to_build:
        for old in DIST_DIR.glob(f"{pkg.artefact_stem()}-*"):
            old.unlink()
        if shutil.which("uv"):
            session.run("uv", "build", "--quiet", "--out-dir", str(DIST_DIR), pkg.rel, external=True)
        else:
            session.run("python", "-m", "build", "--outdir", str(DIST_DIR), pkg.rel)

    # 2. a wheelhouse with the third-party dependencies only (from PyPI), never our names
    third_party = sorted(set().union(*(deps for _, deps in closures)))
    # third-party wheels only, never ours; next to the session envs (honours `nox --envdir`)
    wheelhouse = nox_dir(session) / "wheelhouse"
    wheelhouse.mkdir(parents=True, exist_ok=True)
    if third_party:
        session.run("python", "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheelhouse), *third_party)
    leaked = [p.name for p in wheelhouse.iterdir() if canonicalize_name(p.name.split("-")[0]) in packages]
    if leaked:
        session.error(f"the third-party wheelhouse contains our own packages: {leaked}")

    # 3. each check in its own fresh venv, from the two wheelhouses only
    for check, (ours, _) in zip(checks, closures, strict=True):
        check_install(session, check, sorted(ours), packages, wheelhouse)


# Run inside each fresh venv: each of our installed distributions has its source's version and imports.
CHECKER = """\
import importlib, importlib.metadata as md, json, sys

versions, modules, must_have = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
found = {}
for dist in md.distributions():
    name = dist.metadata["Name"].lower().replace("_", "-")
    if name in modules:
        found[name] = dist.version
        expected = versions[name]
        assert dist.version == expected, f"{name} is {dist.version}, expected {expected}"
        about = importlib.import_module(modules[name] + ".__about__").__version__
        importlib.import_module(modules[name])
        assert about == expected, f"{modules[name]}.__about__.__version__ is {about}, expected {expected}"
missing = [name for name in must_have if name not in found]
assert not missing, f"not installed: {missing}"
print("OK, installed and imported:", ", ".join(f"{k}=={v}" for k, v in sorted(found.items())))
"""


def requirement_closure(
    req: Requirement, packages: dict[str, LocalPackage], seen: set | None = None
) -> tuple[set[str], set[str]]:
    """What installing `req` pulls in: (our distributions, the third-party requirements they declare),
    following dependencies and the requested extras through our packages."""
    seen = set() if seen is None else seen
    key = canonicalize_name(req.name)
    if key not in packages:
        return set(), {str(req)}
    if (key, frozenset(req.extras)) in seen:
        return set(), set()
    seen.add((key, frozenset(req.extras)))
    ours, third_party = {key}, set()
    pkg = packages[key]
    for dep in pkg.dependencies + [d for extra in sorted(req.extras) for d in pkg.extras.get(extra, [])]:
        dep_ours, dep_third_party = requirement_closure(dep, packages, seen)
        ours |= dep_ours
        third_party |= dep_third_party
    return ours, third_party


def check_install(
    session: nox.Session, requirement: str, must_have: list[str], packages: dict[str, LocalPackage], wheelhouse: Path
) -> None:
    label = requirement
    req = Requirement(requirement)
    venv = nox_dir(session) / "build-check" / (canonicalize_name(req.name) + ("-extras" if req.extras else ""))
    shutil.rmtree(venv, ignore_errors=True)
    session.log(f"checking `pip install {label}` in a fresh venv {venv}")
    session.run("python", "-m", "virtualenv", "--quiet", str(venv))
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = str(bindir / "python")
    session.run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(DIST_DIR),
        "--find-links",
        str(wheelhouse),
        requirement,
        external=True,
        # no config/env may add an index or other find-links behind our back
        env={"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": None, "PIP_INDEX_URL": None, "PIP_EXTRA_INDEX_URL": None},
    )
    checker = venv / "check_install.py"
    checker.write_text(CHECKER, encoding="utf-8")
    session.run(
        python,
        str(checker),
        json.dumps({key: pkg.version for key, pkg in packages.items()}),
        json.dumps({key: pkg.module for key, pkg in packages.items()}),
        json.dumps(must_have),
        external=True,
    )


@nox.session
def wheels(session: nox.Session) -> None:
    """The wheel of every package into dist/, and nothing else (no install check: that is `build`):
    what `pip install --find-links dist pymacaron ...` needs to install PyMacaron 3 from this clone."""
    packages = local_packages()
    check_ranges(session, packages)
    session.install("build", "hatchling")
    DIST_DIR.mkdir(exist_ok=True)
    for pkg in packages.values():
        for old in DIST_DIR.glob(f"{pkg.artefact_stem()}-*.whl"):
            old.unlink()
        # the backend installed here builds them: no package index needed
        session.run("python", "-m", "build", "--wheel", "--no-isolation", "--outdir", str(DIST_DIR), pkg.rel,
                    silent=True)
    built = sorted(p.name for p in DIST_DIR.glob("*.whl"))
    session.log(f"{len(built)} wheels in {DIST_DIR}: {', '.join(built)}")


RELEASED = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})\s*$", re.M)


def released_versions(changelog: Path) -> list[str]:
    """The versions of a Keep a Changelog file's dated sections (`## [1.2.0] - 2026-01-31`), newest first."""
    return [m.group("version") for m in RELEASED.finditer(changelog.read_text(encoding="utf-8"))]


@nox.session
def release(session: nox.Session) -> None:
    """Check a release of ONE package, publishing nothing: `nox -s release -- pymacaron-aws [pytest args]`.

    1. its version (src/<module>/__about__.py) is the newest dated section of its CHANGELOG.md;
    2. our requirements on each other accept our versions;
    3. its wheel and sdist are built (into a temporary folder, with the other packages' wheels) and
       pass `twine check --strict`;
    4. in a fresh venv, its wheel installs ALONE (the other local packages it needs from their
       wheels, the rest from the package index), imports, and has that version;
    5. its own tests (packages/<dist>/tests; arguments after the name go to pytest, and test paths
       among them, under that folder, replace it) run in that venv
       against the installed wheel, with requirements/test.txt and the other local packages as wheels.
    Publishing is then `twine upload` of the two files it names.
    """
    if not session.posargs:
        session.error("which package? e.g. nox -s release -- pymacaron-aws")
    packages = local_packages()
    key, pytest_args = canonicalize_name(session.posargs[0]), list(session.posargs[1:])
    if key not in packages:
        session.error(f"unknown package {session.posargs[0]!r}; known: {', '.join(packages)}")
    pkg = packages[key]
    # test paths among the pytest arguments replace the package's tests folder (they must be in it)
    tests_dir = (pkg.path / "tests").resolve()
    paths = [a for a in pytest_args if not a.startswith("-") and (ROOT / a.split("::")[0]).exists()]
    outside = [a for a in paths if not (ROOT / a.split("::")[0]).resolve().is_relative_to(tests_dir)]
    if outside:
        session.error(f"test paths must be under {pkg.rel}/tests (the release checks that package's tests): {outside}")

    # 1. the changelog says this version is released
    changelog = pkg.path / "CHANGELOG.md"
    if not changelog.is_file():
        session.error(f"{pkg.rel}/CHANGELOG.md is missing")
    released = released_versions(changelog)
    if pkg.version not in released:
        session.error(f"{pkg.name} {pkg.version} is not released in {pkg.rel}/CHANGELOG.md: move the entries of "
                      f"'## [Unreleased]' under a new heading '## [{pkg.version}] - YYYY-MM-DD' (the release date), "
                      "as Keep a Changelog does, then run this again")
    if released[0] != pkg.version:
        session.error(f"{pkg.name} {pkg.version} is not the newest release in {pkg.rel}/CHANGELOG.md (the newest "
                      f"is {released[0]}): bump the version (cd {pkg.rel} && hatch version minor)")
    # 2.
    check_ranges(session, packages)

    # 3. build and check the artefacts
    session.install("build", "hatchling", "twine", "uv")
    out = Path(tempfile.mkdtemp(prefix=f"release-{pkg.key}-", dir=session.create_tmp()))
    artefacts, deps = out / "artefacts", out / "local-wheels"
    session.run("python", "-m", "build", "--no-isolation", "--outdir", str(artefacts), pkg.rel, silent=True)
    files = sorted(str(p) for p in artefacts.iterdir())
    session.run("twine", "check", "--strict", *files)
    for other in packages.values():
        if other.key != pkg.key:
            session.run("python", "-m", "build", "--wheel", "--no-isolation", "--outdir", str(deps), other.rel,
                        silent=True)

    # 4. installed alone from the wheel, in a fresh venv
    venv = out / "venv"
    session.run("uv", "venv", "--quiet", "--python", sys.executable, str(venv))
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    wheel = next(p for p in files if p.endswith(".whl"))
    no_config = {"UV_NO_CONFIG": "1", "UV_FIND_LINKS": None, "PIP_FIND_LINKS": None, "VIRTUAL_ENV": None}
    session.run("uv", "pip", "install", "--quiet", "--python", python, "--find-links", str(deps), wheel, env=no_config)
    session.run(python, "-c", RELEASE_CHECKER, pkg.name, pkg.module, pkg.version, external=True)

    # 5. its tests against the installed wheel
    session.run("uv", "pip", "install", "--quiet", "--python", python, "--find-links", str(deps),
                "--find-links", str(artefacts), "-r", str(TEST_REQUIREMENTS),
                *[p.name + ("[" + ",".join(sorted(p.extras)) + "]" if p.extras else "") + f"=={p.version}"
                  for p in packages.values()],
                env=no_config)
    session.run(python, "-c", RELEASE_CHECKER, pkg.name, pkg.module, pkg.version, external=True)
    workers = [] if any(a.startswith(("-n", "--numprocesses")) for a in pytest_args) else ["-n", TEST_WORKERS]
    # `pymacaron docker` in the tests finds our wheels as a user's would: through PIP_FIND_LINKS
    session.run(python, "-m", "pytest", "-p", "no:cacheprovider", *workers, *([] if paths else [f"{pkg.rel}/tests"]),
                *pytest_args,
                external=True, env={"PIP_FIND_LINKS": f"{artefacts} {deps}"})
    session.log(f"{pkg.name} {pkg.version} is ready: twine upload {' '.join(files)}")


# Run in the release venv: the distribution has the version and is imported from the venv, not this clone.
RELEASE_CHECKER = """\
import importlib, importlib.metadata as md, os, sys, sysconfig

name, module, version = sys.argv[1:4]
assert md.version(name) == version, f"{name} is installed at {md.version(name)}, expected {version}"
mod = importlib.import_module(module)
site = os.path.realpath(sysconfig.get_paths()["purelib"])
assert os.path.realpath(mod.__file__).startswith(site + os.sep), f"{module} is imported from {mod.__file__}"
assert getattr(mod, "__version__", version) == version, f"{module}.__version__ is {mod.__version__}"
print(f"{name} {version} installed from its wheel: {mod.__file__}")
"""


@nox.session
def demo(session: nox.Session) -> None:
    """Serve an example on http://127.0.0.1:8080: `nox -s demo` serves examples/helloworld (API docs at
    /doc/helloworld), `nox -s demo -- bookshop` examples/bookshop; arguments after the name go to its
    server.py (`nox -s demo -- bookshop --port 9000`)."""
    try:
        [name], args = split_example_args(list(session.posargs), [DEFAULT_EXAMPLE])
    except ValueError as e:
        session.error(str(e))
    folder = EXAMPLES_DIR / name
    require_path(session, folder / "server.py", "the example service")
    install_local(session, *example_requirements(name))
    session.chdir(folder)
    env = {}
    if not os.environ.get("PYM_JWT_SECRET"):
        # DEMO ONLY: the examples need a JWT secret (env_secrets in their pym-config.yaml). This one is
        # public, so tokens it signs prove nothing: never use it outside `nox -s demo`.
        env["PYM_JWT_SECRET"] = DEMO_JWT_SECRET
        session.log("PYM_JWT_SECRET is not set: using the public demo secret (DEMO ONLY)")
    session.run("python", "server.py", "--port", "8080", *args, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the performance suite: benchmarks/run.py (arguments after `--` are passed on)."""
    require_path(session, BENCH_SCRIPT, "the benchmark suite")
    reqs = BENCH_SCRIPT.parent / "requirements.txt"
    install_local(session, *(["-r", str(reqs)] if reqs.exists() else []))
    session.run("python", str(BENCH_SCRIPT), *session.posargs)


@nox.session
def acceptance(session: nox.Session) -> None:
    """Run the examples' black-box acceptance tests and fuzzing: `pymacaron test --local --gen-token --fuzz`
    in examples/helloworld, then in examples/bookshop (`nox -s acceptance -- bookshop [runner args]`: that
    one only, arguments after the name to its runner)."""
    try:
        names, args = split_example_args(list(session.posargs), examples())
    except ValueError as e:
        session.error(str(e))
    if not names:
        session.error(f"no example service (a folder with a server.py) in {EXAMPLES_DIR.relative_to(ROOT)}/")
    install_local(session, *example_requirements(*names))
    if not shutil.which("pymacaron", path=session.bin):
        session.error("the `pymacaron` command is not installed (no console script in packages/pymacaron yet).")
    for name in names:
        session.chdir(EXAMPLES_DIR / name)
        # The runner starts the example on a free port, with its JWT secret (a throwaway one unless set),
        # makes a test token, runs testaccept/ and fuzzes its specs.
        env = {"PYM_JWT_SECRET": os.environ.get("PYM_JWT_SECRET") or secrets.token_urlsafe(32)}
        session.run("pymacaron", "test", "--local", "--port", "0", "--gen-token", "--fuzz",
                    *ACCEPTANCE_ARGS.get(name, []), *args, env=env)

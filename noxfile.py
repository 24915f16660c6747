"""Developer and CI entry points for the PyMacaron monorepo.

    nox -s tests                  all tests: packages/*/tests and tests/ (one env, every package editable)
    nox -s lint                   ruff over the whole tree
    nox -s build [-- <dist>...]   wheels + sdists into dist/, each checked in a fresh venv without PyPI
    nox -s demo                   run examples/helloworld on http://127.0.0.1:8080 (docs at /doc/helloworld)
    nox -s bench [-- args]        benchmarks/run.py
    nox -s acceptance             `pymacaron test --local --gen-token --fuzz` in examples/helloworld

Dev installs always install ALL local packages together (editable), so none of our names
(pymacaron*, whose old 2.x releases exist on PyPI) can ever resolve from PyPI.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import sys
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
EXAMPLE_DIR = ROOT / "examples" / "helloworld"
# `nox -s demo` only, when $PYM_JWT_SECRET is unset: public, so it protects nothing.
DEMO_JWT_SECRET = "demo-only-public-jwt-secret-never-use-it-in-production"
BENCH_SCRIPT = ROOT / "benchmarks" / "run.py"
EXPECTED_VERSION = "3.0.0"
# pytest-xdist workers of `nox -s tests`: many tests wait on subprocesses and servers, so more workers
# than the 2 cores of the reference machine pay off (measured: see the commit adding this line).
TEST_WORKERS = "3"


# --------------------------------------------------------------------------------------------
# The local packages, read from their own metadata.
# --------------------------------------------------------------------------------------------


@dataclass
class LocalPackage:
    name: str  # distribution name, e.g. "pymacaron-aws"
    path: Path  # packages/pymacaron-aws
    module: str  # import name, e.g. "pymacaron_aws"
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


def local_packages() -> dict[str, LocalPackage]:
    """All packages/*/pyproject.toml, keyed by canonical distribution name, in a stable order."""
    found: dict[str, LocalPackage] = {}
    for pyproject in sorted(PACKAGES_DIR.glob("*/pyproject.toml")):
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        project = data["project"]
        version_path = data["tool"]["hatch"]["version"]["path"]  # src/<module>/__about__.py
        module = Path(version_path).parent.name
        pkg = LocalPackage(
            name=project["name"],
            path=pyproject.parent,
            module=module,
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
    """Install every local package editable, plus `extra` args, in one single install command."""
    session.install(*editable_install_args(local_packages()), *extra)


def nox_dir(session: nox.Session) -> Path:
    """The folder holding the session envs (.nox, or the one given with `nox --envdir`)."""
    return Path(session.virtualenv.location).resolve().parent


def example_requirements() -> list[str]:
    reqs = EXAMPLE_DIR / "requirements.txt"
    return ["-r", str(reqs)] if reqs.exists() else []


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
    session.run("pytest", "--import-mode=importlib", *workers, *(session.posargs or paths), success_codes=[0, 5])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check (configuration: [tool.ruff] in the root pyproject.toml)."""
    session.install("-r", str(LINT_REQUIREMENTS))
    targets = [t for t in ("packages", "tests", "noxfile.py", "benchmarks", "examples") if (ROOT / t).exists()]
    session.run("ruff", "check", *targets, *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build wheel + sdist of each package into dist/, then install each one ALONE in a fresh venv
    with `pip install --no-index --find-links dist --find-links <third-party wheelhouse>`, and
    check it is version 3.0.0 and imports. `nox -s build -- pymacaron-aws` does only that package
    (plus the local packages it depends on, which its check needs)."""
    packages = local_packages()
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


# Run inside each fresh venv: all our installed distributions are EXPECTED_VERSION and import.
CHECKER = """\
import importlib, importlib.metadata as md, json, sys

expected, modules, must_have = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
found = {}
for dist in md.distributions():
    name = dist.metadata["Name"].lower().replace("_", "-")
    if name in modules:
        found[name] = dist.version
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
        EXPECTED_VERSION,
        json.dumps({key: pkg.module for key, pkg in packages.items()}),
        json.dumps(must_have),
        external=True,
    )


@nox.session
def demo(session: nox.Session) -> None:
    """Serve examples/helloworld on http://127.0.0.1:8080 (API docs at /doc/helloworld)."""
    require_path(session, EXAMPLE_DIR / "server.py", "the example service")
    install_local(session, *example_requirements())
    session.chdir(EXAMPLE_DIR)
    env = {}
    if not os.environ.get("PYM_JWT_SECRET"):
        # DEMO ONLY: the example needs a JWT secret (env_secrets in its pym-config.yaml). This one is
        # public, so tokens it signs prove nothing: never use it outside `nox -s demo`.
        env["PYM_JWT_SECRET"] = DEMO_JWT_SECRET
        session.log("PYM_JWT_SECRET is not set: using the public demo secret (DEMO ONLY)")
    session.run("python", "server.py", "--port", "8080", *session.posargs, env=env)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the performance suite: benchmarks/run.py (arguments after `--` are passed on)."""
    require_path(session, BENCH_SCRIPT, "the benchmark suite")
    reqs = BENCH_SCRIPT.parent / "requirements.txt"
    install_local(session, *(["-r", str(reqs)] if reqs.exists() else []))
    session.run("python", str(BENCH_SCRIPT), *session.posargs)


@nox.session
def acceptance(session: nox.Session) -> None:
    """Run the example's black-box acceptance tests and fuzzing: `pymacaron test --local --fuzz` in examples/helloworld."""
    require_path(session, EXAMPLE_DIR, "the example service")
    install_local(session, *example_requirements())
    if not shutil.which("pymacaron", path=session.bin):
        session.error("the `pymacaron` command is not installed (no console script in packages/pymacaron yet).")
    session.chdir(EXAMPLE_DIR)
    # The runner starts the example on a free port, with its JWT secret (a throwaway one unless set),
    # makes a test token, and also fuzzes its spec (GET /die crashes on purpose: not fuzzed).
    env = {"PYM_JWT_SECRET": os.environ.get("PYM_JWT_SECRET") or secrets.token_urlsafe(32)}
    session.run("pymacaron", "test", "--local", "--port", "0", "--gen-token", "--fuzz", "--fuzz-exclude", "/die",
                *session.posargs, env=env)

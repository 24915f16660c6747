"""What each package's code really imports, lazy imports included, against what it declares.

- every import (at module level, inside functions, or ``importlib.import_module("<constant>")``) of
  each package's ``src/`` is the standard library, the package itself, or a distribution its
  pyproject.toml brings in (its dependencies, what those require in turn, and what its extras name);
- pymacaron-unit reaches pymacaron through ``pymacaron.unit_api`` alone, lazily (it does not depend on
  pymacaron: it tests services over HTTP);
- ``import <package>`` loads none of our other packages but those it depends on (extensions are
  imported lazily, where they are used);
- every dependency a package declares is used by its code: imported, or its files read through
  their module name (``importlib.resources.files("flask_swagger_ui")``); one used only by tests
  belongs in requirements/test.txt;
- no code reads another distribution's files by path (``<module>.__file__``, ``site-packages``): only
  through a declared dependency's module (``importlib.resources.files``).
The dependency graph of the metadata itself: tests/test_packaging.py.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
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
MODULES = {  # our distributions -> import names
    "pymacaron-core": "pymacaron_core",
    "pymacaron": "pymacaron",
    "pymacaron-async": "pymacaron_async",
    "pymacaron-unit": "pymacaron_unit",
    "pymacaron-aws": "pymacaron_aws",
    "pymacaron-gcp": "pymacaron_gcp",
}
OURS = {module: dist for dist, module in MODULES.items()}
UNIT_SURFACE = "pymacaron.unit_api"


@dataclass(frozen=True)
class Import:
    module: str  # dotted name
    where: str  # file:line
    lazy: bool  # inside a function (or class body), not run by importing the file


@cache
def sources(dist: str) -> tuple[tuple[Path, str, ast.Module], ...]:
    """(path, text, syntax tree) of each module of a package's src/, parsed once per test process."""
    found = []
    for path in sorted((PACKAGES / dist / "src").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found.append((path, text, ast.parse(text)))
    return tuple(found)


@cache
def imports_of(dist: str) -> tuple[Import, ...]:
    found = []
    for path, _, tree in sources(dist):
        top_level = {id(node) for node in tree.body}
        for stmt in ast.walk(tree):
            if isinstance(stmt, (ast.If, ast.Try)) and id(stmt) in top_level:  # `if TYPE_CHECKING`, `try: import`
                top_level |= {id(n) for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from pymacaron import unit_api` imports the submodule pymacaron.unit_api
                names = [f"{node.module}.{a.name}" if node.module in OURS else node.module for a in node.names]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
                  in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)):
                names = [node.args[0].value]
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            found += [Import(name, where, id(node) not in top_level) for name in names]
    return tuple(found)


def pyproject(dist: str) -> dict:
    return tomllib.loads((PACKAGES / dist / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@cache
def requires(dist: str, extras: frozenset = frozenset()) -> frozenset:
    """The requirements of a distribution with ``extras``: ours from pyproject.toml, others from their
    installed metadata (markers evaluated here)."""
    key = canonicalize_name(dist)
    if key in MODULES:
        project = pyproject(key)
        texts = project.get("dependencies", []) + [r for e in sorted(extras)
                                                    for r in project.get("optional-dependencies", {}).get(e, [])]
        return frozenset(texts)
    try:
        texts = importlib.metadata.distribution(key).requires or []
    except importlib.metadata.PackageNotFoundError:
        return frozenset()
    chosen = []
    for text in texts:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (sorted(extras) or [""])):
            chosen.append(text)
    return frozenset(chosen)


def closure(dist: str, extras: frozenset) -> set[str]:
    """Canonical names of every distribution that installing ``dist[extras]`` brings in."""
    seen, todo = set(), [(canonicalize_name(dist), extras)]
    while todo:
        name, ex = todo.pop()
        if (name, ex) in seen:
            continue
        seen.add((name, ex))
        for text in requires(name, ex):
            req = Requirement(text)
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return {name for name, _ in seen}


@cache
def providers() -> dict[str, set[str]]:
    """Top-level import name -> canonical names of the installed distributions providing it."""
    found = {name: {canonicalize_name(d) for d in dists} for name, dists in
             importlib.metadata.packages_distributions().items()}
    for module, dist in OURS.items():
        found[module] = {dist}
    return found


def brought_in(dist: str) -> set[str]:
    """What a package may import: what its dependencies bring in, and what its extras name directly (an
    extra's own dependencies do not count: code that does not need the extra must not rely on them)."""
    extras = pyproject(dist).get("optional-dependencies", {})
    named = {canonicalize_name(Requirement(r).name) for reqs in extras.values() for r in reqs}
    return closure(dist, frozenset()) | named


# modules of the user's service folder that commands load from it (`pymacaron routes` imports server.py)
SERVICE_MODULES = {"server"}


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_every_import_is_declared(dist):
    brought = brought_in(dist)
    undeclared = []
    for imp in imports_of(dist):
        top = imp.module.split(".")[0]
        if top in sys.stdlib_module_names or top == "__future__" or top == MODULES[dist] or top in SERVICE_MODULES:
            continue
        if dist == "pymacaron-unit" and imp.module == UNIT_SURFACE:
            continue  # checked below
        # not installed here (`import tomli` under Python 3.11+): the distribution of that name
        dists = providers().get(top) or {canonicalize_name(top)}
        if not dists & brought:
            undeclared.append(f"{imp.where}: import {imp.module} ({', '.join(sorted(dists))})")
    assert undeclared == [], f"{dist} imports what its pyproject.toml does not bring in"


def module_names_in_strings(dist: str) -> set[str]:
    """String constants of the package's code that name an importable top-level module."""
    found = set()
    for _, _, tree in sources(dist):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in providers():
                found.add(node.value)
    return found


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_every_dependency_is_used(dist):
    used = set()
    for top in {imp.module.split(".")[0] for imp in imports_of(dist)} | module_names_in_strings(dist):
        used |= providers().get(top, {canonicalize_name(top)})
    declared = {canonicalize_name(Requirement(r).name) for r in pyproject(dist).get("dependencies", [])}
    assert declared - used == set(), f"{dist} declares dependencies its code never uses"


def test_pymacaron_unit_reaches_pymacaron_only_through_its_versioned_surface():
    ours = [imp for imp in imports_of("pymacaron-unit") if imp.module.split(".")[0] in OURS
            and imp.module.split(".")[0] != "pymacaron_unit"]
    assert ours, "pymacaron-unit's runner uses pymacaron.unit_api (token, config, specs)"
    assert [imp for imp in ours if imp.module != UNIT_SURFACE] == []
    assert [imp for imp in ours if not imp.lazy] == [], "pymacaron is imported only where it is used"
    assert "pymacaron" not in {canonicalize_name(Requirement(r).name) for r in requires("pymacaron-unit")}


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_importing_a_package_loads_only_what_it_depends_on(dist):
    """Extensions (pymacaron[async], [unit] ...) are imported lazily, where they are used."""
    base = closure(dist, frozenset()) & set(MODULES)
    code = f"import json, sys, {MODULES[dist]}; print(json.dumps(sorted(m for m in sys.modules if '.' not in m)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {OURS[m] for m in json.loads(done.stdout) if m in OURS}
    assert loaded <= base, f"import {MODULES[dist]} loads {sorted(loaded - base)}"


def test_the_scanner_sees_lazy_and_dynamic_imports():
    """The checks above are only as good as the scan: lazy and importlib imports are found and marked."""
    found = {(imp.module, imp.lazy) for imp in imports_of("pymacaron-unit")}
    assert (UNIT_SURFACE, True) in found  # importlib.import_module("pymacaron.unit_api") in a function
    assert ("werkzeug.serving", True) in found  # LiveServer imports it when a server is made
    assert ("pytest", False) in found


def path_reads(source: str, own: str) -> list[str]:
    """Where code reaches the files of another distribution by path: ``<module>.__file__`` of a module it
    imported from elsewhere, ``importlib.resources.files("<other>")``, or a literal ``site-packages`` path.
    (-> the lines, with what they read)."""
    tree = ast.parse(source)
    imported = {}  # local name -> top-level module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update({(a.asname or a.name.split(".")[0]): a.name.split(".")[0] for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.update({(a.asname or a.name): node.module.split(".")[0] for a in node.names})
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr == "__file__" and isinstance(node.value, ast.Name)
                and imported.get(node.value.id, own) not in (own, "sys")):
            found.append(f"{node.lineno}: {node.value.id}.__file__")
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "files"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and node.args[0].value.split(".")[0] != own):
            found.append(f"{node.lineno}: files({node.args[0].value!r})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "site-packages" in node.value:
            found.append(f"{node.lineno}: {node.value!r}")
    return sorted(found, key=lambda where: int(where.split(":")[0]))


def test_the_path_read_scanner_finds_them():
    source = ("import swagger_spec_validator as ssv, os\nfrom importlib import resources\nimport pymacaron_core\n"
              "a = os.path.dirname(ssv.__file__)\nb = resources.files('flask_swagger_ui')\n"
              "c = resources.files(__package__)\nd = pymacaron_core.__file__\ne = '/usr/lib/python3/site-packages/x'\n")
    assert path_reads(source, "pymacaron_core") == ["4: ssv.__file__", "5: files('flask_swagger_ui')",
                                                    "8: '/usr/lib/python3/site-packages/x'"]


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_no_code_reads_another_distributions_files_by_path(dist):
    """Files of another distribution are reached through its declared module only
    (``importlib.resources.files("flask_swagger_ui")``, flask-swagger-ui being a dependency), never by path
    (as spec checks once read swagger-spec-validator's schema: now shipped in pymacaron-core)."""
    brought = brought_in(dist)
    found = []
    for path, text, _ in sources(dist):
        for where in path_reads(text, MODULES[dist]):
            declared_resource = re.match(r"\d+: files\('([\w.]+)'\)$", where)
            if declared_resource and providers().get(declared_resource.group(1).split(".")[0], set()) & brought:
                continue
            found.append(f"{path.relative_to(ROOT)}:{where}")
    assert found == []

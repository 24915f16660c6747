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
  belongs in requirements/test.txt.
The dependency graph of the metadata itself: tests/test_packaging.py.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
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


def imports_of(dist: str) -> list[Import]:
    found = []
    for path in sorted((PACKAGES / dist / "src").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
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
    return found


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


@pytest.mark.parametrize("dist", sorted(MODULES))
def test_every_import_is_declared(dist):
    brought = brought_in(dist)
    undeclared = []
    for imp in imports_of(dist):
        top = imp.module.split(".")[0]
        if top in sys.stdlib_module_names or top == "__future__" or top == MODULES[dist]:
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
    for path in (PACKAGES / dist / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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

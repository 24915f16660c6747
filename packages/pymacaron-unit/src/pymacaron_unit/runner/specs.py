"""The specs ``--fuzz`` tests: found, loaded as the service loads them, and merged into few documents.

Default: every ``apis/*.yaml`` of the service folder that serves something (an operation with
``x-bind-server``; client-only specs describe other services), plus pymacaron's built-in ping API.
``--fuzz-spec FILE`` replaces that list. ``--fuzz-exclude PATH`` (or ``"METHOD PATH"``) removes
operations. Specs with the same basePath and no conflicting path or definition are merged, so that
one schemathesis run tests them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import copy
import glob
import os

from pymacaron_unit.runner import pym
from pymacaron_unit.runner.errors import RunnerError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
SHARED_SECTIONS = ("definitions", "parameters", "responses", "securityDefinitions")
PUSHED_DOWN = ("consumes", "produces", "security")


def operations(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of a Swagger document."""
    for path, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, dict):
                yield path, method, op


def serves(data: dict[str, Any]) -> bool:
    """True when the document binds an operation to server code (x-bind-server)."""
    return any("x-bind-server" in op for _, _, op in operations(data))


def discover(folder: str, explicit: Sequence[str] = ()) -> list[tuple[str, str]]:
    """[(name, path)] of the specs to fuzz."""
    if explicit:
        found = []
        for spec in explicit:
            path = spec if os.path.isabs(spec) else os.path.join(folder, spec)
            if not os.path.isfile(path):
                raise RunnerError(f"--fuzz-spec {spec}: no such file (relative paths start at {folder})")
            found.append((os.path.splitext(os.path.basename(path))[0], path))
        return found
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "apis", "*.yaml")) + glob.glob(os.path.join(folder, "apis", "*.yml"))):
        data = pym.load_spec(path)
        if serves(data):
            found.append((os.path.splitext(os.path.basename(path))[0], path))
    if not found:
        raise RunnerError(f"--fuzz found nothing to test: no apis/*.yaml in {folder} has an operation with "
                          "x-bind-server; run from the service's folder (or --path DIR), or pass --fuzz-spec FILE")
    builtin = pym.builtin_spec_path()
    if builtin and "ping" not in {name for name, _ in found}:
        found.append(("ping", builtin))
    return found


def _exclusions(excludes):
    parsed = []
    for text in excludes:
        parts = text.split()
        if len(parts) == 1:
            parsed.append((None, parts[0]))
        elif len(parts) == 2 and parts[0].lower() in HTTP_METHODS:
            parsed.append((parts[0].lower(), parts[1]))
        else:
            raise RunnerError(f"--fuzz-exclude {text!r}: give a path (/die) or a method and a path ('GET /die')")
    return parsed


def _normalise(data, excludes, used):
    """A self-contained copy: host/schemes dropped, top-level consumes/produces/security pushed into
    each operation, excluded operations removed."""
    data = copy.deepcopy(data)
    data.pop("host", None)
    data.pop("schemes", None)
    top = {key: data.pop(key) for key in PUSHED_DOWN if key in data}
    paths = data.get("paths") or {}
    for path, method, op in list(operations(data)):
        for i, (ex_method, ex_path) in enumerate(excludes):
            if ex_path == path and ex_method in (None, method):
                del paths[path][method]
                used.add(i)
                break
        else:
            for key, value in top.items():
                op.setdefault(key, copy.deepcopy(value))
    for path in [p for p, item in paths.items() if isinstance(item, dict)
                 and not any(m in HTTP_METHODS for m in item)]:
        del paths[path]
    return data


def _mergeable(into, data):
    if into.get("basePath") != data.get("basePath"):
        return False
    if set(into.get("paths") or {}) & set(data.get("paths") or {}):
        return False
    for section in SHARED_SECTIONS:
        mine, theirs = into.get(section) or {}, data.get(section) or {}
        if any(mine[k] != theirs[k] for k in set(mine) & set(theirs)):
            return False
    return True


def _merge(into, data):
    into.setdefault("paths", {}).update(data.get("paths") or {})
    for section in SHARED_SECTIONS:
        if data.get(section):
            into.setdefault(section, {}).update(data[section])


def prepare(found: Sequence[tuple[str, str]], excludes: Iterable[str] = ()) -> list[tuple[str, dict[str, Any]]]:
    """[(label, document)] ready for schemathesis; RunnerError when nothing is left to test."""
    rules = _exclusions(excludes)
    used: set[int] = set()
    docs: list[tuple[list[str], dict[str, Any]]] = []
    for name, path in found:
        data = _normalise(pym.load_spec(path), rules, used)
        if not data.get("paths"):
            continue
        for names, doc in docs:
            if _mergeable(doc, data):
                _merge(doc, data)
                names.append(name)
                break
        else:
            data.setdefault("info", {})["title"] = name
            docs.append(([name], data))
    unused = [f"{m.upper() + ' ' if m else ''}{p}" for i, (m, p) in enumerate(rules) if i not in used]
    if unused:
        raise RunnerError(f"--fuzz-exclude: no operation {', '.join(unused)} in the fuzzed specs "
                          f"({', '.join(name for name, _ in found)}): check the path (as written in the spec)")
    if not docs:
        raise RunnerError("--fuzz: every operation is excluded (--fuzz-exclude), nothing left to test")
    result = []
    for names, doc in docs:
        label = "+".join(names)
        doc["info"]["title"] = label
        result.append((label, doc))
    return result

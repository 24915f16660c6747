"""The specs ``--fuzz`` tests: found, loaded as the service loads them, and merged into few documents.

Default: every ``apis/*.yaml`` of the service folder that serves something (an operation the
service binds: ``x-bind-server``, or in OpenAPI 3.x an ``operationId`` naming a function, dotted or
with ``x-openapi-router-controller``; client-only specs describe other services), plus pymacaron's
built-in ping API. ``--fuzz-spec FILE`` replaces that list. ``--fuzz-exclude PATH`` (or
``"METHOD PATH"``) removes operations. Specs of the same version (Swagger 2.0, OpenAPI 3.0, 3.1)
with the same served prefix (2.0 ``basePath``, 3.x the path of the first server URL) and no
conflicting path or definition are merged, so that one schemathesis run tests them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import copy
import glob
import os
from urllib.parse import urlsplit

from pymacaron_unit.runner import pym
from pymacaron_unit.runner.errors import RunnerError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
SHARED_SECTIONS = ("definitions", "parameters", "responses", "securityDefinitions")
# OpenAPI 3.x: the sections of `components`
COMPONENTS = ("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "securitySchemes",
              "links", "callbacks", "pathItems")
PUSHED_DOWN = ("consumes", "produces", "security")


def version(data: dict) -> str:
    """"2.0", "3.0" or "3.1": the spec family of a document."""
    openapi = data.get("openapi")
    if isinstance(openapi, str) and openapi.startswith("3."):
        return openapi[:3]
    return "2.0"


def prefix(data: dict) -> str:
    """The served prefix: 2.0's basePath, 3.x's path of the first server URL (its variables replaced by
    their defaults), as the service serves it; "" for none."""
    if version(data) == "2.0":
        found = data.get("basePath") or ""
    else:
        servers = data.get("servers")
        server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
        raw_url, variables = server.get("url"), server.get("variables")
        url = raw_url if isinstance(raw_url, str) else ""
        for name, var in (variables if isinstance(variables, dict) else {}).items():
            if isinstance(var, dict) and var.get("default") is not None:
                url = url.replace("{" + name + "}", str(var["default"]))
        found = urlsplit(url).path
    return found.rstrip("/")


def _shared(data: dict) -> dict:
    """{section name: mapping} of what a document's operations reference: 2.0's top-level sections,
    3.x's components."""
    if version(data) == "2.0":
        return {section: data.get(section) or {} for section in SHARED_SECTIONS}
    components = data.get("components")
    if not isinstance(components, dict):
        components = {}
    return {section: components.get(section) or {} for section in COMPONENTS}


def bound(data: dict, op: dict, item: dict | None = None) -> bool:
    """True when the service binds this operation to a handler: ``x-bind-server``, or in 3.x an
    ``operationId`` naming a function (dotted, or with ``x-openapi-router-controller`` on the operation
    or its path item) and no ``x-no-bind-server``."""
    if "x-bind-server" in op:
        return True
    if version(data) == "2.0" or op.get("x-no-bind-server"):
        return False
    operation_id = op.get("operationId")
    if not isinstance(operation_id, str) or not operation_id:
        return False
    return "." in operation_id or "x-openapi-router-controller" in op or "x-openapi-router-controller" in (item or {})


def operations(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of a Swagger document."""
    for path, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, dict):
                yield path, method, op


def serves(data: dict) -> bool:
    """True when the service binds one of the document's operations to a handler."""
    paths = data.get("paths") or {}
    return any(bound(data, op, paths.get(path)) for path, _, op in operations(data))


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
                          "x-bind-server (or, in OpenAPI 3.x, an operationId the service binds); run from the service's folder (or --path DIR), or pass --fuzz-spec FILE")
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
    """A self-contained copy: host/schemes (3.x: servers) dropped, the served prefix kept in
    ``x-pym-prefix``, top-level consumes/produces/security pushed into each operation, excluded
    operations removed."""
    served = prefix(data)
    data = copy.deepcopy(data)
    data.pop("host", None)
    data.pop("schemes", None)
    if version(data) != "2.0":
        data.pop("servers", None)
        data["x-pym-prefix"] = served
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


def served_prefix(doc: dict) -> str:
    """The served prefix of a prepared document (the fuzzed URL is the service's URL + this)."""
    return doc["x-pym-prefix"] if "x-pym-prefix" in doc else prefix(doc)


def _mergeable(into, data):
    if version(into) != version(data) or served_prefix(into) != served_prefix(data):
        return False
    if set(into.get("paths") or {}) & set(data.get("paths") or {}):
        return False
    mine_all, theirs_all = _shared(into), _shared(data)
    for section, mine in mine_all.items():
        theirs = theirs_all[section]
        if any(mine[k] != theirs[k] for k in set(mine) & set(theirs)):
            return False
    return True


def _merge(into, data):
    into.setdefault("paths", {}).update(data.get("paths") or {})
    for section, theirs in _shared(data).items():
        if not theirs:
            continue
        if version(data) == "2.0":
            into.setdefault(section, {}).update(theirs)
        else:
            into.setdefault("components", {}).setdefault(section, {}).update(theirs)


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

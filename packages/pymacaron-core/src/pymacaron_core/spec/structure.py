"""Check a spec against the Swagger 2.0 schema and report located problems.

The official Swagger 2.0 JSON schema (shipped by swagger-spec-validator) is
checked first with a validator compiled by our own schema compiler; only a
spec that fails it is examined with jsonschema (imported then: it is slow to import),
whose ``oneOf`` failures are explained by the branch the author evidently
meant (the one whose ``in`` matches), not by a dump of every branch. Each
problem names the line of the offending node.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os

from pymacaron_core.exceptions import SpecProblem, format_location
from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry

_DRAFT4 = "http://json-schema.org/draft-04/schema"


def _package_file(package, *parts):
    """A data file of an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {package} is not installed")
    return os.path.join(spec.submodule_search_locations[0], *parts)


@functools.lru_cache(maxsize=1)
def _swagger_schema():
    with open(_package_file("swagger_spec_validator", "schemas", "v2.0", "schema.json"), encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=1)
def _draft4_metaschema():
    with open(_package_file("jsonschema_specifications", "schemas", "draft4", "metaschema.json"),
              encoding="utf-8") as f:
        return json.load(f)


def _local_refs(node, meta):
    """Rewrite the schema's references into the draft-04 meta-schema as local ones."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DRAFT4):
            pointer = ref.split("#", 1)[1].strip("/").split("/")
            if pointer[0] == "definitions":
                return {"$ref": f"#/definitions/draft4.{pointer[1]}"}
            target = meta
            for part in pointer:
                target = target[part]
            return _meta_local(target)
        return {k: _local_refs(v, meta) for k, v in node.items()}
    if isinstance(node, list):
        return [_local_refs(v, meta) for v in node]
    return node


@functools.lru_cache(maxsize=1)
def _fast_check():
    """Draft 4 validation of the Swagger 2.0 schema, compiled (formats unchecked, as jsonschema does)."""
    meta = _draft4_metaschema()
    schema = _swagger_schema()
    definitions = {k: _local_refs(v, meta) for k, v in schema["definitions"].items()}
    for name, sub in meta["definitions"].items():
        definitions[f"draft4.{name}"] = _meta_local(sub)
    definitions["draft4.root"] = _meta_local({k: v for k, v in meta.items() if k not in ("definitions", "id",
                                                                                          "$schema")})
    root = {k: _local_refs(v, meta) for k, v in schema.items() if k not in ("definitions", "$schema", "id")}
    return SchemaCompiler(definitions, FormatRegistry(), "swagger-2.0", check_formats=False).compile(root, "spec")


def _meta_local(node):
    """The meta-schema's own '#/definitions/x' refs, renamed into our namespace."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return {"$ref": f"#/definitions/draft4.{ref.rsplit('/', 1)[1]}"}
        if ref == "#":
            return {"$ref": "#/definitions/draft4.root"}
        return {k: _meta_local(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_meta_local(v) for v in node]
    return node


@functools.lru_cache(maxsize=1)
def _swagger_validator():
    from jsonschema import Draft4Validator

    return Draft4Validator(_swagger_schema())


def _branches(error):
    groups = {}
    for sub in error.context:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        groups.setdefault(key, []).append(sub)
    return list(groups.values())


def _mismatched_discriminator(errors):
    for e in errors:
        if e.validator == "enum" and list(e.relative_path) == ["in"]:
            return True
        if e.validator == "required" and "'$ref'" in e.message:
            return True
        if e.validator in ("oneOf", "anyOf") and all(_mismatched_discriminator(b) for b in _branches(e)):
            return True
    return False


def _leaves(error):
    """The errors that explain ``error``, following the branch that fits best."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches = [b for b in _branches(error) if not _mismatched_discriminator(b)]
    if not branches:
        return [error]
    branch = min(branches, key=len)
    out = []
    for sub in branch:
        if sub.validator == "additionalProperties" and len(branches) > 1:
            continue
        out.extend(_leaves(sub))
    return out or [error]


def check_structure(data, locs):
    if _fast_check().is_valid(data):
        return []
    problems = []  # explain every problem, with lines
    seen = set()
    for error in _swagger_validator().iter_errors(data):
        for leaf in _leaves(error):
            path = tuple(leaf.absolute_path)
            where = format_location(path) or "(top level)"
            key = (where, leaf.message)
            if key in seen:
                continue
            seen.add(key)
            problems.append(SpecProblem(
                locs.file, locs.line(path), where,
                f"invalid Swagger 2.0: {_shorten(leaf.message)}",
                _hint(leaf),
            ))
    return problems


def _shorten(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "..."


def _hint(error):
    if error.validator == "enum":
        return "use one of: " + ", ".join(str(x) for x in error.validator_value)
    if error.validator == "required":
        return "add the missing key"
    if error.validator == "additionalProperties":
        return "remove the key, or prefix custom keys with 'x-'"
    if error.validator == "type" and error.validator_value == "array" and error.instance is True:
        return "a schema's 'required' is a list of property names, e.g. required: [name]"
    if error.validator == "type":
        return f"this must be of type {error.validator_value}"
    return ""

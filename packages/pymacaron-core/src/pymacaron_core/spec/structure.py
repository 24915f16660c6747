"""Check a spec against the Swagger 2.0 schema and report located problems.

The official Swagger 2.0 JSON schema (shipped by swagger-spec-validator) is
applied with jsonschema; its ``oneOf`` failures are explained by the branch
the author evidently meant (the one whose ``in`` matches), not by a dump of
every branch. Each problem names the line of the offending node.
"""

from __future__ import annotations

import functools
import importlib.resources
import json

from jsonschema import Draft4Validator

from pymacaron_core.exceptions import SpecProblem, format_location


@functools.lru_cache(maxsize=1)
def _swagger_validator():
    text = (importlib.resources.files("swagger_spec_validator") / "schemas/v2.0/schema.json").read_text()
    return Draft4Validator(json.loads(text))


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
    problems = []
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

"""Check a spec against the official schema of its version and report located problems.

Stage 2 of the pipeline (see README.md). The official schemas ship with this
package (``schemas/``, see ``schemas/README.md`` for their sources):

======= ======================================================= =============
version schema                                                  dialect
======= ======================================================= =============
2.0     Swagger 2.0 (swagger.io/v2/schema.json)                 Draft 4
3.0     OpenAPI 3.0, 2021-09-28                                 Draft 4
3.1     OpenAPI 3.1 schema-base 2022-10-07 (the 2022-10-07      2020-12
        schema, whose Schema Objects are checked against the
        OpenAPI 3.1 dialect through ``$dynamicRef``)
======= ======================================================= =============

The verdict comes from a validator compiled by our own schema compiler
(fast, and jsonschema is not imported at start-up), generated ahead of time:
``compiled/_structure_<version>.py`` is that validator written as a module
(:mod:`pymacaron_core.schema.export`), imported in a few milliseconds where
generating it takes 60 to 80 (a cold start pays it for each version it
meets). Each module records a fingerprint of the schemas and of the
compiler's code it was made from; when it does not match (the compiler was
changed and the modules not written again: ``python -m
pymacaron_core.spec.compiled``), the validator is generated at start-up as
before, and a test fails until they are. Only a spec that fails
it is examined with jsonschema (imported then: it is slow to import), whose
``oneOf`` failures are explained by the branch the author evidently meant
(the one whose ``in`` matches, the one that is not a ``$ref``...), not by a
dump of every branch. Each problem names the line of the offending node.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import os
from importlib import resources
from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import SpecProblem, format_location
from pymacaron_core.schema.compiler import SchemaCompiler, Validator
from pymacaron_core.schema.export import module_source
from pymacaron_core.schema.formats import FormatRegistry

if TYPE_CHECKING:
    from pymacaron_core.spec.yamlfile import Locations

log = logging.getLogger(__name__)

_DRAFT4 = "http://json-schema.org/draft-04/schema"
_DRAFT2020 = "https://json-schema.org/draft/2020-12/"
_VOCABULARIES = ("core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation", "content")


class _Version:
    def __init__(self, label, dialect, root, uri, extra):
        self.label = label  # "Swagger 2.0"
        self.dialect = dialect  # compiler dialect of the schema itself
        self.root = root  # file name in schemas/
        self.uri = uri
        self.extra = extra  # ((uri, file name), ...): the documents it refers to


VERSIONS = {
    "2.0": _Version("Swagger 2.0", "draft4", "swagger-2.0.json", "http://swagger.io/v2/schema.json",
                    ((_DRAFT4, "draft-04.json"),)),
    "3.0": _Version("OpenAPI 3.0", "draft4", "oas-3.0-2021-09-28.json",
                    "https://spec.openapis.org/oas/3.0/schema/2021-09-28", ((_DRAFT4, "draft-04.json"),)),
    "3.1": _Version("OpenAPI 3.1", "draft2020-12", "oas-3.1-schema-base-2022-10-07.json",
                    "https://spec.openapis.org/oas/3.1/schema-base/2022-10-07", (
                        ("https://spec.openapis.org/oas/3.1/schema/2022-10-07", "oas-3.1-2022-10-07.json"),
                        ("https://spec.openapis.org/oas/3.1/dialect/base", "oas-3.1-dialect-base.json"),
                        ("https://spec.openapis.org/oas/3.1/meta/base", "oas-3.1-meta-base.json"),
                        (_DRAFT2020 + "schema", "draft2020-12/schema.json"),
                        *((f"{_DRAFT2020}meta/{v}", f"draft2020-12/meta/{v}.json") for v in _VOCABULARIES),
                    )),
}


def version_of(data: Any) -> str | None:
    """The version ("2.0", "3.0" or "3.1") a document's ``swagger`` / ``openapi`` field names, else None."""
    if not isinstance(data, dict):
        return None
    if str(data.get("swagger")) == "2.0":
        return "2.0"
    openapi = data.get("openapi")
    if isinstance(openapi, str):
        for version in ("3.0", "3.1"):
            if openapi == version or openapi.startswith(version + "."):
                return version
    return None


def _version(version):
    try:
        return VERSIONS[version]
    except KeyError:
        raise ValueError(f"no structure schema for spec version {version!r} (known: {', '.join(VERSIONS)})") from None


@functools.cache
def load_schema(name: str) -> Any:
    """One of the official schemas shipped in ``schemas/`` (parsed JSON; do not modify)."""
    return json.loads(resources.files(__package__).joinpath("schemas").joinpath(name).read_text(encoding="utf-8"))


def _documents(v):
    return load_schema(v.root), {uri: load_schema(name) for uri, name in v.extra}


@functools.cache
def _fast_check(version="2.0"):
    """The official schema of ``version``, compiled (formats unchecked, as jsonschema does by default)."""
    return _precompiled(version) or _compile(version)[1]


def _compile(version, record=False):
    v = _version(version)
    root, extra = _documents(v)
    compiler = SchemaCompiler({}, FormatRegistry(), f"structure-{version}", check_formats=False,
                              dialect=v.dialect, root=root, base_uri=v.uri, resources=extra, record=record,
                              sparse_objects=True)
    return compiler, compiler.compile(root, "spec")


_CODE = ("compiler.py", "runtime.py", "dialects.py", "refs.py", "export.py")


def fingerprint(version: str) -> str:
    """SHA-256 of what the validator of ``version`` is generated from: its schemas and the compiler's code."""
    v = _version(version)
    h = hashlib.sha256()
    folder = resources.files(__package__).joinpath("schemas")
    for name in (v.root, *(name for _, name in v.extra)):
        h.update(folder.joinpath(name).read_bytes())
    code = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schema")
    for name in _CODE:
        with open(os.path.join(code, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def compiled_module_name(version: str) -> str:
    """The module holding the generated validator of ``version`` (``_structure_3_1`` for "3.1": generated
    code, not an API)."""
    _version(version)  # an unknown version is a ValueError
    return "_structure_" + version.replace(".", "_")


def _precompiled(version):
    name = f"{__package__}.compiled.{compiled_module_name(version)}"
    try:
        module = importlib.import_module(name)
        current = fingerprint(version)
    except (ImportError, OSError) as e:
        log.debug("structure check %s: no generated validator (%s): generating it", version, e)
        return None
    if getattr(module, "FINGERPRINT", None) != current:
        log.debug("structure check %s: %s is out of date: generating the validator", version, name)
        return None
    return Validator(module.VALIDATE, "spec", None)


def compiled_module_text(version: str) -> str:
    """The text of ``compiled/<compiled_module_name(version)>.py``: the validator of ``version``, generated."""
    v = _version(version)
    compiler, validator = _compile(version, record=True)
    doc = (f"The {v.label} structure check (schemas/{v.root}), generated by pymacaron_core.schema.export.\n\n"
           "Do not edit: `python -m pymacaron_core.spec.compiled` writes it again (see spec/structure.py).\n")
    return module_source(compiler, validator, doc) + f"FINGERPRINT = {fingerprint(version)!r}\n"


@functools.cache
def _reference_validator(version="2.0"):
    """jsonschema's validator for the same schema: slower, but it explains failures."""
    from jsonschema import Draft4Validator, Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT202012

    v = _version(version)
    root, extra = _documents(v)
    spec = DRAFT4 if v.dialect == "draft4" else DRAFT202012
    registry = Registry().with_resources(
        [(uri, Resource(document, specification=spec)) for uri, document in extra.items()]
        + [(v.uri, Resource(root, specification=spec))])
    cls = Draft4Validator if v.dialect == "draft4" else Draft202012Validator
    return cls(root, registry=registry)


def _swagger_validator():
    return _reference_validator("2.0")


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
        if sub.validator in ("additionalProperties", "unevaluatedProperties") and len(branches) > 1:
            continue
        out.extend(_leaves(sub))
    return out or [error]


def check_structure(data: Any, locs: Locations, version: str = "2.0") -> list[SpecProblem]:
    """Problems (file:line, fix) of ``data`` against the official schema of ``version``; [] if none.

    ``version``: "2.0", "3.0" or "3.1" (see :func:`version_of`).
    """
    if _fast_check(version).is_valid(data):
        return []
    label = _version(version).label
    problems = []  # explain every problem, with lines
    seen = set()
    for error in _reference_validator(version).iter_errors(data):
        for leaf in _leaves(error):
            path = tuple(leaf.absolute_path)
            where = format_location(path) or "(top level)"
            key = (where, leaf.message)
            if key in seen:
                continue
            seen.add(key)
            problems.append(SpecProblem(
                locs.file, locs.line(path), where,
                f"invalid {label}: {_shorten(leaf.message)}",
                _hint(leaf), _severity(leaf),
            ))
    if not problems:  # the two validators disagree: say so rather than pass silently
        problems.append(SpecProblem(locs.file, locs.line(()), "(top level)",
                                    f"invalid {label}: the document does not match the {label} schema",
                                    "check the document against the official schema"))
    return problems


# keys whose absence v1 tolerated and which serving does not need
_OPTIONAL_IN_PRACTICE = frozenset({"info", "title", "version", "paths", "description", "responses"})


def _severity(error):
    """"warning" for what pymacaron v1 tolerated and serving does not need, else "error".

    - an unknown key (``type:`` directly under a response, a misspelt ``descripton``...): ignored;
    - a missing ``info``, ``info.title``/``info.version``, ``paths``, a response's
      ``description`` or an operation's ``responses``: documentation, or nothing to serve;
    - an empty ``required: []`` list in a schema.
    Everything else (wrong types, unknown ``in``, a parameter without ``name``...) changes what
    is served, and stays an error.
    """
    if error.validator == "additionalProperties":
        return "warning"
    if error.validator == "required":
        missing = set(error.validator_value) - set(error.instance or ()) if isinstance(error.instance, dict) \
            else set()
        if missing and missing <= _OPTIONAL_IN_PRACTICE:
            return "warning"
    if error.validator == "minItems" and error.instance == [] and list(error.absolute_path)[-1:] == ["required"]:
        return "warning"
    return "error"


def _shorten(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "..."


def _hint(error):
    if error.validator == "enum":
        return "use one of: " + ", ".join(str(x) for x in error.validator_value)
    if error.validator == "const":
        return f"use {error.validator_value!r}"
    if error.validator in ("required", "dependentRequired"):
        return "add the missing key"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        return "remove the key, or prefix custom keys with 'x-'"
    if error.validator == "type" and error.validator_value == "array" and error.instance is True:
        return "a schema's 'required' is a list of property names, e.g. required: [name]"
    if error.validator == "type":
        return f"this must be of type {error.validator_value}"
    if error.validator == "pattern":
        return f"this must match the regular expression {error.validator_value}"
    return ""

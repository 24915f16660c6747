"""May an OpenAPI 3.x document's validators be generated on first use? (The start-up rule.)

Validators and model functions are generated on their first use (``SchemaCompiler(lazy=True)``)
only when nothing that generating them could stumble on is left unchecked at load, so that a
spec error is still reported at start-up, with its file and line, for an operation never called.
For Swagger 2.0, load checks every ``$ref`` and ``pattern``. OpenAPI 3.x adds two things:

- ``discriminator.mapping`` targets: checked here (a schema name, or a reference to one of
  ``components/schemas``), each problem located;
- JSON Schema 2020-12 identifiers (``$id``, ``$anchor``, ``$dynamicRef``, ``$dynamicAnchor``, and
  the older ``$recursiveRef``/``$recursiveAnchor``), and mapping targets in other files: a
  document using them is compiled at start-up, as before (:func:`lazy_allowed` says False).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymacaron_core.exceptions import SpecProblem

if TYPE_CHECKING:
    from pymacaron_core.spec.document import SpecDocument

EAGER_KEYS = frozenset({"$id", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"})
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
_PREFIXES = ("#/components/schemas/", "#/definitions/")


def lazy_allowed(doc: SpecDocument) -> tuple[bool, list[SpecProblem]]:
    """-> (True when ``doc``'s validators may be generated on first use, [located SpecProblems])."""
    problems: list[SpecProblem] = []
    if not doc.may_contain(*EAGER_KEYS, "discriminator"):
        return True, problems  # nothing the walk looks for is written anywhere in the spec
    allowed = _walk(doc, doc.data, (), problems)
    return allowed, problems


def _walk(doc, node, path, problems):
    allowed = True
    if isinstance(node, dict):
        if EAGER_KEYS.intersection(node):
            allowed = False
        disc = node.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
            allowed &= _check_mapping(doc, disc["mapping"], path + ("discriminator", "mapping"), problems)
        for key, value in node.items():
            if key in _DATA_KEYS:
                continue
            allowed &= _walk(doc, value, path + (key,), problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            allowed &= _walk(doc, value, path + (i,), problems)
    return allowed


def _check_mapping(doc, mapping, path, problems):
    names = doc.definitions
    allowed = True
    for value, target in mapping.items():
        where = path + (value,)
        if not isinstance(target, str):
            problems.append(SpecProblem(doc.file, doc.line(where), "/".join(map(str, where)),
                                        f"discriminator mapping {value!r} is {target!r}, not a schema name or reference",
                                        "write a schema name, or '#/components/schemas/<Name>'"))
            continue
        if "#" not in target and "/" not in target:
            name = target
        elif target.startswith(_PREFIXES):
            name = target.split("/", 3)[-1] if target.startswith("#/components/") else target.split("/", 2)[-1]
        else:
            allowed = False  # another file or pointer: resolved when compiled, at start-up
            continue
        if name not in names:
            known = ", ".join(sorted(names)[:10]) or "none"
            problems.append(SpecProblem(doc.file, doc.line(where), "/".join(map(str, where)),
                                        f"discriminator mapping {value!r} names schema {name!r}, which is not "
                                        "defined", f"define it under components/schemas, or correct the mapping "
                                        f"(known schemas: {known})"))
    return allowed

"""Swagger 2.0 front-end of stage 3 (normalize), security part: ``securityDefinitions``
and ``security`` -> :mod:`.description`'s SecurityScheme and requirements.

2.0 scheme types map to the version-independent kinds: ``basic`` -> http/basic,
``apiKey`` (``in: header|query``) -> apiKey, ``oauth2`` -> oauth2 (its ``scopes``).
"""

from __future__ import annotations

from pymacaron_core.exceptions import SpecProblem
from pymacaron_core.spec.description import SecurityScheme, normalize_requirements

_TYPES = {"basic": ("http", "basic"), "apiKey": ("apiKey", None), "oauth2": ("oauth2", None)}


def security_schemes(doc):
    """-> ({name: SecurityScheme}, problems) of ``securityDefinitions``."""
    schemes, problems = {}, []
    raw = doc.data.get("securityDefinitions") or {}
    if not isinstance(raw, dict):
        return schemes, problems  # the structure check reports it
    for name, node in raw.items():
        path = ("securityDefinitions", name)
        line = doc.line(path)
        if not isinstance(node, dict) or node.get("type") not in _TYPES:
            kind = node.get("type") if isinstance(node, dict) else node
            problems.append(SpecProblem(doc.file, line, f"securityDefinitions/{name}",
                                        f"unknown security scheme type {kind!r}", "use basic, apiKey or oauth2"))
            continue
        kind, scheme = _TYPES[node["type"]]
        location = node.get("in") if kind == "apiKey" else None
        param_name = node.get("name") if kind == "apiKey" else None
        if kind == "apiKey" and (location not in ("header", "query") or not isinstance(param_name, str)):
            problems.append(SpecProblem(doc.file, line, f"securityDefinitions/{name}",
                                        "an apiKey scheme needs 'name' (the header or query parameter) and "
                                        "'in: header' or 'in: query'", "e.g. {type: apiKey, name: X-Api-Key, in: header}"))
            continue
        scopes = node.get("scopes") if kind == "oauth2" else None
        schemes[name] = SecurityScheme(name=name, kind=kind, scheme=scheme, location=location, param_name=param_name,
                                       scopes=tuple(scopes) if isinstance(scopes, dict) else (),
                                       file=doc.file, line=line)
    return schemes, problems


def global_security(doc, schemes):
    """-> (requirement, problems) of the top-level ``security``."""
    return normalize_requirements(doc.data.get("security"), schemes, doc.file, doc.line(("security",)),
                                  "security (global)")


def operation_security(doc, op, spec_path, where, schemes, default):
    """-> (requirement, line, problems): the operation's own ``security`` replaces the global one."""
    if "security" not in op:
        line = doc.line(("security",)) if default else None
        return default, line, []
    line = doc.line(spec_path + ("security",))
    requirement, problems = normalize_requirements(op.get("security"), schemes, doc.file, line, where)
    return requirement, line, problems

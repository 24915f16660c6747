"""Swagger 2.0 front-end of stage 3 (normalize): a loaded 2.0 document -> :mod:`.description`'s
ApiDescription (operations with their parameters, ``$ref`` s resolved, body, responses and
PyMacaron bindings; ``securityDefinitions`` and ``security`` -> SecurityScheme and requirements).

2.0 scheme types map to the version-independent kinds: ``basic`` -> http/basic,
``apiKey`` (``in: header|query``) -> apiKey, ``oauth2`` -> oauth2 (its ``scopes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import SpecProblem
from pymacaron_core.spec.description import (
    METHODS,
    PATH_VAR,
    ApiDescription,
    Operation,
    Parameter,
    Requirement,
    SecurityScheme,
    normalize_requirements,
)

if TYPE_CHECKING:
    from pymacaron_core.spec.document import SpecDocument

_TYPES = {"basic": ("http", "basic"), "apiKey": ("apiKey", None), "oauth2": ("oauth2", None)}


def security_schemes(doc: SpecDocument) -> tuple[dict[str, SecurityScheme], list[SpecProblem]]:
    """-> ({name: SecurityScheme}, problems) of ``securityDefinitions``."""
    schemes: dict[str, SecurityScheme] = {}
    problems: list[SpecProblem] = []
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


def global_security(doc: SpecDocument,
                    schemes: dict[str, SecurityScheme]) -> tuple[Requirement, list[SpecProblem]]:
    """-> (requirement, problems) of the top-level ``security``."""
    return normalize_requirements(doc.data.get("security"), schemes, doc.file, doc.line(("security",)),
                                  "security (global)")


def operation_security(doc: SpecDocument, op: dict[str, Any], spec_path: tuple[str, ...], where: str,
                       schemes: dict[str, SecurityScheme],
                       default: Requirement) -> tuple[Requirement, int | None, list[SpecProblem]]:
    """-> (requirement, line, problems): the operation's own ``security`` replaces the global one."""
    if "security" not in op:
        line = doc.line(("security",)) if default else None
        return default, line, []
    line = doc.line(spec_path + ("security",))
    requirement, problems = normalize_requirements(op.get("security"), schemes, doc.file, line, where)
    return requirement, line, problems


def describe(doc: SpecDocument, api_name: str, base_path: str | None = None,
             schemes: dict[str, SecurityScheme] | None = None) -> tuple[ApiDescription, list[SpecProblem]]:
    """-> (ApiDescription, problems) of a Swagger 2.0 document."""
    problems: list[SpecProblem] = []
    if schemes is None:
        schemes, problems = security_schemes(doc)
    operations, found = compile_operations(doc, api_name, base_path, schemes)
    data = doc.data
    prefix = operations[0].base_path if operations else (base_path if base_path is not None else
                                                          (data.get("basePath") or ""))
    description = ApiDescription(
        name=api_name, file=doc.file, version="2.0", dialect="swagger2",
        served_prefix="" if prefix == "/" else prefix, host=data.get("host"),
        schemes=tuple(data.get("schemes") or ()), schemas=doc.definitions, security_schemes=schemes,
        operations=operations)
    return description, problems + found


def compile_operations(doc: SpecDocument, api_name: str, base_path: str | None = None,
                       schemes: dict[str, SecurityScheme] | None = None) -> tuple[list[Operation], list[SpecProblem]]:
    """-> (operations, problems). ``schemes``: the spec's security schemes, by name."""
    data = doc.data
    if base_path is None:
        base_path = data.get("basePath") or ""
    if base_path == "/":
        base_path = ""
    global_produces = data.get("produces") or ["application/json"]
    global_consumes = data.get("consumes") or None
    schemes = schemes or {}
    default_security, problems = global_security(doc, schemes)
    operations = []
    for path, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        path_params = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            spec_path = ("paths", path, method)
            consumes = op.get("consumes") or global_consumes
            operation = Operation(
                api_name=api_name, method=method.upper(), path=path, base_path=base_path,
                spec_path=spec_path, line=doc.line(spec_path),
                produces=list(op.get("produces") or global_produces),
                consumes=[c for c in consumes if isinstance(c, str)] if isinstance(consumes, list)
                else ["application/json"],
                consumes_declared=isinstance(consumes, list),
                summary=op.get("summary") or "",
            )
            operation.security, operation.security_line, found = operation_security(
                doc, op, spec_path, operation.where, schemes, default_security)
            problems.extend(found)
            _bindings(doc, op, operation, problems)
            _parameters(doc, path_params, op, operation, problems)
            _responses(doc, op, operation, problems)
            operations.append(operation)
    return operations, problems


def _bindings(doc, op, operation, problems, item=None):
    """x-bind-server, else an importable operationId: a dotted path, or (OpenAPI 3, connexion's rule)
    ``x-openapi-router-controller`` of the operation, then of its path item, + '.' + operationId."""
    handler = op.get("x-bind-server")
    op_id = op.get("operationId")
    if handler is None and isinstance(op_id, str) and op_id:
        controller = None
        if doc.version != "2.0":
            controller = op.get("x-openapi-router-controller") or (item or {}).get("x-openapi-router-controller")
        if isinstance(controller, str) and controller:
            handler = f"{controller}.{op_id}"
        elif "." in op_id:
            handler = op_id
        if handler is not None:
            operation.binding_key = "operationId"
        elif doc.version != "2.0":
            operation.unbound_operation_id = True
    operation.handler = handler
    operation.operation_id = op_id if isinstance(op_id, str) else None
    operation.no_bind_server = bool(op.get("x-no-bind-server"))
    operation.client_name = op.get("x-bind-client")
    for key, attr in (("x-decorate-server", "decorate_server"), ("x-decorate-request", "decorate_request")):
        value = op.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or "." not in value:
            problems.append(SpecProblem(doc.file, doc.line(operation.spec_path + (key,)), operation.where,
                                        f"{key} must be one dotted path 'package.module.function', got {value!r}",
                                        f"e.g. {key}: pymacaron.auth.requires_auth"))
            continue
        setattr(operation, attr, value)
    for key in ("x-bind-server", "x-bind-client"):
        value = op.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(SpecProblem(doc.file, doc.line(operation.spec_path + (key,)), operation.where,
                                        f"{key} must be a string, got {value!r}", ""))


def _deref(doc, node):
    seen = set()
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/") and \
            not node["$ref"].startswith("#/definitions/"):
        if node["$ref"] in seen:
            break
        seen.add(node["$ref"])
        node = doc.resolve_pointer(node["$ref"])
    return node


def _parameters(doc, path_params, op, operation, problems):
    merged = {}
    for origin, plist in (("path", path_params), ("op", op.get("parameters") or [])):
        for i, raw in enumerate(plist):
            where_path = (("paths", operation.path, "parameters", i) if origin == "path"
                          else operation.spec_path + ("parameters", i))
            p = _deref(doc, raw)
            if not isinstance(p, dict) or "in" not in p or "name" not in p:
                continue
            merged[(p["name"], p["in"])] = (p, doc.line(where_path))
    bodies = []
    for (name, loc), (p, line) in merged.items():
        if loc == "body":
            param = Parameter(name=name, location="body", required=bool(p.get("required")),
                              schema=p.get("schema") or {}, line=line)
            bodies.append(param)
            continue
        schema = {k: v for k, v in p.items() if k not in ("name", "in", "required", "description",
                                                          "allowEmptyValue", "collectionFormat")}
        param = Parameter(
            name=name, location=loc, required=bool(p.get("required")) or loc == "path",
            schema=schema, default=p.get("default"), has_default="default" in p,
            collection_format=p.get("collectionFormat", "csv"), line=line,
        )
        operation.parameters.append(param)
    if len(bodies) > 1:
        problems.append(SpecProblem(doc.file, bodies[1].line, operation.where,
                                    "an operation can have only one 'in: body' parameter",
                                    "merge the bodies into one schema"))
    if bodies:
        operation.body = bodies[0]
        if operation.params_in("formData"):
            problems.append(SpecProblem(doc.file, bodies[0].line, operation.where,
                                        "'in: body' and 'in: formData' parameters cannot be mixed",
                                        "use one or the other"))
    check_path_params(doc, operation, problems)


def check_path_params(doc: SpecDocument, operation: Operation, problems: list[SpecProblem]) -> None:
    """Every {var} of the path has an 'in: path' parameter, and every path parameter is in the path."""
    declared = set(PATH_VAR.findall(operation.path))
    for p in operation.params_in("path"):
        if p.name not in declared:
            problems.append(SpecProblem(doc.file, p.line, operation.where,
                                        f"path parameter {p.name!r} does not appear in the path {operation.path!r}",
                                        f"add {{{p.name}}} to the path, or change 'in: path'"))
    names = {p.name for p in operation.params_in("path")}
    for var in sorted(declared - names):
        fix = (f"add a parameter: {{name: {var}, in: path, required: true, type: string}}" if doc.version == "2.0"
               else f"add a parameter: {{name: {var}, in: path, required: true, schema: {{type: string}}}}")
        problems.append(SpecProblem(doc.file, operation.line, operation.where,
                                    f"the path uses {{{var}}} but no 'in: path' parameter named {var!r} is declared",
                                    fix))


def _responses(doc, op, operation, problems):
    for code, resp in (op.get("responses") or {}).items():
        code = str(code)
        resp = _deref(doc, resp)
        if not isinstance(resp, dict):
            continue
        operation.responses[code] = resp.get("schema")

"""Operations of a spec, as plain descriptions (no Flask, no I/O).

For each path and method: its parameters (path-level and operation-level
merged, ``$ref`` resolved), its body, its responses, and the PyMacaron
bindings (``x-bind-server``, ``x-bind-client``, ``x-decorate-server``,
``x-decorate-request``). Problems are collected for the caller to report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymacaron_core.exceptions import SpecProblem
from pymacaron_core.spec.swagger2 import global_security, operation_security

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_PATH_VAR = re.compile(r"{([^}/]+)}")


@dataclass
class Parameter:
    name: str
    location: str  # path | query | header | formData | body
    required: bool
    schema: dict  # the parameter itself (type, format, items...) or the body schema
    default: object = None
    has_default: bool = False
    collection_format: str = "csv"
    line: int | None = None

    @property
    def type(self):
        return self.schema.get("type")


@dataclass
class Operation:
    api_name: str
    method: str  # upper case
    path: str  # as in the spec: /items/{id}
    base_path: str
    spec_path: tuple  # JSON path of the operation in the document, for errors
    line: int | None
    handler: str | None = None  # x-bind-server (or a dotted operationId)
    no_bind_server: bool = False
    client_name: str | None = None
    decorate_server: str | None = None
    decorate_request: str | None = None
    parameters: list = field(default_factory=list)
    body: Parameter | None = None
    produces: list = field(default_factory=list)
    consumes: list = field(default_factory=list)
    consumes_declared: bool = False  # False: the spec says nothing, JSON (and forms for formData) accepted
    responses: dict = field(default_factory=dict)  # '200' / 'default' -> schema or None
    summary: str = ""
    # None: public; else alternatives (OR) of (scheme_name, scopes) pairs (AND): see spec/description.py
    security: tuple | None = None
    security_line: int | None = None

    @property
    def where(self):
        return f"{self.method} {self.path}"

    @property
    def full_path(self):
        return (self.base_path.rstrip("/") + self.path) if self.base_path else self.path

    @property
    def flask_rule(self):
        return _PATH_VAR.sub(lambda m: f"<{_flask_var(m.group(1))}>", self.full_path)

    @property
    def endpoint_name(self):
        return f"{self.api_name}:{self.method}:{self.full_path}"

    def params_in(self, location):
        return [p for p in self.parameters if p.location == location]

    @property
    def success_codes(self):
        return sorted(c for c in self.responses if c.isdigit() and c.startswith("2"))


def _flask_var(name):
    return re.sub(r"\W", "_", name)


def flask_var(name):
    """The Flask URL variable name used for the path parameter ``name``."""
    return _flask_var(name)


def compile_operations(doc, api_name, base_path=None, schemes=None):
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


def _bindings(doc, op, operation, problems):
    handler = op.get("x-bind-server")
    op_id = op.get("operationId")
    if handler is None and isinstance(op_id, str) and "." in op_id:
        handler = op_id
    operation.handler = handler
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
    declared = set(_PATH_VAR.findall(operation.path))
    for p in operation.params_in("path"):
        if p.name not in declared:
            problems.append(SpecProblem(doc.file, p.line, operation.where,
                                        f"path parameter {p.name!r} does not appear in the path {operation.path!r}",
                                        f"add {{{p.name}}} to the path, or change 'in: path'"))
    names = {p.name for p in operation.params_in("path")}
    for var in sorted(declared - names):
        problems.append(SpecProblem(doc.file, operation.line, operation.where,
                                    f"the path uses {{{var}}} but no 'in: path' parameter named {var!r} is declared",
                                    f"add a parameter: {{name: {var}, in: path, required: true, type: string}}"))


def _responses(doc, op, operation, problems):
    for code, resp in (op.get("responses") or {}).items():
        code = str(code)
        resp = _deref(doc, resp)
        if not isinstance(resp, dict):
            continue
        operation.responses[code] = resp.get("schema")

"""``pymacaron convert`` on every Swagger 2.0 spec of the repository, and on public ones.

Each spec PyMacaron loads (examples/helloworld, the test fixtures of every package, the built-in
APIs, the public OAI examples) is converted to OpenAPI 3.0 and 3.1. The result must pass our
structure check and openapi-spec-validator, every local ``$ref`` must resolve, and it must describe
the operations PyMacaron's Swagger 2.0 front-end (``compile_operations``) reads from the original:
same routes, parameters (location, required, type, array style), body name, form fields,
content types, response codes, handler bindings and extensions.
"""

import glob
import os
import re

import pytest
from openapi_spec_validator import validate

from pymacaron.bootstrap import builtin_definitions
from pymacaron_core.spec.convert import convert, to_yaml
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.operations import compile_operations
from pymacaron_core.spec.structure import check_structure, version_of
from pymacaron_core.spec.swagger2 import security_schemes
from pymacaron_core.spec.yamlfile import load_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACEHOLDER = re.compile(r"@[A-Z_]+@")  # the seed fixtures' hosts are templates: '127.0.0.1:@PORT@'
STYLES = {("query", "csv"): ("form", False), ("query", "ssv"): ("spaceDelimited", False),
          ("query", "pipes"): ("pipeDelimited", False), ("query", "multi"): ("form", True),
          ("path", "csv"): ("simple", False), ("header", "csv"): ("simple", False)}


def _swagger_specs():
    patterns = ["examples/helloworld/apis/*.yaml", "tests/fixtures/**/*.yaml", "packages/*/tests/fixtures/**/*.yaml",
                "packages/pymacaron/src/pymacaron/apis/*.yaml"]
    found = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            with open(path, encoding="utf-8") as f:
                data, _ = load_yaml(PLACEHOLDER.sub("8765", f.read()), path)
            if version_of(data) == "2.0":
                found.append(os.path.relpath(path, ROOT))
    return found


SPECS = _swagger_specs()


def test_the_specs_are_found():
    assert "examples/helloworld/apis/helloworld.yaml" in SPECS
    assert "packages/pymacaron-core/tests/fixtures/petstore/petstore.yaml" in SPECS
    assert "packages/pymacaron-core/tests/fixtures/public_specs/oai-petstore-expanded-2.0.yaml" in SPECS
    assert len(SPECS) >= 18


def _load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        text = PLACEHOLDER.sub("8765", f.read())
    doc = load_document(yaml_str=text, name=rel, default_definitions=builtin_definitions())
    data, locs = load_yaml(text, rel)
    defs = data.get("definitions") or {}
    missing = {k: v for k, v in builtin_definitions().items() if k in doc.definitions and k not in defs}
    if missing:  # what PyMacaron adds when it loads the spec (Error and Ok are built in)
        data["definitions"] = {**defs, **missing}
    return doc, data, locs


def _resolve(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/") and seen < 20:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def _refs(node, path=()):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield path, node["$ref"]
        for k, v in node.items():
            if k not in ("example", "examples", "default", "enum"):
                yield from _refs(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _refs(v, path + (i,))


@pytest.mark.parametrize("to", ["3.0", "3.1"])
@pytest.mark.parametrize("rel", SPECS)
def test_converted_spec_is_valid_and_describes_the_same_operations(rel, to):
    doc, data, locs = _load(rel)
    out, notes = convert(data, to=to)
    # valid OpenAPI, by our check and the reference validator; the YAML we write reads back the same
    back, out_locs = load_yaml(to_yaml(out), "out.yaml")
    assert back == out
    assert check_structure(out, out_locs, to) == []
    validate(out)
    for path, ref in _refs(out):
        if ref.startswith("#"):
            assert _resolve(out, {"$ref": ref}) is not None, (path, ref)
    assert all(locs.line(n.path) for n in notes), [str(n) for n in notes]
    if rel.startswith("examples/"):
        assert notes == []  # the example converts with nothing to report

    assert set(out.get("components", {}).get("schemas", {})) == set(doc.definitions)
    for name, schema in data.get("definitions", {}).items():
        extensions = {k: v for k, v in schema.items() if k.startswith("x-") and k != "x-nullable"}
        assert extensions.items() <= out["components"]["schemas"][name].items()

    schemes, problems = security_schemes(doc)
    operations, found = compile_operations(doc, rel, None, schemes)
    assert not problems + found
    for operation in operations:
        item = out["paths"][operation.path]
        new = item[operation.method.lower()]
        where = f"{rel} {operation.where}"
        raw = data["paths"][operation.path][operation.method.lower()]
        assert {k: v for k, v in raw.items() if k.startswith("x-")} == \
            {k: v for k, v in new.items() if k.startswith("x-")}, where
        _same_parameters(out, item, new, operation, where)
        _same_body(out, new, operation, where)
        assert set(new["responses"]) == set(operation.responses), where
        for code, schema in operation.responses.items():
            response = _resolve(out, new["responses"][code])
            if schema is not None:
                assert set(response["content"]) == set(operation.produces), where


def _same_parameters(out, item, new, operation, where):
    params = {}
    for raw in (item.get("parameters") or []) + (new.get("parameters") or []):
        p = _resolve(out, raw)
        params[(p["name"], p["in"])] = p
    expected = {(p.name, p.location): p for p in operation.parameters if p.location != "formData"}
    assert set(params) == set(expected), where
    for key, p in expected.items():
        got = params[key]
        assert got.get("required", False) == p.required, (where, key)
        assert _base_type(got["schema"]) == p.schema.get("type"), (where, key)
        if p.schema.get("type") == "array":
            assert (got["style"], got["explode"]) == STYLES[p.location, p.collection_format], (where, key)


def _base_type(schema):
    kind = schema.get("type")
    return [t for t in kind if t != "null"][0] if isinstance(kind, list) else kind


def _same_body(out, new, operation, where):
    form = operation.params_in("formData")
    if operation.body is None and not form:
        assert "requestBody" not in new, where
        return
    body = _resolve(out, new["requestBody"])
    if operation.body is not None:
        assert body.get("x-body-name", "body") == operation.body.name, where
        assert body.get("required", False) == operation.body.required, where
        assert list(body["content"]) == operation.consumes, where
        return
    for media, entry in body["content"].items():
        assert media in ("application/x-www-form-urlencoded", "multipart/form-data"), where
        schema = entry["schema"]
        assert list(schema["properties"]) == [p.name for p in form], where
        assert schema.get("required", []) == [p.name for p in form if p.required], where


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _operation_summary(op):
    """What the server plan, the routes and the clients read of an operation, refs reduced to their names."""
    def schema_key(schema):
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else schema.get("type", "schema")

    params = sorted((p.name, p.location, p.required, p.type if p.type != "file" else "file",
                     p.collection_format if p.type == "array" else None, p.has_default, p.default)
                    for p in op.parameters)
    body = None if op.body is None else (op.body.required, schema_key(op.body.schema))
    takes_body = op.body is not None or any(p.location == "formData" for p in op.parameters)
    return {"route": (op.method, op.full_path), "handler": op.handler, "client": op.client_name,
            "decorate": (op.decorate_server, op.decorate_request), "no_bind": op.no_bind_server,
            "params": params, "body": body, "consumes": sorted(op.consumes) if op.consumes_declared and takes_body else None,
            "responses": {code: schema_key(s) for code, s in op.responses.items()}, "security": op.security}


@pytest.mark.parametrize("to", ["3.0", "3.1"])
@pytest.mark.parametrize("rel", SPECS)
def test_the_openapi3_front_end_reads_the_converted_spec_as_the_swagger2_one_reads_the_original(rel, to):
    """Served from its conversion, every operation gets the same routes, handler, parameters (2.0 array
    formats included), body, form fields, content types, responses and security as from the original."""
    from pymacaron_core.spec.description import describe

    doc, data, _locs = _load(rel)
    original, problems = describe(doc, rel)
    assert not problems
    converted = load_document(yaml_str=to_yaml(convert(data, to=to)[0]), name=f"{rel} {to}",
                              default_definitions=builtin_definitions())
    description, problems = describe(converted, rel)
    assert not problems, problems
    assert description.version == to and description.served_prefix == original.served_prefix
    assert set(description.schemas) == set(original.schemas)
    assert set(description.security_schemes) == set(original.security_schemes)
    mine = {(o.method, o.full_path): _operation_summary(o) for o in description.operations}
    theirs = {(o.method, o.full_path): _operation_summary(o) for o in original.operations}
    for key, summary in theirs.items():
        if summary["consumes"] is None and any(p[1] == "formData" for p in summary["params"]):
            summary["consumes"] = sorted(FORMS)  # 2.0 formData with no consumes: both forms, as 3.x writes it
        elif summary["body"] is not None and summary["consumes"] is None:
            summary["consumes"] = ["application/json"]  # 2.0 with no consumes: JSON, as 3.x writes it
        assert mine.get(key) == summary, key
    assert set(mine) == set(theirs)

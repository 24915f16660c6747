"""spec/convert: Swagger 2.0 -> OpenAPI 3.0 / 3.1, one rule at a time.

Every converted document must pass our structure check for its version and the reference
validator (openapi-spec-validator); each test then asserts the part of the output its rule
produces, and the notes it must (or must not) write.
"""

import copy
import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry
from pymacaron_core.spec.convert import TARGETS, Note, convert, to_yaml
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.structure import check_structure
from pymacaron_core.spec.yamlfile import load_yaml

BOTH = pytest.mark.parametrize("to", TARGETS)


def spec(text):
    data, _ = load_yaml(textwrap.dedent(text), "test.yaml")
    return data


def swagger(body="", paths=None):
    """A Swagger 2.0 document: a header, then ``body`` (yaml), then ``paths`` (yaml) if given."""
    text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n" + textwrap.dedent(body)
    if paths is not None:
        text += "paths:\n" + textwrap.indent(textwrap.dedent(paths), "  ")
    elif "paths:" not in text:
        text += "paths: {}\n"
    return spec(text)


def converted(data, to="3.0", **kw):
    """convert(), asserting the result is a valid OpenAPI ``to`` document (ours and the reference) and that
    the input was left alone."""
    before = copy.deepcopy(data)
    out, notes = convert(data, to=to, **kw)
    assert data == before, "convert() modified its input"
    back, locs = load_yaml(to_yaml(out), "out.yaml")
    assert back == out, "to_yaml() does not round-trip"
    assert check_structure(out, locs, to) == [], [str(p) for p in check_structure(out, locs, to)]
    validate(out)
    assert all(isinstance(n, Note) for n in notes)
    return out, notes


def messages(notes):
    return [f"{n.where}: {n.message}" for n in notes]


def op(out, path, method="get"):
    return out["paths"][path][method]


# -- the document -----------------------------------------------------------------------


@BOTH
def test_version_key_order_and_top_level_keys(to):
    data = swagger("""\
        x-top: {kept: true}
        host: api.example.com
        tags: [{name: pets, description: Pets}]
        externalDocs: {url: 'https://docs.example.com'}
        security: [{key: []}]
        securityDefinitions:
          key: {type: apiKey, name: X-Key, in: header}
        consumes: [application/json]
        produces: [application/json]
        paths: {}
        definitions:
          Ok: {type: object}
        """)
    data["info"]["version"] = 2.5  # numbers are read as strings, as PyMacaron loads Swagger 2.0
    out, notes = converted(data, to)
    assert out["openapi"] == {"3.0": "3.0.3", "3.1": "3.1.0"}[to]
    assert list(out) == ["openapi", "info", "x-top", "servers", "tags", "externalDocs", "security", "components",
                         "paths"]
    assert out["info"] == {"title": "t", "version": "2.5"}
    assert out["x-top"] == {"kept": True} and out["security"] == [{"key": []}]
    assert list(out["components"]) == ["securitySchemes", "schemas"]
    assert messages(notes) == ["host: no schemes: Swagger 2.0 meant the scheme the spec was fetched with; "
                               "PyMacaron clients used http, written as http://"]


@pytest.mark.parametrize("body, servers, noted", [
    ("host: a.example.com\nbasePath: /v1\nschemes: [http, https]\n",
     [{"url": "https://a.example.com/v1"}, {"url": "http://a.example.com/v1"}], False),
    ("host: a.example.com:8080\nschemes: [https]\n", [{"url": "https://a.example.com:8080"}], False),
    ("host: a.example.com\nbasePath: /\nschemes: [http]\n", [{"url": "http://a.example.com"}], False),
    ("host: a.example.com\n", [{"url": "http://a.example.com"}], True),
    ("basePath: /api\n", [{"url": "/api"}], False),
    ("basePath: /api\nschemes: [https]\n", [{"url": "/api"}], True),
    ("schemes: [https]\n", None, True),
    ("", None, False),
])
def test_servers_from_host_base_path_and_schemes(body, servers, noted):
    out, notes = converted(swagger(body))
    assert out.get("servers") == servers
    assert bool(notes) == noted


def test_operation_schemes_become_operation_servers():
    out, _ = converted(swagger("host: a.example.com\nbasePath: /v1\nschemes: [https]\n", """\
        /a:
          get:
            schemes: [http]
            responses: {'200': {description: ok}}
          put:
            schemes: []
            responses: {'200': {description: ok}}
        """))
    assert op(out, "/a")["servers"] == [{"url": "http://a.example.com/v1"}]
    assert "servers" not in op(out, "/a", "put")


def test_not_swagger_2_or_unknown_target():
    with pytest.raises(ValueError, match=r"not a Swagger 2.0 document \(openapi: 3.0.3\)"):
        convert({"openapi": "3.0.3", "info": {}, "paths": {}})
    with pytest.raises(ValueError, match="not a Swagger 2.0 document"):
        convert({"info": {}})
    with pytest.raises(ValueError, match="mapping, not a list"):
        convert([])
    with pytest.raises(ValueError, match="choose one of 3.0, 3.1"):
        convert(swagger(), to="3.2")


# -- definitions and $refs ---------------------------------------------------------------


@BOTH
def test_definitions_become_component_schemas_and_every_ref_follows(to):
    data = swagger("""\
        definitions:
          Pet:
            type: object
            properties:
              owner: {$ref: '#/definitions/Owner'}
              friends: {type: array, items: {$ref: '#/definitions/Pet'}}
              extra: {type: object, additionalProperties: {$ref: '#/definitions/Owner'}}
              name: {$ref: '#/definitions/Owner/properties/name'}
          Owner:
            type: object
            properties: {name: {type: string}}
          Cat:
            allOf:
              - $ref: '#/definitions/Pet'
              - {type: object, properties: {meow: {type: boolean}}}
        """, """\
        /pets:
          post:
            parameters:
              - {in: body, name: pet, schema: {$ref: '#/definitions/Pet'}}
            responses:
              '200': {description: ok, schema: {type: array, items: {$ref: '#/definitions/Cat'}}}
        """)
    out, notes = converted(data, to)
    schemas = out["components"]["schemas"]
    assert list(schemas) == ["Pet", "Owner", "Cat"]
    props = schemas["Pet"]["properties"]
    assert props["owner"] == {"$ref": "#/components/schemas/Owner"}
    assert props["friends"]["items"] == {"$ref": "#/components/schemas/Pet"}
    assert props["extra"]["additionalProperties"] == {"$ref": "#/components/schemas/Owner"}
    assert props["name"] == {"$ref": "#/components/schemas/Owner/properties/name"}
    assert schemas["Cat"]["allOf"][0] == {"$ref": "#/components/schemas/Pet"}
    body = op(out, "/pets", "post")["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Pet"}
    response = op(out, "/pets", "post")["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"type": "array", "items": {"$ref": "#/components/schemas/Cat"}}
    assert notes == []


def test_names_openapi_3_does_not_allow_are_renamed_with_their_refs():
    data = swagger("""\
        security: [{'my key': []}]
        securityDefinitions:
          'my key': {type: apiKey, name: X-Key, in: header}
        definitions:
          'Pet Store': {type: object}
          Pet_Store: {type: object}
          Box: {type: object, properties: {p: {$ref: '#/definitions/Pet Store'}}}
        """)
    out, notes = converted(data, "3.1")
    assert list(out["components"]["schemas"]) == ["Pet_Store_2", "Pet_Store", "Box"]
    assert out["components"]["schemas"]["Box"]["properties"]["p"] == {"$ref": "#/components/schemas/Pet_Store_2"}
    assert list(out["components"]["securitySchemes"]) == ["my_key"] and out["security"] == [{"my_key": []}]
    assert messages(notes) == [
        "definitions.Pet Store: definition 'Pet Store' renamed 'Pet_Store_2': OpenAPI 3 component names allow "
        "only letters, digits, '.', '-' and '_'; its PyMacaron model class is now Pet_Store_2",
        "securityDefinitions.my key: security definition 'my key' renamed 'my_key': OpenAPI 3 component names "
        "allow only letters, digits, '.', '-' and '_'",
    ]


def test_dangling_and_external_refs_are_noted():
    data = swagger("""\
        definitions:
          A:
            type: object
            properties:
              e: {$ref: '#/definitions/Error'}
              m: {$ref: '#/definitions/Missing'}
              x: {$ref: 'other.yaml#/definitions/X'}
              w: {$ref: 'whole.yaml'}
        """)
    out, notes = convert(data, known_schemas=["Error"])  # dangling refs: not a valid document, by design
    props = out["components"]["schemas"]["A"]["properties"]
    assert props == {"e": {"$ref": "#/components/schemas/Error"}, "m": {"$ref": "#/components/schemas/Missing"},
                     "x": {"$ref": "other.yaml#/definitions/X"}, "w": {"$ref": "whole.yaml"}}
    assert [(n.where, n.fix) for n in notes] == [
        ("definitions.A.properties.m.$ref", "define 'Missing' under components/schemas, or correct the $ref"),
        ("definitions.A.properties.x.$ref",
         "when 'other.yaml' is converted too, change it to 'other.yaml#/components/schemas/X'"),
    ]
    _, notes = convert(data)  # without known_schemas, Error is dangling too
    assert [n.where for n in notes][0] == "definitions.A.properties.e.$ref"


# -- parameters ----------------------------------------------------------------------------


QUERY_STYLES = [
    ("query", None, "form", False),
    ("query", "csv", "form", False),
    ("query", "ssv", "spaceDelimited", False),
    ("query", "pipes", "pipeDelimited", False),
    ("query", "multi", "form", True),
    ("path", None, "simple", False),
    ("path", "csv", "simple", False),
    ("header", "csv", "simple", False),
]


@pytest.mark.parametrize("location, fmt, style, explode", QUERY_STYLES)
def test_collection_format_becomes_style_and_explode(location, fmt, style, explode):
    param = {"in": location, "name": "ids", "type": "array", "items": {"type": "integer"}}
    if location == "path":
        param["required"] = True
    if fmt:
        param["collectionFormat"] = fmt
    data = swagger(paths="/a/{ids}:\n  get:\n    responses: {'200': {description: ok}}\n")
    data["paths"]["/a/{ids}"]["get"]["parameters"] = [param]
    if location != "path":
        data["paths"]["/a/{ids}"]["get"]["parameters"].append({"in": "path", "name": "ids", "required": True,
                                                               "type": "string"})
    out, notes = converted(data)
    got = op(out, "/a/{ids}")["parameters"][0]
    assert got["style"] == style and got["explode"] is explode
    assert got["schema"] == {"type": "array", "items": {"type": "integer"}}
    assert "collectionFormat" not in got and notes == []


@pytest.mark.parametrize("location, fmt", [("query", "tsv"), ("path", "pipes"), ("header", "ssv")])
def test_collection_formats_without_an_equivalent_are_noted(location, fmt):
    data = swagger(paths="/a/{x}:\n  get:\n    responses: {'200': {description: ok}}\n")
    data["paths"]["/a/{x}"]["get"]["parameters"] = [
        {"in": location, "name": "x", "type": "array", "items": {"type": "string"}, "collectionFormat": fmt,
         "required": True}]
    if location != "path":
        data["paths"]["/a/{x}"]["get"]["parameters"].append({"in": "path", "name": "x", "required": True,
                                                             "type": "string"})
    out, notes = converted(data)
    got = op(out, "/a/{x}")["parameters"][0]
    assert (got["style"], got["explode"]) == ("form" if location == "query" else "simple", False)
    assert [n.where for n in notes] == ["paths./a/{x}.get.parameters[0].collectionFormat"]
    assert f"collectionFormat {fmt!r}" in notes[0].message


@BOTH
def test_parameter_keywords_move_into_schema_and_the_rest_stays(to):
    data = swagger(paths="""\
        /a/{id}:
          get:
            parameters:
              - in: path
                name: id
                description: the id
                required: true
                type: integer
                format: int64
                minimum: 1
                x-example: 42
              - {in: query, name: q, type: string, enum: [a, b], default: a, allowEmptyValue: true, pattern: '^[ab]$'}
              - {in: query, name: n, type: number, maximum: 10, exclusiveMaximum: true, multipleOf: 0.5}
              - {in: query, name: s, type: array, items: {type: string, maxLength: 3}, minItems: 1, uniqueItems: true}
            responses: {'200': {description: ok}}
        """)
    out, notes = converted(data, to)
    p_id, p_q, p_n, p_s = op(out, "/a/{id}")["parameters"]
    assert p_id == {"in": "path", "name": "id", "description": "the id", "required": True,
                    "schema": {"type": "integer", "format": "int64", "minimum": 1}, "x-example": 42}
    assert p_q == {"in": "query", "name": "q", "schema": {"type": "string", "enum": ["a", "b"], "default": "a",
                                                          "pattern": "^[ab]$"}, "allowEmptyValue": True}
    n_schema = {"type": "number", "maximum": 10, "exclusiveMaximum": True, "multipleOf": 0.5}
    if to == "3.1":
        n_schema = {"type": "number", "exclusiveMaximum": 10, "multipleOf": 0.5}
    assert p_n == {"in": "query", "name": "n", "schema": n_schema}
    assert p_s["schema"] == {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 1,
                             "uniqueItems": True}
    assert notes == []


def test_header_parameters_openapi_3_ignores_are_noted():
    out, notes = converted(swagger(paths="""\
        /a:
          get:
            parameters:
              - {in: header, name: Authorization, type: string}
              - {in: header, name: X-Trace, type: string}
            responses: {'200': {description: ok}}
        """))
    assert [p["name"] for p in op(out, "/a")["parameters"]] == ["Authorization", "X-Trace"]
    assert messages(notes) == ["paths./a.get.parameters[0]: OpenAPI 3 ignores a header parameter named "
                               "'Authorization' (PyMacaron passed it to the handler)"]


def test_arrays_of_arrays_are_noted():
    out, notes = converted(swagger(paths="""\
        /a:
          get:
            parameters:
              - {in: query, name: m, type: array, items: {type: array, items: {type: integer}, collectionFormat: pipes}}
            responses: {'200': {description: ok}}
        """))
    assert op(out, "/a")["parameters"][0]["schema"] == {"type": "array", "items": {"type": "array",
                                                                                   "items": {"type": "integer"}}}
    assert [n.where for n in notes] == ["paths./a.get.parameters[0].items"]


def test_path_level_parameters_stay_at_path_level_and_operations_override():
    out, _ = converted(swagger(paths="""\
        /a/{id}:
          x-path: kept
          parameters:
            - {in: path, name: id, type: string, required: true}
            - {in: query, name: q, type: string}
          get:
            parameters:
              - {in: query, name: q, type: integer}
            responses: {'200': {description: ok}}
        """))
    item = out["paths"]["/a/{id}"]
    assert [p["name"] for p in item["parameters"]] == ["id", "q"] and item["x-path"] == "kept"
    assert item["get"]["parameters"] == [{"in": "query", "name": "q", "schema": {"type": "integer"}}]


def test_global_parameters_become_components_and_refs_follow():
    data = swagger("""\
        consumes: [application/json]
        parameters:
          limit: {in: query, name: limit, type: integer, maximum: 100}
          newPet: {in: body, name: pet, required: true, schema: {$ref: '#/definitions/Pet'}}
          plainBody: {in: body, name: body, schema: {type: object}}
          caption: {in: formData, name: caption, type: string, required: true}
        definitions:
          Pet: {type: object}
        """, """\
        /pets:
          get:
            parameters: [{$ref: '#/parameters/limit'}]
            responses: {'200': {description: ok}}
          post:
            parameters: [{$ref: '#/parameters/newPet'}]
            responses: {'200': {description: ok}}
          put:
            consumes: [application/json, application/xml]
            parameters: [{$ref: '#/parameters/newPet'}]
            responses: {'200': {description: ok}}
        /photos:
          post:
            consumes: [multipart/form-data]
            parameters: [{$ref: '#/parameters/caption'}]
            responses: {'200': {description: ok}}
        """)
    out, notes = converted(data)
    components = out["components"]
    assert components["parameters"] == {"limit": {"in": "query", "name": "limit",
                                                  "schema": {"type": "integer", "maximum": 100}}}
    assert components["requestBodies"] == {
        "newPet": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                   "required": True, "x-body-name": "pet"},
        "plainBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
    }
    assert op(out, "/pets")["parameters"] == [{"$ref": "#/components/parameters/limit"}]
    assert op(out, "/pets", "post")["requestBody"] == {"$ref": "#/components/requestBodies/newPet"}
    put = op(out, "/pets", "put")  # other content types than the global ones: written in full
    assert list(put["requestBody"]["content"]) == ["application/json", "application/xml"]
    assert put["requestBody"]["x-body-name"] == "pet" and "parameters" not in put
    form = op(out, "/photos", "post")["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form == {"type": "object", "properties": {"caption": {"type": "string"}}, "required": ["caption"]}
    assert sorted(n.where for n in notes) == ["parameters.caption", "paths./photos.post"]


# -- bodies ----------------------------------------------------------------------------------


@BOTH
def test_body_parameter_becomes_request_body_with_its_name(to):
    out, notes = converted(swagger("consumes: [application/json, application/vnd.api+json]\n", """\
        /a:
          post:
            x-bind-server: pkg.api.create
            parameters:
              - {in: body, name: question, description: What to ask., required: true, x-extra: 1,
                 schema: {type: object, properties: {q: {type: string}}}}
            responses: {'200': {description: ok}}
          put:
            parameters:
              - {in: body, name: body, schema: {type: string}}
            responses: {'200': {description: ok}}
        """), to)
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    post = op(out, "/a", "post")
    assert post["requestBody"] == {
        "description": "What to ask.",
        "content": {"application/json": {"schema": schema}, "application/vnd.api+json": {"schema": schema}},
        "required": True, "x-body-name": "question", "x-extra": 1}
    assert list(post) == ["x-bind-server", "requestBody", "responses"]
    put = op(out, "/a", "put")["requestBody"]
    assert "x-body-name" not in put and "required" not in put  # named 'body', and optional
    assert notes == []


def test_body_name_that_cannot_be_a_keyword_argument_is_noted():
    out, notes = converted(swagger(paths="""\
        /a:
          post:
            parameters: [{in: body, name: pet-data, schema: {type: object}}]
            responses: {'200': {description: ok}}
        """))
    assert op(out, "/a", "post")["requestBody"]["x-body-name"] == "pet-data"
    assert [n.where for n in notes] == ["paths./a.post.parameters[0].name"]


def test_path_level_body_goes_to_every_operation():
    out, _ = converted(swagger(paths="""\
        /a:
          parameters: [{in: body, name: item, schema: {type: object}}]
          post: {responses: {'200': {description: ok}}}
          put: {responses: {'200': {description: ok}}}
        """))
    assert "parameters" not in out["paths"]["/a"]
    for method in ("post", "put"):
        assert op(out, "/a", method)["requestBody"]["x-body-name"] == "item"


@BOTH
def test_form_data_becomes_one_form_request_body(to):
    out, notes = converted(swagger(paths="""\
        /pets/{id}/photo:
          post:
            consumes: [multipart/form-data]
            parameters:
              - {in: path, name: id, type: integer, required: true}
              - {in: formData, name: caption, type: string, description: A caption., required: true, maxLength: 80}
              - {in: formData, name: rating, type: integer, minimum: 1, maximum: 5, default: 3, x-nullable: true}
              - {in: formData, name: photo, type: file, required: true, x-kept: kept}
              - {in: formData, name: tags, type: array, items: {type: string}, collectionFormat: multi}
            responses: {'200': {description: ok}}
        /login:
          post:
            consumes: [application/x-www-form-urlencoded]
            parameters:
              - {in: formData, name: user, type: string}
              - {in: formData, name: roles, type: array, items: {type: string}}
              - {in: formData, name: flags, type: array, items: {type: string}, collectionFormat: pipes}
            responses: {'200': {description: ok}}
        """), to)
    upload = op(out, "/pets/{id}/photo", "post")
    assert [p["name"] for p in upload["parameters"]] == ["id"]
    rating = {"type": ["integer", "null"], "minimum": 1, "maximum": 5, "default": 3} if to == "3.1" else \
        {"type": "integer", "minimum": 1, "maximum": 5, "default": 3, "nullable": True}
    assert upload["requestBody"] == {"content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {
            "caption": {"type": "string", "maxLength": 80, "description": "A caption."},
            "rating": rating,
            "photo": {"type": "string", "format": "binary", "x-kept": "kept"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["caption", "photo"]}}}, "required": True}
    login = op(out, "/login", "post")["requestBody"]
    assert "required" not in login
    assert login["content"]["application/x-www-form-urlencoded"]["encoding"] == {
        "roles": {"style": "form", "explode": False}, "flags": {"style": "pipeDelimited", "explode": False}}
    assert [n.where for n in notes] == ["paths./pets/{id}/photo.post", "paths./login.post"]
    assert all("became one requestBody" in n.message for n in notes)


def test_form_data_quirks_are_noted():
    out, notes = converted(swagger(paths="""\
        /a:
          post:
            parameters:
              - {in: formData, name: name, type: string, allowEmptyValue: true}
              - {in: formData, name: ids, type: array, items: {type: integer}, collectionFormat: tsv}
            responses: {'200': {description: ok}}
        """))
    body = op(out, "/a", "post")["requestBody"]["content"]
    assert list(body) == ["application/x-www-form-urlencoded", "multipart/form-data"]  # consumes had no form type
    assert body["application/x-www-form-urlencoded"]["encoding"] == {"ids": {"style": "form", "explode": False}}
    assert [n.where for n in notes] == [
        "paths./a.post.parameters[0].allowEmptyValue", "paths./a.post.parameters[1].collectionFormat",
        "paths./a.post", "paths./a.post", "paths./a.post"]
    assert "no form content type in consumes ['application/json']" in notes[2].message
    assert "OpenAPI 3 cannot describe a delimited array in multipart/form-data" in notes[3].message


# -- responses -------------------------------------------------------------------------------


@BOTH
def test_responses_get_content_per_produces_with_headers_and_examples(to):
    out, notes = converted(swagger("produces: [application/json]\n", """\
        /a:
          get:
            produces: [application/json, application/xml]
            responses:
              '200':
                description: ok
                schema: {type: object, properties: {n: {type: integer}}}
                headers:
                  X-Rate: {type: integer, description: calls left}
                  X-Tags: {type: array, items: {type: string}}
                examples: {application/json: {n: 1}, text/plain: one}
                x-resp: kept
              '204': {description: nothing}
              default: {description: error}
        """), to)
    responses = op(out, "/a")["responses"]
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert responses["200"] == {
        "description": "ok",
        "content": {"application/json": {"schema": schema, "example": {"n": 1}},
                    "application/xml": {"schema": schema},
                    "text/plain": {"schema": schema, "example": "one"}},
        "headers": {"X-Rate": {"schema": {"type": "integer"}, "description": "calls left"},
                    "X-Tags": {"schema": {"type": "array", "items": {"type": "string"}}}},
        "x-resp": "kept"}
    assert responses["204"] == {"description": "nothing"} and responses["default"] == {"description": "error"}
    assert notes == []


def test_responses_without_schema_keep_a_non_json_content_type():
    out, _ = converted(swagger(paths="""\
        /page:
          get:
            produces: [text/html]
            responses:
              '200': {description: a page}
              '204': {description: nothing}
        """))
    assert op(out, "/page")["responses"] == {"200": {"description": "a page", "content": {"text/html": {}}},
                                             "204": {"description": "nothing"}}


def test_file_response_is_binary_with_a_note():
    out, notes = converted(swagger(paths="""\
        /a:
          get:
            produces: [application/octet-stream]
            responses: {'200': {description: a file, schema: {type: file}}}
        """))
    content = op(out, "/a")["responses"]["200"]["content"]
    assert content == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    assert [n.where for n in notes] == ["paths./a.get.responses.200.schema.type"]


def test_global_responses_become_components():
    out, _ = converted(swagger("""\
        produces: [application/json]
        responses:
          NotFound: {description: not found, schema: {$ref: '#/definitions/Error'}}
        definitions:
          Error: {type: object}
        """, """\
        /a:
          get:
            responses: {'404': {$ref: '#/responses/NotFound'}}
        /b:
          get:
            produces: [application/xml]
            responses: {'404': {$ref: '#/responses/NotFound'}}
        """))
    assert out["components"]["responses"] == {"NotFound": {"description": "not found", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    assert op(out, "/a")["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert op(out, "/b")["responses"]["404"]["content"] == {
        "application/xml": {"schema": {"$ref": "#/components/schemas/Error"}}}


# -- security --------------------------------------------------------------------------------


@BOTH
def test_security_definitions_become_security_schemes(to):
    out, notes = converted(swagger("""\
        securityDefinitions:
          basic: {type: basic, description: login}
          key: {type: apiKey, name: api_key, in: query, x-key: 1}
          implicit: {type: oauth2, flow: implicit, authorizationUrl: 'https://a.example.com/auth',
                     scopes: {read: Read}}
          password: {type: oauth2, flow: password, tokenUrl: 'https://a.example.com/token', scopes: {}}
          app: {type: oauth2, flow: application, tokenUrl: 'https://a.example.com/token', scopes: {w: Write}}
          code: {type: oauth2, flow: accessCode, authorizationUrl: 'https://a.example.com/auth',
                 tokenUrl: 'https://a.example.com/token', scopes: {read: Read}}
        """, """\
        /a:
          get:
            security: [{implicit: [read]}, {key: []}]
            responses: {'200': {description: ok}}
        """), to)
    schemes = out["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic", "description": "login"}
    assert schemes["key"] == {"type": "apiKey", "name": "api_key", "in": "query", "x-key": 1}
    assert schemes["implicit"] == {"type": "oauth2", "flows": {"implicit": {
        "authorizationUrl": "https://a.example.com/auth", "scopes": {"read": "Read"}}}}
    assert schemes["password"]["flows"] == {"password": {"tokenUrl": "https://a.example.com/token", "scopes": {}}}
    assert schemes["app"]["flows"] == {"clientCredentials": {"tokenUrl": "https://a.example.com/token",
                                                             "scopes": {"w": "Write"}}}
    assert schemes["code"]["flows"] == {"authorizationCode": {"authorizationUrl": "https://a.example.com/auth",
                                                              "tokenUrl": "https://a.example.com/token",
                                                              "scopes": {"read": "Read"}}}
    assert op(out, "/a")["security"] == [{"implicit": ["read"]}, {"key": []}]
    assert notes == []


# -- schemas ---------------------------------------------------------------------------------


NULLABLE = """\
    definitions:
      Owner: {type: object, properties: {name: {type: string}}}
      Pet:
        type: object
        properties:
          weight: {type: number, x-nullable: true, description: kg}
          kind: {type: string, enum: [cat, dog], x-nullable: true}
          owner: {$ref: '#/definitions/Owner', x-nullable: true, description: who}
          both: {allOf: [{$ref: '#/definitions/Owner'}], x-nullable: true}
          anything: {description: any value, x-nullable: true}
          strict: {type: string, x-nullable: false}
          typed: {type: object, allOf: [{$ref: '#/definitions/Owner'}], x-nullable: true}
    """


def test_x_nullable_in_openapi_3_0():
    out, notes = converted(swagger(NULLABLE), "3.0")
    props = out["components"]["schemas"]["Pet"]["properties"]
    assert props["weight"] == {"type": "number", "nullable": True, "description": "kg"}
    assert props["kind"] == {"type": "string", "enum": ["cat", "dog", None], "nullable": True}
    # 3.0 cannot say it: the PyMacaron extension stays, with a note
    assert props["owner"] == {"$ref": "#/components/schemas/Owner", "x-nullable": True, "description": "who"}
    assert props["both"] == {"allOf": [{"$ref": "#/components/schemas/Owner"}], "x-nullable": True}
    assert props["anything"] == {"description": "any value", "x-nullable": True}
    assert props["strict"] == {"type": "string"}
    assert props["typed"] == {"type": "object", "allOf": [{"$ref": "#/components/schemas/Owner"}],
                              "x-nullable": True}
    assert [n.where for n in notes] == ["definitions.Pet.properties.owner.x-nullable",
                                        "definitions.Pet.properties.both.x-nullable",
                                        "definitions.Pet.properties.typed.x-nullable"]


def test_x_nullable_in_openapi_3_1():
    out, notes = converted(swagger(NULLABLE), "3.1")
    props = out["components"]["schemas"]["Pet"]["properties"]
    assert props["weight"] == {"type": ["number", "null"], "description": "kg"}
    assert props["kind"] == {"type": ["string", "null"], "enum": ["cat", "dog", None]}
    assert props["owner"] == {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}],
                              "description": "who"}
    assert props["both"] == {"anyOf": [{"allOf": [{"$ref": "#/components/schemas/Owner"}]}, {"type": "null"}]}
    assert props["anything"] == {"description": "any value"}
    assert props["strict"] == {"type": "string"}
    assert props["typed"] == {"anyOf": [{"type": "object", "allOf": [{"$ref": "#/components/schemas/Owner"}]},
                                        {"type": "null"}]}
    assert notes == []


@BOTH
def test_discriminator_examples_and_keywords_kept(to):
    out, _ = converted(swagger("""\
        definitions:
          Pet:
            type: object
            discriminator: petType
            required: [petType]
            properties:
              petType: {type: string}
              name: {type: string, example: Rex, readOnly: true}
            example: {petType: Cat, name: Tom}
            xml: {name: pet}
            externalDocs: {url: 'https://docs.example.com/pet'}
          Cat:
            allOf: [{$ref: '#/definitions/Pet'}, {type: object, properties: {meow: {type: boolean}}}]
        """, """\
        /a:
          get:
            responses:
              '200': {description: ok, schema: {$ref: '#/definitions/Pet'}, examples: {application/json: {a: 1}}}
        """), to)
    pet = out["components"]["schemas"]["Pet"]
    assert pet["discriminator"] == {"propertyName": "petType"}
    assert pet["xml"] == {"name": "pet"} and pet["externalDocs"] == {"url": "https://docs.example.com/pet"}
    assert pet["properties"]["name"]["readOnly"] is True
    if to == "3.0":
        assert pet["example"] == {"petType": "Cat", "name": "Tom"} and pet["properties"]["name"]["example"] == "Rex"
    else:
        assert pet["examples"] == [{"petType": "Cat", "name": "Tom"}] and "example" not in pet
        assert pet["properties"]["name"]["examples"] == ["Rex"]
    # a media type's example stays `example` in both versions
    assert op(out, "/a")["responses"]["200"]["content"]["application/json"]["example"] == {"a": 1}


@BOTH
def test_exclusive_bounds(to):
    out, _ = converted(swagger("""\
        definitions:
          N:
            type: object
            properties:
              a: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: true}
              b: {type: integer, minimum: 0, exclusiveMinimum: false}
        """), to)
    props = out["components"]["schemas"]["N"]["properties"]
    if to == "3.0":
        assert props["a"] == {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 9,
                              "exclusiveMaximum": True}
        assert props["b"] == {"type": "integer", "minimum": 0, "exclusiveMinimum": False}
    else:
        assert props["a"] == {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 9}
        assert props["b"] == {"type": "integer", "minimum": 0}


@BOTH
def test_tuple_items(to):
    data = swagger("definitions:\n  P: {type: array, items: [{type: number}, {type: string}]}\n")
    out, notes = converted(data, to)
    p = out["components"]["schemas"]["P"]
    if to == "3.1":
        assert p == {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]} and notes == []
    else:
        assert p == {"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}]}}
        assert [n.where for n in notes] == ["definitions.P.items"]


# -- PyMacaron extensions ------------------------------------------------------------------------


EXTENSIONS = """\
    x-service: kept
    definitions:
      Pet:
        type: object
        x-parent: shop.models.PetMixin
        x-persist: shop.db.PetStore
        x-custom: {any: [thing]}
        properties:
          name: {type: string, x-prop: 1}
    paths:
      /pets:
        x-path: kept
        get:
          x-bind-server: shop.api.list_pets
          x-bind-client: list_pets
          x-decorate-server: pymacaron.auth.requires_auth
          x-decorate-request: pymacaron.auth.add_auth
          x-custom: 3
          responses: {'200': {description: ok, schema: {$ref: '#/definitions/Pet'}}}
        post:
          x-no-bind-server: true
          x-bind-client: create_pet
          parameters: [{in: body, name: pet, schema: {$ref: '#/definitions/Pet'}}]
          responses: {'200': {description: ok}}
    """


@BOTH
def test_pymacaron_extensions_stay_where_they_were(to):
    out, notes = converted(swagger(EXTENSIONS), to)
    assert out["x-service"] == "kept" and out["paths"]["/pets"]["x-path"] == "kept"
    get = op(out, "/pets")
    assert {k: v for k, v in get.items() if k.startswith("x-")} == {
        "x-bind-server": "shop.api.list_pets", "x-bind-client": "list_pets",
        "x-decorate-server": "pymacaron.auth.requires_auth", "x-decorate-request": "pymacaron.auth.add_auth",
        "x-custom": 3}
    post = op(out, "/pets", "post")
    assert post["x-no-bind-server"] is True and post["x-bind-client"] == "create_pet"
    assert post["requestBody"]["x-body-name"] == "pet"
    pet = out["components"]["schemas"]["Pet"]
    assert (pet["x-parent"], pet["x-persist"], pet["x-custom"]) == (
        "shop.models.PetMixin", "shop.db.PetStore", {"any": ["thing"]})
    assert pet["properties"]["name"] == {"type": "string", "x-prop": 1}
    assert notes == []


# -- the converted schemas accept and reject the same values --------------------------------------


EQUIVALENCE = """\
    swagger: '2.0'
    info: {title: eq, version: '1'}
    paths: {}
    definitions:
      Owner:
        type: object
        required: [email]
        properties:
          email: {type: string, minLength: 3}
          age: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 150}
      Pet:
        type: object
        required: [name]
        properties:
          name: {type: string, minLength: 1}
          kind: {type: string, enum: [cat, dog], x-nullable: true}
          weight: {type: number, minimum: 0, exclusiveMinimum: true, x-nullable: true}
          owner: {$ref: '#/definitions/Owner', x-nullable: true}
          both: {allOf: [{$ref: '#/definitions/Owner'}], x-nullable: true}
          typed: {type: object, allOf: [{$ref: '#/definitions/Owner'}], x-nullable: true}
          tags: {type: array, items: {type: string}, maxItems: 2}
          extra: {type: object, additionalProperties: {type: integer, x-nullable: true}}
    """
SCALARS = (st.none() | st.booleans() | st.integers(-3, 200)
           | st.floats(-10, 10, allow_nan=False).filter(lambda f: not f.is_integer())
           | st.sampled_from(["", "a", "cat", "dog", "bob@x"]))
# values near the definitions (each field valid, invalid or null), plus anything
OWNERS = st.fixed_dictionaries({"email": st.sampled_from(["bob@x", "ab", 3])},
                               optional={"age": st.sampled_from([0, 1, 150, 151, -1, 2.5, None, "1"])})
PETS = st.fixed_dictionaries({"name": st.sampled_from(["a", "", None])}, optional={
    "kind": st.sampled_from(["cat", "dog", "cow", None, 1]),
    "weight": st.sampled_from([0, 0.5, -1, None, "x"]),
    "owner": OWNERS | st.sampled_from([None, "x"]),
    "both": OWNERS | st.sampled_from([None, []]),
    "typed": OWNERS | st.sampled_from([None, []]),
    "tags": st.lists(st.sampled_from(["a", 1, None]), max_size=3),
    "extra": st.dictionaries(st.sampled_from(["n", "m"]), st.sampled_from([1, None, "x", 1.5]), max_size=2),
})
VALUES = PETS | OWNERS | st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                                      | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@pytest.fixture(scope="module")
def equivalence_validators():
    """name -> (Swagger 2.0 validator, {version: converted validator}), all compiled by our compiler."""
    source = load_document(yaml_str=textwrap.dedent(EQUIVALENCE))
    ours = SchemaCompiler(source.definitions, FormatRegistry(), dialect="swagger2")
    data, _ = load_yaml(textwrap.dedent(EQUIVALENCE), "eq.yaml")
    targets = {}
    for to, dialect in (("3.0", "oas30"), ("3.1", "oas31")):
        out, _ = converted(data, to)
        schemas = out["components"]["schemas"]
        targets[to] = SchemaCompiler(schemas, FormatRegistry(), dialect=dialect, root=out)
    return {name: (ours.definition_validator(name), {to: c.definition_validator(name) for to, c in targets.items()})
            for name in ("Owner", "Pet")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=VALUES)
@example(value={"name": "a", "weight": 0})
@example(value={"name": "a", "weight": None, "kind": None, "owner": None, "both": None, "typed": None,
               "extra": {"n": None}})
@example(value={"name": "a", "kind": "cow"})
@example(value={"name": "a", "owner": {"email": "bob@x", "age": 0}})
@example(value={"email": "bob@x", "age": 150})
def test_converted_definitions_give_the_same_verdicts(equivalence_validators, value):
    for name, (source, converted_) in equivalence_validators.items():
        expected = source.is_valid(value)
        for to, validator in converted_.items():
            assert validator.is_valid(value) == expected, (name, to, value)


# -- YAML -----------------------------------------------------------------------------------------


def test_to_yaml_is_readable_and_round_trips():
    shared = {"$ref": "#/components/schemas/Pet"}
    data = {"openapi": "3.0.3", "info": {"title": "t", "version": "1.0", "description": "two\nlines\n"},
            "paths": {"/a": {"get": {"tags": ["a", "b"], "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": shared}, "application/xml": {"schema": shared}}}}}}},
            "z": [{"a": 1}], "long": ["x" * 40, "y" * 40]}
    text = to_yaml(data)
    assert text.startswith("openapi: 3.0.3\ninfo:\n  title: t\n  version: '1.0'\n  description: |\n    two\n    lines\n")
    assert "tags: [a, b]" in text and "schema: {$ref: '#/components/schemas/Pet'}" in text
    assert "'200':" in text and "&id" not in text and "*id" not in text  # no YAML aliases
    assert "long:\n- xxx" in text  # too long for one line
    assert yaml.safe_load(text) == data

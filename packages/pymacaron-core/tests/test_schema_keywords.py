"""Targeted tests of the compiled validators, keyword by keyword, in every dialect.

Each JSON Schema case is checked against jsonschema (Draft 4 or 2020-12) on the same values, and the
problems we report are checked for their location and wording. The OpenAPI-only semantics
(discriminator, readOnly/writeOnly by direction, nullable) are checked against what the OpenAPI
specifications say.
"""

import linecache

import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry

DEFS = {
    "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"},
                                                                  "tag": {"$ref": "#/definitions/Tag"}}},
    "Tag": {"$ref": "#/definitions/TagName"},
    "TagName": {"$ref": "#/definitions/NonEmpty"},
    "NonEmpty": {"type": "string", "minLength": 1},
    "Node": {"type": "object", "required": ["value"],
             "properties": {"value": {"type": "integer"},
                            "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}},
             "additionalProperties": False},
}

CASES = [
    # (name, schema, values)
    ("allOf", {"allOf": [{"$ref": "#/definitions/Pet"}, {"required": ["tag"]}]},
     [{"name": "a", "tag": "t"}, {"name": "a"}, {"name": 1, "tag": ""}]),
    ("anyOf", {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 10}]},
     ["ab", "abc", 10, 9, None]),
    ("oneOf", {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
     [1, 7, 5.5, 2.5, "x"]),
    ("not", {"not": {"type": "string", "pattern": "^x"}}, ["xa", "ax", 3]),
    ("patternProperties", {"type": "object", "patternProperties": {"^x-": {"type": "integer"}},
                           "additionalProperties": False},
     [{"x-a": 1}, {"x-a": "1"}, {"y": 1}, {}]),
    ("$ref chain", {"type": "array", "items": {"$ref": "#/definitions/Tag"}}, [["a", "b"], ["a", ""], [1]]),
    ("recursive model", {"$ref": "#/definitions/Node"},
     [{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]},
      {"value": 1, "children": [{"value": 2, "children": [{"value": "3"}]}]},
      {"value": 1, "children": [{"children": []}]}, {"value": 1, "extra": True}]),
]

DRAFT4_ONLY = [
    ("additionalItems", {"type": "array", "items": [{"type": "integer"}, {"type": "string"}],
                         "additionalItems": False},
     [[1, "a"], [1], [1, "a", 2], ["a"]]),
    ("additionalItems schema", {"type": "array", "items": [{"type": "integer"}], "additionalItems": {"type": "string"}},
     [[1, "a", "b"], [1, "a", 2]]),
]

MODERN_ONLY = [
    ("prefixItems", {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
     [[1, "a"], [1], [1, "a", 2], ["a"]]),
    ("unevaluatedProperties through allOf and if", {
        "allOf": [{"properties": {"a": {}}}],
        "if": {"properties": {"kind": {"const": "b"}}, "required": ["kind"]},
        "then": {"properties": {"kind": {}, "b": {}}}, "else": {"properties": {"kind": {}}},
        "unevaluatedProperties": False},
     [{"a": 1}, {"kind": "b", "b": 1}, {"kind": "c", "b": 1}, {"a": 1, "z": 1}]),
    ("unevaluatedItems through contains", {"prefixItems": [{"type": "integer"}], "contains": {"type": "string"},
                                           "unevaluatedItems": False},
     [[1, "a", "b"], [1, "a", 2.5], [1]]),
    ("dependentSchemas", {"dependentSchemas": {"card": {"required": ["billing"]}},
                          "dependentRequired": {"billing": ["name"]}},
     [{"card": 1, "billing": 2, "name": 3}, {"card": 1}, {"billing": 2}, {}]),
    ("type arrays and const", {"type": ["integer", "null"], "const": None}, [None, 0, "x"]),
    ("$anchor and $id-relative refs", {
        "$id": "https://example.com/root.json",
        "$defs": {"pet": {"$id": "pet.json", "type": "object", "required": ["id"],
                          "properties": {"id": {"$ref": "#id"}},
                          "$defs": {"id": {"$anchor": "id", "type": "integer"}}}},
        "type": "array", "items": {"$ref": "pet.json"}},
     [[{"id": 1}], [{"id": "1"}], [{}]]),
    ("$dynamicRef", {
        "$id": "https://example.com/root", "$ref": "strict-tree",
        "$defs": {
            "tree": {"$id": "https://example.com/tree", "$dynamicAnchor": "node", "type": "object",
                     "properties": {"data": True, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}},
            "strict": {"$id": "https://example.com/strict-tree", "$dynamicAnchor": "node",
                       "$ref": "tree", "unevaluatedProperties": False}}},
     [{"children": [{"data": 1}]}, {"children": [{"daat": 1}]}, {"children": [{"children": [{"x": 1}]}]}]),
]


def _compare(dialect, reference_cls, schema, values):
    root = dict(schema, definitions=DEFS)
    reference = reference_cls(root, format_checker=FormatChecker())
    compiler = SchemaCompiler(DEFS, FormatRegistry(), dialect=dialect, root=root if "$id" in schema else None)
    ours = compiler.compile(schema)
    verdicts = []
    for value in values:
        expected = reference.is_valid(value)
        assert ours.is_valid(value) == expected, (dialect, schema, value, ours(value))
        verdicts.append(expected)
    assert True in verdicts and False in verdicts, "each case must show both verdicts"


@pytest.mark.parametrize("dialect", ["swagger2", "oas30", "oas31"])
@pytest.mark.parametrize("name,schema,values", CASES, ids=[c[0] for c in CASES])
def test_keyword_matches_jsonschema(dialect, name, schema, values):
    _compare(dialect, Draft202012Validator if dialect == "oas31" else Draft4Validator, schema, values)


@pytest.mark.parametrize("name,schema,values", DRAFT4_ONLY, ids=[c[0] for c in DRAFT4_ONLY])
def test_draft4_keyword_matches_jsonschema(name, schema, values):
    _compare("swagger2", Draft4Validator, schema, values)


@pytest.mark.parametrize("name,schema,values", MODERN_ONLY, ids=[c[0] for c in MODERN_ONLY])
def test_2020_12_keyword_matches_jsonschema(name, schema, values):
    _compare("oas31", Draft202012Validator, schema, values)


def test_problems_are_located_with_jsonschema_wording():
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}}
    ours = SchemaCompiler(DEFS, FormatRegistry(), dialect="oas31").compile(schema)
    value = {"items": [{"name": "a"}] * 3 + [{"name": 5, "tag": ""}]}
    problems = [(p.location, p.rule, p.message) for p in ours(value, ("body",))]
    assert problems == [
        ("body.items[3].name", "type", "5 is not of type 'string'"),
        ("body.items[3].tag", "minLength", "'' is too short (minLength 1)"),
    ]


def test_generated_code_is_readable_in_tracebacks():
    compiler = SchemaCompiler(DEFS, FormatRegistry(), label="shop", dialect="oas30")
    validator = compiler.definition_validator("Pet")
    code = validator._func.__code__
    lines = linecache.getlines(code.co_filename)
    assert code.co_filename == "<pymacaron-validator shop:definitions/Pet>"
    assert any("'name' is a required property" in line for line in lines)


# -- OpenAPI: nullable, discriminator, readOnly / writeOnly -----------------------

def test_oas30_nullable_admits_null_at_the_type_check_only():
    compiler = SchemaCompiler({}, FormatRegistry(), dialect="oas30")
    assert compiler.compile({"type": "string", "nullable": True, "minLength": 2}).is_valid(None)
    # OpenAPI 3.0.3: "other constraints retain their behaviour": an enum without null refuses it
    assert not compiler.compile({"type": "string", "nullable": True, "enum": ["a"]}).is_valid(None)
    assert not compiler.compile({"type": "string"}).is_valid(None)
    # x-nullable (a PyMacaron extension) keeps its Swagger 2.0 meaning in every dialect: null skips all checks
    for dialect in ("swagger2", "oas30", "oas31"):
        c = SchemaCompiler({}, FormatRegistry(), dialect=dialect)
        assert c.compile({"type": "string", "enum": ["a"], "x-nullable": True}).is_valid(None)


PETS = {
    "Pet": {"type": "object", "required": ["petType"], "properties": {"petType": {"type": "string"}},
            "discriminator": {"propertyName": "petType", "mapping": {"dog": "#/components/schemas/Dog"}}},
    "Cat": {"allOf": [{"$ref": "#/definitions/Pet"},
                      {"type": "object", "properties": {"lives": {"type": "integer", "maximum": 9}}}]},
    "Dog": {"allOf": [{"$ref": "#/definitions/Pet"},
                      {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "boolean"}}}]},
    "Any": {"oneOf": [{"$ref": "#/definitions/Cat"}, {"$ref": "#/definitions/Dog"}],
            "discriminator": {"propertyName": "petType", "mapping": {"dog": "#/definitions/Dog"}}},
}


@pytest.mark.parametrize("dialect", ["oas30", "oas31"])
def test_discriminator_selects_the_schema(dialect):
    compiler = SchemaCompiler(PETS, FormatRegistry(), dialect=dialect)
    for name in ("Pet", "Any"):  # inheritance through allOf, and oneOf + mapping
        v = compiler.definition_validator(name)
        assert v.is_valid({"petType": "Cat", "lives": 3})
        assert v.is_valid({"petType": "dog", "bark": True})
        assert [(p.location, p.rule) for p in v({"petType": "Cat", "lives": 12})] == [("lives", "maximum")]
        assert [(p.location, p.rule) for p in v({"petType": "dog"})] == [("bark", "required")]
        assert [(p.location, p.rule) for p in v({"lives": 1})] == [("petType", "required")]
        [problem] = v({"petType": "Lizard"})
        assert (problem.location, problem.rule) == ("petType", "discriminator")
        assert "'Lizard' is not one of" in problem.message and "'Cat'" in problem.message
    # a Cat validated as a Cat does not dispatch again (no infinite recursion through allOf -> Pet)
    assert compiler.definition_validator("Cat").is_valid({"petType": "Cat", "lives": 1})
    # the oneOf branches are also checked as oneOf when the value is no object
    assert [p.rule for p in compiler.definition_validator("Any")("cat")] == ["oneOf"]


def test_swagger2_discriminator_keeps_bravado_semantics():
    defs = {
        "Pet": {"type": "object", "discriminator": "petType", "x-model": "Pet", "required": ["petType"],
                "properties": {"petType": {"type": "string"}}},
        "Cat": {"allOf": [{"$ref": "#/definitions/Pet"}, {"properties": {"lives": {"type": "integer"}}}]},
    }
    v = SchemaCompiler(defs, FormatRegistry()).definition_validator("Pet")
    assert v.is_valid({"petType": "Cat", "lives": 1})
    assert [p.rule for p in v({"petType": "Cat", "lives": "x"})] == ["type"]
    assert [p.message for p in v({"petType": "Dog"})] == ["'Dog' is not a recognized schema"]


RW = {"User": {"type": "object", "required": ["id", "name", "password"],
               "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"},
                              "password": {"$ref": "#/definitions/Secret"}}},
      "Secret": {"type": "string", "writeOnly": True}}


@pytest.mark.parametrize("dialect", ["oas30", "oas31"])
def test_read_only_and_write_only_by_direction(dialect):
    compiler = SchemaCompiler(RW, FormatRegistry(), dialect=dialect)
    request = compiler.compile({"$ref": "#/definitions/User"}, direction="request")
    response = compiler.compile({"$ref": "#/definitions/User"}, direction="response")
    neither = compiler.compile({"$ref": "#/definitions/User"})
    assert request.is_valid({"name": "a", "password": "p"})  # id is not demanded in a request
    assert [(p.location, p.rule, p.message) for p in request({"id": 1, "name": "a", "password": "p"}, ("body",))] \
        == [("body.id", "readOnly", "1 is read-only: it must not be sent in a request")]
    assert response.is_valid({"id": 1, "name": "a"})  # password (writeOnly through $ref) is not demanded
    assert [(p.location, p.rule) for p in response({"id": 1, "name": "a", "password": "p"})] \
        == [("password", "writeOnly")]
    assert neither.is_valid({"id": 1, "name": "a", "password": "p"})
    assert [p.location for p in neither({"name": "a"})] == ["id", "password"]
    with pytest.raises(ValueError, match="direction"):
        compiler.compile({}, direction="sideways")


def test_swagger2_ignores_direction():
    compiler = SchemaCompiler(RW, FormatRegistry())
    assert [p.location for p in compiler.compile({"$ref": "#/definitions/User"}, direction="request")({})] \
        == ["id", "name", "password"]


def test_other_local_pointers_resolve():
    root = {"definitions": DEFS, "paths": {"/x": {"schema": {"type": "integer", "maximum": 3}}}}
    compiler = SchemaCompiler(DEFS, FormatRegistry(), dialect="oas30", root=root)
    v = compiler.compile({"properties": {"a": {"$ref": "#/definitions/Pet/properties/tag"},
                                         "b": {"$ref": "#/paths/~1x/schema"}}})
    assert v.is_valid({"a": "t", "b": 2})
    assert [p.location for p in v({"a": "", "b": 4})] == ["a", "b"]
    with pytest.raises(ValueError, match="unresolved"):
        compiler.compile({"$ref": "#/definitions/Nope"})


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf"])
def test_a_choice_of_titled_constants_is_refused_with_the_values_allowed(keyword):
    """``oneOf: [{title, const}, ...]`` (an enum with a name per value, as Discord's API writes them): the
    same verdict as jsonschema's, and a refusal that lists the values and their titles."""
    schema = {"type": ["integer", "null", "string"], keyword: [
        {"title": "PUBLIC", "const": 1}, {"title": "GUILD_ONLY", "const": 2, "description": "members"},
        {"const": None}, {"const": "x", "x-note": "an extension is an annotation too"}]}
    ours = SchemaCompiler({}, FormatRegistry(), dialect="oas31").compile(schema)
    reference = Draft202012Validator(schema)
    for value in [1, 2, 1.0, None, "x", 3, 0, True, "1", [], {}, 2.5]:
        assert (ours(value) == []) == reference.is_valid(value), value
    assert [(p.rule, p.message) for p in ours(3)] == [(keyword, "3 is not one of: 1 (PUBLIC), 2 (GUILD_ONLY), None, 'x'")]


def test_a_choice_of_constants_that_are_not_distinct_keeps_the_oneof_verdict():
    schema = {"oneOf": [{"const": 1}, {"const": 1.0}, {"const": 2}]}
    ours = SchemaCompiler({}, FormatRegistry(), dialect="oas31").compile(schema)
    reference = Draft202012Validator(schema)
    for value in [1, 2, 3]:
        assert (ours(value) == []) == reference.is_valid(value), value
    assert "several" in ours(1)[0].message

"""Our compiled validators and model marshalling do what bravado-core does (Swagger 2.0).

Random Swagger schemas (types, formats, bounds, enums, arrays, objects,
required, additionalProperties, x-nullable, $ref to named, chained and
recursive definitions) and random values, some built to fit the schema,
some not: for each, our verdict must equal bravado-core's ``validate_object``
verdict. Marshalling of models (nested models through $ref, arrays of them,
a $ref to a date, dates and date-times, x-nullable) is compared with
bravado's ``marshal_model`` on random values the same way.
"""

import datetime
import os
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from bravado_core.marshal import marshal_model
    from bravado_core.spec import Spec
    from bravado_core.validate import validate_object

from jsonschema.exceptions import ValidationError as JsonSchemaError

from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry

json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | \
    st.floats(-1e6, 1e6, allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.sampled_from(["a", "b", "c", "x"]), c, max_size=4), max_leaves=12)

STRINGS = ["", "a", "abc", "a@b.c", "nope", "2020-01-02", "2020-01-02T03:04:05Z", "2020-13-02", "#fff", "x" * 12]


@st.composite
def string_schema(draw):
    s = {"type": "string"}
    if draw(st.booleans()):
        s["minLength"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        s["maxLength"] = draw(st.integers(0, 10))
    if draw(st.integers(0, 4)) == 0:
        s["pattern"] = draw(st.sampled_from(["^a", "c$", "[0-9]", "^#"]))
    if draw(st.integers(0, 3)) == 0:
        s["format"] = draw(st.sampled_from(["email", "date", "date-time", "byte", "uuid"]))
    if draw(st.integers(0, 4)) == 0:
        s["enum"] = draw(st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3, unique=True))
    return s


@st.composite
def number_schema(draw):
    s = {"type": draw(st.sampled_from(["integer", "number"]))}
    if draw(st.booleans()):
        s["minimum"] = draw(st.integers(-10, 10))
        if draw(st.booleans()):
            s["exclusiveMinimum"] = True
    if draw(st.booleans()):
        s["maximum"] = draw(st.integers(-10, 20))
        if draw(st.booleans()):
            s["exclusiveMaximum"] = True
    if draw(st.integers(0, 3)) == 0:
        s["multipleOf"] = draw(st.sampled_from([2, 3, 0.5, 0.1]))
    if draw(st.integers(0, 5)) == 0:
        s["enum"] = draw(st.lists(st.integers(-3, 3), min_size=1, max_size=3, unique=True))
    return s


REF_DEFS = {
    "Ref": {"type": "object", "properties": {"n": {"type": "integer"}}},
    "Chain": {"$ref": "#/definitions/Ref"},
    "Name": {"type": "string", "minLength": 1},
    "Tree": {"type": "object", "required": ["v"], "properties": {
        "v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/definitions/Tree"}}}},
}


def leaf_schema():
    refs = st.sampled_from([{"$ref": f"#/definitions/{n}"} for n in REF_DEFS])
    return string_schema() | number_schema() | st.just({"type": "boolean"}) | st.just({}) | refs


def extend(children):
    props = st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)

    @st.composite
    def obj(draw):
        p = draw(props)
        s = {"type": "object", "properties": p}
        if p and draw(st.booleans()):
            s["required"] = draw(st.lists(st.sampled_from(sorted(p) + ["z"]), min_size=1, max_size=2,
                                          unique=True))
        choice = draw(st.integers(0, 3))
        if choice == 0:
            s["additionalProperties"] = False
        elif choice == 1:
            s["additionalProperties"] = draw(children)
        return s

    @st.composite
    def arr(draw):
        s = {"type": "array", "items": draw(children)}
        if draw(st.booleans()):
            s["minItems"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            s["maxItems"] = draw(st.integers(0, 4))
        if draw(st.integers(0, 3)) == 0:
            s["uniqueItems"] = True
        return s

    @st.composite
    def nullable(draw):
        s = dict(draw(children))
        if "$ref" not in s:  # x-nullable next to a $ref: we admit null, bravado-core does not (kept from v3.0)
            s["x-nullable"] = True
        return s

    return obj() | arr() | nullable()


schemas = st.recursive(leaf_schema(), extend, max_leaves=6)


def values_for(schema, depth=0):
    """Values shaped like the schema (often valid), mixed with arbitrary JSON."""
    t = schema.get("type")
    if "$ref" in schema and depth < 3:
        base = values_for(REF_DEFS[schema["$ref"].rsplit("/", 1)[1]], depth + 1)
    elif "enum" in schema:
        base = st.sampled_from(schema["enum"])
    elif t == "string":
        base = st.sampled_from(STRINGS) | st.text(max_size=6)
    elif t == "integer":
        base = st.integers(-12, 22)
    elif t == "number":
        base = st.integers(-12, 22) | st.floats(-12, 22, allow_nan=False) | st.sampled_from([0.5, 1.5, 0.3])
    elif t == "boolean":
        base = st.booleans()
    elif t == "array":
        base = st.lists(values_for(schema["items"], depth + 1), max_size=5)
    elif t == "object":
        props = schema.get("properties") or {}
        base = st.fixed_dictionaries({}, optional={k: values_for(v, depth + 1) for k, v in props.items()})
        base = base | st.builds(lambda d, extra: {**d, **extra}, base,
                                st.dictionaries(st.sampled_from(["x", "z"]), json_scalars, max_size=1))
    else:
        base = json_values
    if schema.get("x-nullable"):
        base = base | st.none()
    return st.one_of(base, base, base, json_values)


def build_bravado_spec(spec):
    """A bravado-core Spec, built while jsonschema knows only the json-schema.org meta-schemas.

    bravado-core walks every document of its resolver's store, which starts with every meta-schema
    registered in jsonschema; openapi-schema-validator (imported by other test modules of the same
    run) registers OpenAPI 3.1 dialects whose $refs are URLs, and bravado would fetch them.
    """
    import jsonschema.validators as registry

    saved = dict(registry._META_SCHEMAS)
    for uri in list(registry._META_SCHEMAS):
        if "json-schema.org" not in uri:
            del registry._META_SCHEMAS[uri]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Spec.from_dict(spec, config={"use_models": False, "validate_swagger_spec": False})
    finally:
        registry._META_SCHEMAS.update(saved)


_SPECS = {}


def bravado_spec(schema=None):
    if "refs" not in _SPECS:
        _SPECS["refs"] = build_bravado_spec({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
                                             "definitions": REF_DEFS})
    return _SPECS["refs"]


def bravado_accepts(spec, schema, value):
    try:
        validate_object(spec, schema, value)
        return True
    except JsonSchemaError:
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_same_verdict_as_bravado(data):
    schema = data.draw(schemas)
    values = data.draw(st.lists(values_for(schema), min_size=1, max_size=8))
    spec = bravado_spec(schema)
    ours = SchemaCompiler(spec.spec_dict["definitions"], FormatRegistry()).compile(schema)
    for value in values:
        expected = bravado_accepts(spec, schema, value)
        problems = ours(value)
        assert (not problems) == expected, (schema, value, problems)


def test_ref_and_nullable_ref_match_bravado():
    schema = {"type": "object", "properties": {"r": {"$ref": "#/definitions/Ref"}}}
    spec = bravado_spec(schema)
    ours = SchemaCompiler(spec.spec_dict["definitions"], FormatRegistry()).compile(schema)
    for value in [{"r": {"n": 1}}, {"r": {"n": "x"}}, {"r": []}, {"r": None}, {}]:
        assert (not ours(value)) == bravado_accepts(spec, schema, value), value


@pytest.mark.parametrize("value,expected", [
    ({"pets": [{"name": "a"}]}, True),
    ({"pets": [{"name": 1}]}, False),
    ({"pets": [{}]}, False),
])
def test_nested_array_of_refs(value, expected):
    defs = {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}
    schema = {"type": "object", "properties": {"pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}}
    ours = SchemaCompiler(defs, FormatRegistry()).compile(schema)
    assert (not ours(value)) == expected


# -- marshalling ----------------------------------------------------------------

MODELS_SPEC = {"swagger": "2.0", "info": {"title": "marshal", "version": "1"}, "paths": {}, "definitions": {
    "Foo": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"},
        "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "bar": {"$ref": "#/definitions/Bar"},
        "bars": {"type": "array", "items": {"$ref": "#/definitions/Bar"}},
        "maybe": {"type": "string", "x-nullable": True},
        "n": {"type": "integer"},
        "meta": {"type": "object"}}},
    "Bar": {"type": "object", "properties": {"d": {"type": "string", "format": "date"},
                                             "alias": {"$ref": "#/definitions/Day"},
                                             "next": {"$ref": "#/definitions/Bar"}}},
    "Day": {"type": "string", "format": "date"},
}}

dates = st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1))
# aware date-times only: a naive one is written as UTC by us, without offset by bravado (documented)
datetimes = st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2100, 1, 1),
                         timezones=st.just(datetime.timezone.utc) | st.just(datetime.timezone(datetime.timedelta(hours=2))))
bars = st.recursive(st.fixed_dictionaries({}, optional={"d": dates, "alias": dates}),
                    lambda inner: st.fixed_dictionaries({}, optional={"d": dates, "next": inner}), max_leaves=3)
# "maybe" is always given: an unset x-nullable property is written as null by us (our models do not tell
# unset from None: README, "x-nullable"), and omitted by bravado
foos = st.fixed_dictionaries({"name": st.text(max_size=5), "maybe": st.none() | st.text(max_size=3)}, optional={
    "when": datetimes, "day": dates, "bar": bars, "bars": st.lists(bars, max_size=3), "n": st.integers(), "meta": st.dictionaries(st.text(max_size=3), json_scalars, max_size=2)})


@pytest.fixture(scope="module")
def marshal_api(tmp_path_factory):
    import yaml

    from pymacaron_core import ApiPool

    path = os.path.join(tmp_path_factory.mktemp("marshal"), "marshal.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(MODELS_SPEC, f)
    ApiPool.add("marshal", yaml_path=path)
    api = ApiPool.marshal
    return api, build_bravado_spec(MODELS_SPEC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(value=foos, nested_models=st.booleans())
def test_marshalling_matches_bravado(marshal_api, value, nested_models):
    """Our generated ``marshal`` writes what bravado-core's ``marshal_model`` writes for the same model."""
    api, spec = marshal_api
    expected = marshal_model(spec, MODELS_SPEC["definitions"]["Foo"], value)
    kwargs = dict(value)
    if nested_models and "bar" in kwargs:  # a nested model given as a model instance, not a dict
        kwargs["bar"] = api.model.Bar(**{k: v for k, v in kwargs["bar"].items() if k != "next"})
        expected["bar"] = marshal_model(spec, MODELS_SPEC["definitions"]["Bar"],
                                        {k: v for k, v in value["bar"].items() if k != "next"})
    assert api.model.Foo(**kwargs).to_json() == expected

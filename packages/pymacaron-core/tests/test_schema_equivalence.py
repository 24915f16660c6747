"""Our compiled validators give the reference validators' verdict, dialect by dialect.

Random schemas (hypothesis) over the keywords of each dialect - types, bounds, formats, enums,
objects, arrays, ``allOf``/``anyOf``/``oneOf``/``not``, ``$ref`` chains and a recursive
definition - and random values: valid ones from hypothesis-jsonschema, near misses built from the
schema, arbitrary JSON. For each value our verdict must equal the reference's:

- ``draft4`` and ``swagger2`` (without ``x-nullable``): ``jsonschema.Draft4Validator``;
- ``oas30``: openapi-schema-validator's ``OAS30Validator``, and ``OAS30WriteValidator`` /
  ``OAS30ReadValidator`` for the directions request / response (``readOnly`` / ``writeOnly``);
- ``oas31`` and ``draft2020-12``: ``jsonschema.Draft202012Validator`` (type arrays, ``const``,
  ``prefixItems``, ``contains``, ``unevaluated*``, ``dependent*``, ``if``/``then``/``else``,
  boolean schemas, anchors); with a direction, ``OAS31Validator`` given openapi-schema-validator's
  read/write keywords, as it builds its 3.0 read/write validators.

Formats: we assert ``format`` in every dialect (2020-12 makes it an annotation by default), so the
references get a ``FormatChecker`` and only formats that both sides check alike are generated.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, OAS30WriteValidator, OAS31Validator
from openapi_schema_validator import _keywords as oas_keywords

from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry

MODERN = ("oas31", "draft2020-12")
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])

# Named schemas every generated schema may refer to: a $ref chain, a recursive model, an anchor.
DEFS = {
    "Leaf": {"type": "string", "minLength": 1},
    "Chain1": {"$ref": "#/definitions/Chain2"},
    "Chain2": {"$ref": "#/definitions/Leaf"},
    "Tree": {"type": "object", "required": ["v"],
             "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/definitions/Tree"}}}},
    "Pair": {"type": "object", "additionalProperties": False,
             "properties": {"a": {"$ref": "#/definitions/Chain1"}, "b": {"type": "number", "minimum": 0}}},
}
DEFS_MODERN = dict(DEFS, Anchored={"$anchor": "small", "type": "integer", "maximum": 5})

OAS31ReadValidator = extend(OAS31Validator, {"required": oas_keywords.read_required,
                                             "writeOnly": oas_keywords.read_writeOnly})
OAS31WriteValidator = extend(OAS31Validator, {"required": oas_keywords.write_required,
                                              "readOnly": oas_keywords.write_readOnly})

REFERENCES = {
    ("draft4", None): Draft4Validator,
    ("swagger2", None): Draft4Validator,
    ("oas30", None): OAS30Validator,
    ("oas30", "request"): OAS30WriteValidator,
    ("oas30", "response"): OAS30ReadValidator,
    ("oas31", None): Draft202012Validator,
    ("oas31", "request"): OAS31WriteValidator,
    ("oas31", "response"): OAS31ReadValidator,
    ("draft2020-12", None): Draft202012Validator,
}

STRINGS = ["", "a", "abc", "a@b.c", "nope", "2020-01-02", "2020-01-02T03:04:05Z", "2020-13-02", "x" * 12,
           "127.0.0.1", "1.2.3", "12345678-1234-1234-1234-123456789abc", "xa", "ba"]
FORMATS = {"draft4": ["email", "date", "date-time", "uuid", "ipv4", "byte"],
           "swagger2": ["email", "date", "date-time", "uuid", "ipv4", "byte"],
           "oas30": ["email", "date", "date-time", "uuid", "ipv4"],
           "oas31": ["email", "date", "date-time", "uuid", "ipv4", "byte"],
           "draft2020-12": ["email", "date", "date-time", "uuid", "ipv4"]}

json_scalars = st.none() | st.booleans() | st.integers(-20, 30) | \
    st.floats(-1e3, 1e3, allow_nan=False) | st.sampled_from(STRINGS) | st.text(max_size=4)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.sampled_from(["a", "b", "c", "x1", "z"]), c, max_size=4), max_leaves=10)


# -- schemas ------------------------------------------------------------------

def string_schema(d):
    @st.composite
    def build(draw):
        s = {"type": "string"}
        if draw(st.booleans()):
            s["minLength"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            s["maxLength"] = draw(st.integers(0, 10))
        if draw(st.integers(0, 3)) == 0:
            s["pattern"] = draw(st.sampled_from(["^a", "c$", "[0-9]", "^x"]))
        if draw(st.integers(0, 2)) == 0:
            s["format"] = draw(st.sampled_from(FORMATS[d]))
        if draw(st.integers(0, 4)) == 0:
            s["enum"] = draw(st.lists(st.sampled_from(STRINGS), min_size=1, max_size=3, unique=True))
        return s
    return build()


def number_schema(d):
    modern = d in MODERN

    @st.composite
    def build(draw):
        s = {"type": draw(st.sampled_from(["integer", "number"]))}
        if draw(st.booleans()):
            s["minimum"] = draw(st.integers(-10, 10))
            if not modern and draw(st.booleans()):
                s["exclusiveMinimum"] = True
        if draw(st.booleans()):
            s["maximum"] = draw(st.integers(-10, 20))
            if not modern and draw(st.booleans()):
                s["exclusiveMaximum"] = True
        if modern and draw(st.integers(0, 2)) == 0:
            s[draw(st.sampled_from(["exclusiveMinimum", "exclusiveMaximum"]))] = draw(st.integers(-5, 10))
        if draw(st.integers(0, 3)) == 0:
            s["multipleOf"] = draw(st.sampled_from([2, 3, 0.5, 0.1]))
        if draw(st.integers(0, 5)) == 0:
            s["enum"] = draw(st.lists(st.integers(-3, 3) | st.sampled_from([1.0, 2.5, True]),
                                      min_size=1, max_size=3, unique=True))
        return s
    return build()


def leaf_schema(d, anchors):
    refs = [{"$ref": f"#/definitions/{n}"} for n in DEFS]
    options = [string_schema(d), number_schema(d), st.just({"type": "boolean"}), st.just({}),
               st.sampled_from(refs)]
    if d in MODERN:
        options += [
            st.just({"type": "null"}),
            st.just({"$ref": "#small" if anchors else "#/definitions/Leaf"}),
            st.sampled_from([{"const": c} for c in (1, "a", None, [1], {"a": 1}, True)]),
            st.booleans(),
            st.lists(st.sampled_from(["string", "integer", "null", "array", "object", "boolean"]),
                     min_size=1, max_size=3, unique=True).map(lambda t: {"type": t}),
        ]
    return st.one_of(options)


def extend_schema(d, rw):
    modern = d in MODERN
    draft4_arrays = d in ("draft4", "swagger2")

    def build(children):
        props = st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)

        @st.composite
        def obj(draw):
            p = draw(props)
            if rw:
                p = {k: dict(v, **{draw(st.sampled_from(["readOnly", "writeOnly"])): True})
                     if isinstance(v, dict) and draw(st.integers(0, 2)) == 0 else v for k, v in p.items()}
            s = {"type": "object", "properties": p} if draw(st.integers(0, 4)) else {"properties": p}
            if draw(st.booleans()):
                s["required"] = draw(st.lists(st.sampled_from(sorted(p) + ["z"]), min_size=1, max_size=2,
                                              unique=True))
            choice = draw(st.integers(0, 4))
            if choice == 0:
                s["additionalProperties"] = False
            elif choice == 1:
                s["additionalProperties"] = draw(children)
            if d != "oas30" and draw(st.integers(0, 3)) == 0:  # not an OpenAPI 3.0 keyword
                s["patternProperties"] = {"^x": draw(children)}
            if draw(st.integers(0, 5)) == 0:
                s[draw(st.sampled_from(["minProperties", "maxProperties"]))] = draw(st.integers(0, 2))
            if modern:
                extra = draw(st.integers(0, 7))
                if extra == 0:
                    s["propertyNames"] = draw(st.sampled_from([{"maxLength": 1}, {"pattern": "^[a-c]"}]))
                elif extra == 1:
                    s["dependentRequired"] = {"a": ["b"]}
                elif extra == 2:
                    s["dependentSchemas"] = {"a": draw(children)}
                elif extra in (3, 4):
                    s["unevaluatedProperties"] = draw(st.just(False) | children)
            return s

        @st.composite
        def arr(draw):
            s = {"type": "array"} if draw(st.integers(0, 4)) else {}
            shape = draw(st.integers(0, 3))
            if shape == 0 and draft4_arrays:
                s["items"] = draw(st.lists(children, min_size=1, max_size=2))
                if draw(st.booleans()):
                    s["additionalItems"] = draw(st.just(False) | children)
            elif shape == 0 and modern:
                s["prefixItems"] = draw(st.lists(children, min_size=1, max_size=2))
                choice = draw(st.integers(0, 2))
                if choice == 0:
                    s["items"] = False
                elif choice == 1:
                    s["items"] = draw(children)
            else:
                s["items"] = draw(children)
            if draw(st.booleans()):
                s["minItems"] = draw(st.integers(0, 2))
            if draw(st.booleans()):
                s["maxItems"] = draw(st.integers(0, 4))
            if draw(st.integers(0, 3)) == 0:
                s["uniqueItems"] = True
            if modern:
                extra = draw(st.integers(0, 5))
                if extra == 0:
                    s["contains"] = draw(children)
                    if draw(st.booleans()):
                        s["minContains"] = draw(st.integers(0, 2))
                    if draw(st.booleans()):
                        s["maxContains"] = draw(st.integers(1, 3))
                elif extra == 1:
                    s["unevaluatedItems"] = draw(st.just(False) | children)
            return s

        @st.composite
        def combined(draw):
            keyword = draw(st.sampled_from(["allOf", "anyOf", "oneOf", "not"] + (["if"] if modern else [])))
            if keyword == "not":
                return {"not": draw(children)}
            if keyword == "if":
                s = {"if": draw(children), "then": draw(children)}
                if draw(st.booleans()):
                    s["else"] = draw(children)
                return s
            s = {keyword: draw(st.lists(children, min_size=1, max_size=3))}
            if modern and draw(st.integers(0, 3)) == 0:
                s["unevaluatedProperties"] = False
            return s

        @st.composite
        def decorated(draw):
            s = draw(children)
            if not isinstance(s, dict):
                return s
            if d == "oas30" and "type" in s and not isinstance(s["type"], list):
                return dict(s, nullable=True)
            if modern and "$ref" not in s:
                ref = draw(st.sampled_from([f"#/definitions/{n}" for n in DEFS] + (["#small"] if not rw else [])))
                return dict(s, **{"$ref": ref})
            return s

        return obj() | arr() | combined() | decorated()
    return build


def schemas(d, rw=False):
    # (openapi-schema-validator's OAS 3.1 validators, extended for read/write, find no $anchor: none then)
    return st.recursive(leaf_schema(d, anchors=not rw), extend_schema(d, rw), max_leaves=6)


# -- values -------------------------------------------------------------------

def _types(schema):
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return t
    guessed = []
    if any(k in schema for k in ("properties", "required", "additionalProperties", "unevaluatedProperties")):
        guessed.append("object")
    if any(k in schema for k in ("items", "prefixItems", "contains", "minItems")):
        guessed.append("array")
    return guessed


def values_for(schema, defs, depth=0):
    """Values shaped like ``schema`` (often valid, often near misses), mixed with arbitrary JSON."""
    if depth > 3 or not isinstance(schema, dict):
        return json_values
    options = []
    if isinstance(schema.get("enum"), list):
        options.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        options.append(st.just(schema["const"]))
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs["Anchored"] if ref == "#small" else defs[ref.rsplit("/", 1)[1]]
        options.append(values_for(target, defs, depth + 1))
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword) or ():
            options.append(values_for(sub, defs, depth + 1))
    for keyword in ("not", "if", "then", "else"):
        if keyword in schema:
            options.append(values_for(schema[keyword], defs, depth + 1))
    for t in _types(schema):
        if t == "string":
            n = schema.get("minLength", 0)
            options.append(st.sampled_from(STRINGS + ["a" * n, "a" * max(n - 1, 0), "x1"]) | st.text(max_size=6))
        elif t in ("integer", "number"):
            edges = [schema[k] + delta for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
                     if isinstance(schema.get(k), (int, float)) and not isinstance(schema.get(k), bool)
                     for delta in (-1, 0, 1)]
            options.append(st.integers(-12, 22) | st.sampled_from(edges + [0.5, 1.0, 2.0, 0.3, -1.5]))
        elif t == "boolean":
            options.append(st.booleans())
        elif t == "null":
            options.append(st.none())
        elif t == "array":
            items = schema.get("items")
            item = values_for(items, defs, depth + 1) if isinstance(items, dict) else json_values
            prefix = schema.get("prefixItems") or (items if isinstance(items, list) else [])
            head = st.tuples(*[values_for(p, defs, depth + 1) for p in prefix]).map(list) if prefix else st.just([])
            options.append(st.builds(lambda h, t: h + t, head, st.lists(item, max_size=3)))
        elif t == "object":
            props = schema.get("properties") or {}
            base = st.fixed_dictionaries({}, optional={k: values_for(v, defs, depth + 1) for k, v in props.items()})
            extra = st.dictionaries(st.sampled_from(["x1", "z", "b"]), json_scalars, max_size=2)
            options.append(st.builds(lambda a, b: {**b, **a}, base, extra))
    options.append(json_values)
    return st.one_of(options)


def _root(schema, defs):
    root = {"allOf": [schema]} if isinstance(schema, bool) else dict(schema)
    root["definitions"] = defs
    if "Anchored" in defs:  # jsonschema finds anchors under $defs only ("definitions" is no 2020-12 keyword)
        root["$defs"] = {"Anchored": defs["Anchored"]}
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return root


def _reference(dialect, direction, root):
    cls = REFERENCES[(dialect, direction)]
    return cls(root, format_checker=FormatChecker())


VERDICTS = __import__("collections").defaultdict(list)


def check_same_verdicts(data, dialect, direction=None, rw=False):
    defs = DEFS_MODERN if dialect in MODERN else DEFS
    schema = data.draw(schemas(dialect, rw), label="schema")
    root = _root(schema, defs)
    reference = _reference(dialect, direction, root)
    values = data.draw(st.lists(values_for(schema, defs), min_size=1, max_size=6), label="values")
    ours = SchemaCompiler(defs, FormatRegistry(), dialect=dialect).compile(schema, direction=direction)
    verdicts = []
    for value in values:
        VERDICTS[dialect, direction].append(reference.is_valid(value))
        expected = reference.is_valid(value)
        problems = ours(value)
        assert (not problems) == expected, (schema, value, problems, [e.message for e in reference.iter_errors(value)])
        verdicts.append(expected)
    return verdicts


@SETTINGS
@given(st.data())
def test_draft4_same_verdict_as_jsonschema(data):
    check_same_verdicts(data, "draft4")


@SETTINGS
@given(st.data())
def test_swagger2_same_verdict_as_jsonschema_draft4(data):
    check_same_verdicts(data, "swagger2")


@SETTINGS
@given(st.data())
def test_oas30_same_verdict_as_openapi_schema_validator(data):
    check_same_verdicts(data, "oas30")


@SETTINGS
@given(st.data(), st.sampled_from(["request", "response"]))
def test_oas30_read_write_same_verdict_as_openapi_schema_validator(data, direction):
    check_same_verdicts(data, "oas30", direction, rw=True)


@SETTINGS
@given(st.data())
def test_oas31_same_verdict_as_jsonschema_2020_12(data):
    check_same_verdicts(data, "oas31")


@SETTINGS
@given(st.data())
def test_draft2020_12_same_verdict_as_jsonschema(data):
    check_same_verdicts(data, "draft2020-12")


@SETTINGS
@given(st.data(), st.sampled_from(["request", "response"]))
def test_oas31_read_write_same_verdict_as_openapi_schema_validator(data, direction):
    check_same_verdicts(data, "oas31", direction, rw=True)

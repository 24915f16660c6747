"""Our compiled validators against jsonschema-rs and fastjsonschema, on a small and a large body.

Why we keep our own engine although jsonschema-rs is faster per value: importing it costs tens of ms
and megabytes of RSS at start-up (issue 17's budget), and one engine keeps one set of semantics and
messages for every dialect. This suite keeps the gap measured: microseconds per validation of a
valid value (the common case), as ratios to ours (> 1: slower than ours).
"""

import statistics
import time

OWNER = {"type": "object", "required": ["name", "email"],
         "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100},
                        "email": {"type": "string"}, "phone": {"type": "string"}}}
ITEM = {  # 7 properties, a nested $ref, an enum, an array
    "type": "object",
    "required": ["id", "name", "price", "owner"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "price": {"type": "number", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 0},
        "status": {"type": "string", "enum": ["new", "used", "refurbished"]},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
        "owner": {"$ref": "#/definitions/Owner"},
    },
}
DEFINITIONS = {"Owner": OWNER, "Item": ITEM}
SMALL_SCHEMA = {"$ref": "#/definitions/Item"}
LARGE_SCHEMA = {"type": "array", "items": {"$ref": "#/definitions/Item"}}
SMALL = {"id": 7, "name": "Ergonomic chair", "price": 249.9, "quantity": 3, "status": "new",
         "tags": ["office", "chair"], "owner": {"name": "Ada Lovelace", "email": "ada@example.com"}}
LARGE = [dict(SMALL, id=i + 1) for i in range(2000)]


def contenders():
    """name -> {case: callable(value) -> bool}; ours first (the reference of the ratios)."""
    import fastjsonschema
    import jsonschema_rs

    from pymacaron_core.schema.compiler import SchemaCompiler
    from pymacaron_core.schema.formats import FormatRegistry

    out = {}
    for dialect in ("swagger2", "oas31"):
        compiler = SchemaCompiler(DEFINITIONS, FormatRegistry(), dialect=dialect)
        out[f"pymacaron ({dialect})"] = {"small": compiler.compile(SMALL_SCHEMA).is_valid,
                                         "large": compiler.compile(LARGE_SCHEMA).is_valid}
    rs4 = {case: jsonschema_rs.Draft4Validator(dict(s, definitions=DEFINITIONS)).is_valid
           for case, s in (("small", SMALL_SCHEMA), ("large", LARGE_SCHEMA))}
    rs2020 = {case: jsonschema_rs.Draft202012Validator(dict(s, definitions=DEFINITIONS)).is_valid
              for case, s in (("small", SMALL_SCHEMA), ("large", LARGE_SCHEMA))}
    out["jsonschema-rs (draft 4)"] = rs4
    out["jsonschema-rs (2020-12)"] = rs2020

    def fast(schema):
        validate = fastjsonschema.compile(dict(schema, definitions=DEFINITIONS, **{"$schema": "http://json-schema.org/draft-04/schema#"}))

        def is_valid(value):
            try:
                validate(value)
            except fastjsonschema.JsonSchemaException:
                return False
            return True
        return is_valid

    out["fastjsonschema (draft 4)"] = {"small": fast(SMALL_SCHEMA), "large": fast(LARGE_SCHEMA)}
    return out


def _time(func, value, seconds):
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(10):
            func(value)
        n += 10
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / n * 1e6


def measure(rounds=5, seconds=0.2):
    """-> {case: {name: median microseconds}}, contenders interleaved per round."""
    found = contenders()
    for name, cases in found.items():  # all accept the valid bodies (and refuse a broken one)
        for case, value in (("small", SMALL), ("large", LARGE)):
            assert cases[case](value), f"{name} refused the valid {case} body"
        assert not cases["small"](dict(SMALL, owner={"name": ""})), f"{name} accepted a broken body"
    results = {}
    for case, value in (("small", SMALL), ("large", LARGE)):
        samples = {name: [] for name in found}
        for _ in range(rounds):
            for name, cases in found.items():
                samples[name].append(_time(cases[case], value, seconds))
        results[case] = {name: statistics.median(v) for name, v in samples.items()}
    return results

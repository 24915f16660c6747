"""Schema Objects: Swagger 2.0 -> OpenAPI 3.0 (Draft 4 subset + ``nullable``) or 3.1 (JSON Schema 2020-12)."""

from __future__ import annotations

import copy

# keywords that describe a value without constraining it (kept outside a 3.1 nullable wrapper)
_ANNOTATIONS = frozenset({"title", "description", "default", "example", "examples", "readOnly", "writeOnly",
                          "xml", "externalDocs", "deprecated"})
# keywords that apply their subschemas to null too: next to them, nullable/a type list does not admit null
_APPLICATORS = ("$ref", "allOf", "anyOf", "oneOf", "not")
# the keywords of a Swagger 2.0 non-body parameter, header or items object that are a schema
PARAM_SCHEMA_KEYS = ("type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum",
                     "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
                     "uniqueItems", "enum", "multipleOf", "x-nullable")


def convert_schema(ctx, path, schema):
    """The OpenAPI 3 form of the Swagger 2.0 Schema Object ``schema`` found at ``path``."""
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)
    out = {}
    for key, value in schema.items():
        at = path + (key,)
        if key == "$ref":
            out[key] = ctx.rewrite_ref(at, value)
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: convert_schema(ctx, at + (name,), sub) for name, sub in value.items()}
        elif key in ("additionalProperties", "not") and isinstance(value, dict):
            out[key] = convert_schema(ctx, at, value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            out[key] = [convert_schema(ctx, at + (i,), sub) for i, sub in enumerate(value)]
        elif key == "items":
            _items(ctx, at, value, out)
        elif key == "discriminator" and isinstance(value, str):
            out[key] = {"propertyName": value}
        elif key == "type":
            _type(ctx, at, value, out)
        elif key == "example" and ctx.v31:
            out["examples"] = [copy.deepcopy(value)]
        elif key == "x-nullable":
            out[key] = value  # placeholder, keeps the position; resolved by _nullable
        else:
            out[key] = copy.deepcopy(value)
    if ctx.v31:
        out = _numeric_bounds(out)
    return _nullable(ctx, path, out)


def _items(ctx, at, value, out):
    if isinstance(value, list):  # a tuple of schemas (Draft 4)
        converted = [convert_schema(ctx, at + (i,), sub) for i, sub in enumerate(value)]
        if ctx.v31:
            out["prefixItems"] = converted
            return
        ctx.note(at, "OpenAPI 3.0 has no tuple 'items' (a list of schemas): written as 'items: {anyOf: [...]}', "
                 "which no longer checks each position", "convert with --to 3.1 (prefixItems), or use one schema")
        out["items"] = {"anyOf": converted} if converted else {}
    else:
        out["items"] = convert_schema(ctx, at, value)


def _type(ctx, at, value, out):
    if value == "file":
        ctx.note(at, "Swagger 2.0 'type: file' has no OpenAPI 3 equivalent outside a form: written as "
                 "'type: string, format: binary' (raw bytes)", "check the content types of this body")
        out["type"], out["format"] = "string", "binary"
    elif isinstance(value, list) and not ctx.v31:
        types = [t for t in value if t != "null"]
        if "null" in value:
            out["x-nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        else:
            ctx.note(at, "OpenAPI 3.0 has no list of types: written as 'anyOf' of one schema per type",
                     "convert with --to 3.1, or pick one type")
            out["anyOf"] = [{"type": t} for t in types]
    else:
        out["type"] = copy.deepcopy(value)


def _numeric_bounds(out):
    """3.1 (2020-12): ``exclusiveMinimum: true`` + ``minimum: n`` -> ``exclusiveMinimum: n`` (same for maximum)."""
    result = {}
    for key, value in out.items():
        if key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            continue  # true moved onto the bound below; false (or true without a bound) means nothing
        bound = {"minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"}.get(key)
        if bound is not None and out.get(bound) is True:
            result[bound] = value
        else:
            result[key] = value
    return result


def _with_null_in_enum(out):
    enum = out.get("enum")
    if isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]


def _nullable(ctx, path, out):
    """``x-nullable: true`` (null skips every check) -> the same in standard keywords where they can say it.

    A typed schema: ``nullable: true`` (3.0) or a type list with "null" (3.1), and null added to its
    ``enum``. Otherwise (no type, or subschemas that would still see the null): 3.1 wraps the
    constraints in ``anyOf: [..., {type: "null"}]``; 3.0 cannot say it and keeps ``x-nullable``.
    """
    if "x-nullable" not in out:
        return out
    if out["x-nullable"] is not True:
        del out["x-nullable"]
        return out
    if "type" in out and not any(k in out for k in _APPLICATORS):
        if ctx.v31:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = types if "null" in types else [*types, "null"]
            del out["x-nullable"]
        else:
            out = {("nullable" if k == "x-nullable" else k): v for k, v in out.items()}
        _with_null_in_enum(out)
        return out
    constraints = {k: v for k, v in out.items() if k not in _ANNOTATIONS and not k.startswith("x-")}
    if not constraints:  # a schema that accepts anything already accepts null
        if ctx.v31:
            del out["x-nullable"]
        return out
    if not ctx.v31:
        what = ("keys next to '$ref' are ignored" if "$ref" in out else
                "'nullable' admits null at the type check only, not in allOf/anyOf/oneOf/not" if "type" in out else
                "'nullable' needs a 'type' next to it")
        ctx.note(path + ("x-nullable",), f"OpenAPI 3.0 cannot say this schema is nullable ({what}): "
                 "'x-nullable: true' is kept, which PyMacaron honours under 3.0 but other tools ignore",
                 "convert with --to 3.1 for the standard form (anyOf with {type: 'null'}), or give it a type")
        return out
    result = {}
    for key, value in out.items():
        if key in constraints:
            if "anyOf" not in result:
                result["anyOf"] = [constraints, {"type": "null"}]
        elif key != "x-nullable":
            result[key] = value
    return result


def param_schema(ctx, path, param):
    """The schema of a Swagger 2.0 non-body parameter, header or items object (its schema keywords)."""
    raw = {k: v for k, v in param.items() if k in PARAM_SCHEMA_KEYS}
    items = raw.get("items")
    if not isinstance(items, dict):
        return convert_schema(ctx, path, raw)
    if items.get("type") == "array":
        ctx.note(path + ("items",), "an array of arrays: OpenAPI 3 cannot describe how the inner arrays are "
                 "serialised (the items' collectionFormat)", "flatten the parameter, or send it in a body")
    out = convert_schema(ctx, path, {**raw, "items": {}})
    if "items" in out:  # an items object is not a Schema Object: convert it as one more parameter
        out["items"] = param_schema(ctx, path + ("items",), items)
    return out

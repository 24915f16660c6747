"""Converting between model JSON and DynamoDB values, guided by the spec (pure: no I/O).

DynamoDB (through boto3's resource layer) returns every number as ``Decimal`` and string or number
sets as ``set``, and refuses Python floats. Loading normalises against the definition (SPEC B1):
``integer`` -> int, ``number`` -> float, ``boolean`` -> bool, arrays -> lists, nested ``$ref``
models and objects recursively; attributes the model does not declare are skipped. Saving turns
floats into ``Decimal`` (NaN and infinities are refused: DynamoDB cannot store them).
"""

from __future__ import annotations

import math
from decimal import Decimal

from pymacaron_core.models.factory import collect_properties

_MAX_DEPTH = 50


def to_dynamodb(value, path="item"):
    """A model's JSON made storable: floats -> Decimal, tuples -> lists (recursively)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int, Decimal, bytes)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{path} is {value!r}: DynamoDB cannot store NaN or infinity")
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: to_dynamodb(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_dynamodb(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise ValueError(f"{path} is a {type(value).__name__}, which DynamoDB cannot store (use the model's to_json())")


def _number(value):
    """A Decimal as int when integral, else float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def plain(value):
    """DynamoDB value -> JSON types without a schema (Decimal -> int/float, set -> sorted list)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    inner = getattr(value, "value", None)  # boto3.dynamodb.types.Binary
    if isinstance(inner, bytes):
        return inner
    return value


def _resolve(schema, definitions, depth):
    while isinstance(schema, dict) and "$ref" in schema and depth < _MAX_DEPTH:
        ref = schema["$ref"]
        name = ref[len("#/definitions/"):] if isinstance(ref, str) and ref.startswith("#/definitions/") else None
        if name is None or name not in definitions:
            return None
        schema, depth = definitions[name], depth + 1
    return schema if isinstance(schema, dict) else None


def from_dynamodb(value, schema, definitions, depth=0):
    """Normalise one DynamoDB value against ``schema`` (a property or definition schema)."""
    schema = _resolve(schema, definitions, depth)
    if value is None or schema is None or depth > _MAX_DEPTH:
        return plain(value)
    kind = schema.get("type")
    if kind == "boolean":
        return bool(value) if isinstance(value, (bool, int, Decimal)) else plain(value)
    if kind == "integer":
        return int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else plain(value)
    if kind == "number":
        return float(value) if isinstance(value, (Decimal, int)) and not isinstance(value, bool) else plain(value)
    if kind == "string":
        return str(plain(value)) if isinstance(value, Decimal) else plain(value)
    if kind == "array" or (kind is None and "items" in schema):
        if not isinstance(value, (list, tuple, set, frozenset)):
            return plain(value)
        items = plain(value) if isinstance(value, (set, frozenset)) else value
        return [from_dynamodb(v, schema.get("items"), definitions, depth + 1) for v in items]
    if kind == "object" or "properties" in schema or "allOf" in schema:
        if not isinstance(value, dict):
            return plain(value)
        return normalise_object(value, schema, definitions, depth + 1)[0]
    return plain(value)


def normalise_object(item, schema, definitions, depth=0):
    """(normalised dict, [skipped attribute names]) of an object against its definition.

    Declared properties are normalised; undeclared attributes are skipped, unless the schema
    describes them (``additionalProperties: {schema}``) or declares no property at all (free-form).
    """
    props, _required, _additional = collect_properties(schema, definitions)
    extra_schema = schema.get("additionalProperties")
    out, skipped = {}, []
    for key, value in item.items():
        if key in props:
            out[key] = from_dynamodb(value, props[key], definitions, depth + 1)
        elif isinstance(extra_schema, dict):
            out[key] = from_dynamodb(value, extra_schema, definitions, depth + 1)
        elif not props:
            out[key] = plain(value)
        else:
            skipped.append(key)
    return out, skipped

"""DynamoDB values <-> model JSON, against the spec (pymacaron_aws._ddb_types)."""

from decimal import Decimal

import pytest

from pymacaron_aws._ddb_types import from_dynamodb, normalise_object, plain, to_dynamodb

DEFS = {
    "Pet": {"type": "object", "properties": {
        "age": {"type": "integer"}, "weight": {"type": "number"}, "good": {"type": "boolean"},
        "name": {"type": "string"}, "owner": {"$ref": "#/definitions/Owner"},
        "toys": {"type": "array", "items": {"$ref": "#/definitions/Toy"}}, "free": {"type": "object"}}},
    "Owner": {"allOf": [{"$ref": "#/definitions/Person"}, {"properties": {"since": {"type": "integer"}}}]},
    "Person": {"type": "object", "properties": {"name": {"type": "string"}}},
    "Toy": {"type": "object", "properties": {"price": {"type": "number"}}},
}


def test_to_dynamodb():
    assert to_dynamodb({"a": 1.5, "b": [0.1, True, None, 2], "c": (1,)}) == {
        "a": Decimal("1.5"), "b": [Decimal("0.1"), True, None, 2], "c": [1]}
    with pytest.raises(ValueError, match=r"item.x\[0\] is inf"):
        to_dynamodb({"x": [float("inf")]})
    with pytest.raises(ValueError, match="item.s is a set"):
        to_dynamodb({"s": {1}})


def test_normalise_against_the_spec():
    item = {"age": Decimal(3), "weight": Decimal(7), "good": Decimal(1), "name": Decimal("12"), "unknown": "x",
            "owner": {"name": "ann", "since": Decimal(2020), "extra": 1},
            "toys": [{"price": Decimal("2.5")}, {"price": Decimal(1)}], "free": {"n": Decimal("1.0"), "s": {"b", "a"}}}
    out, skipped = normalise_object(item, DEFS["Pet"], DEFS)
    assert out == {"age": 3, "weight": 7.0, "good": True, "name": "12", "owner": {"name": "ann", "since": 2020},
                   "toys": [{"price": 2.5}, {"price": 1.0}], "free": {"n": 1, "s": ["a", "b"]}}
    assert type(out["weight"]) is float and type(out["toys"][1]["price"]) is float and type(out["age"]) is int
    assert skipped == ["unknown"]


def test_values_that_do_not_fit_are_left_for_validation():
    assert from_dynamodb(Decimal("1.5"), {"type": "integer"}, {}) == 1.5
    assert from_dynamodb("x", {"type": "number"}, {}) == "x"
    assert from_dynamodb(Decimal(1), {"$ref": "#/definitions/Missing"}, {}) == 1


def test_plain():
    assert plain({"a": [Decimal("2"), Decimal("2.25")], "b": {Decimal(2), Decimal(1)}}) == {"a": [2, 2.25],
                                                                                          "b": [1, 2]}

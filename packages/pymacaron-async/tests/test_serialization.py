"""Task arguments: models nested in lists and dicts survive the trip; what JSON cannot carry is refused."""

import datetime
import json

import pytest
from async_testing import SPEC

from pymacaron_async import TaskArgumentError, model_to_task_arg, task_arg_to_model
from pymacaron_async.serialization import MODEL_KEY, deserialize_call, serialize_call


@pytest.fixture(params=["2.0", "3.0", "3.1"])
def Item(request):
    """The Item model of the test service's spec, as written (Swagger 2.0) and converted to OpenAPI 3.0 / 3.1."""
    from pymacaron_core import ApiPool
    from pymacaron_core.spec.convert import convert, to_yaml
    from pymacaron_core.spec.yamlfile import load_yaml

    from pymacaron.bootstrap import builtin_definitions

    text = SPEC.replace("TASKS", "unused")
    if request.param != "2.0":
        text = to_yaml(convert(load_yaml(text, "asvc.yaml")[0], to=request.param)[0])
    ApiPool.add("asvc", yaml_str=text, default_definitions=builtin_definitions())
    from pymacaron_core.models import get_model

    return get_model("Item")


def trip(value):
    """Through JSON and back, as a worker receives it."""
    return task_arg_to_model(json.loads(json.dumps(model_to_task_arg(value))))


def test_a_model_travels_as_its_json_tagged_with_its_name(Item):
    item = Item(name="a", count=2, child=Item(name="kid"))
    wire = model_to_task_arg(item)
    assert wire == {"name": "a", "count": 2, "child": {"name": "kid"}, MODEL_KEY: "Item"}
    back = trip(item)
    assert isinstance(back, Item) and back == item
    assert isinstance(back.child, Item) and back.child.name == "kid"


def test_models_nested_in_lists_and_dicts_are_rebuilt(Item):
    value = {"one": Item(name="1"), "many": [Item(name="2"), {"deeper": [Item(name="3")]}], "n": [1, "x", None]}
    back = trip(value)
    assert isinstance(back["one"], Item) and back["one"].name == "1"
    assert isinstance(back["many"][0], Item)
    assert isinstance(back["many"][1]["deeper"][0], Item) and back["many"][1]["deeper"][0].name == "3"
    assert back["n"] == [1, "x", None]


def test_datetimes_inside_models_come_back_as_datetimes(Item):
    when = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.timezone.utc)
    back = trip(Item(name="a", when=when))
    assert back.when == when


def test_tuples_travel_as_lists_and_json_values_unchanged():
    assert trip((1, (2, 3))) == [1, [2, 3]]
    assert trip({"a": True, "b": 1.5, "c": None}) == {"a": True, "b": 1.5, "c": None}


@pytest.mark.parametrize("value, fragment", [
    (datetime.date(2024, 1, 1), "argument 2 is a datetime.date"),
    ({1, 2}, "argument 2 is a builtins.set"),
    (b"bytes", "argument 2 is a builtins.bytes"),
    (float("nan"), "argument 2 is nan"),
    ({"ok": [1, object()]}, "argument 2['ok'][1] is a builtins.object"),
    ({1: "int key"}, "argument 2 has the key 1 (int)"),
    ({MODEL_KEY: "x"}, "reserved for pymacaron models"),
])
def test_what_json_cannot_carry_is_refused_naming_the_argument(value, fragment):
    with pytest.raises(TaskArgumentError) as e:
        serialize_call(("fine", value), {})
    assert fragment in str(e.value)


def test_keyword_arguments_are_named_in_errors():
    with pytest.raises(TaskArgumentError, match=r"argument when= is a datetime.datetime"):
        serialize_call((), {"when": datetime.datetime.now()})


def test_an_unknown_model_name_in_the_worker_says_what_to_load():
    with pytest.raises(TaskArgumentError, match=r"argument 1 is a Nope model, but no loaded spec defines Nope"):
        deserialize_call([{MODEL_KEY: "Nope", "x": 1}], {})


def test_an_invalid_model_json_is_reported_with_the_model_name(Item):
    with pytest.raises(TaskArgumentError, match=r"argument kw=: cannot rebuild the Item model"):
        deserialize_call([], {"kw": {MODEL_KEY: "Item", "count": 1}})  # name is required


def test_a_model_two_served_specs_define_differently_comes_back_as_its_apis_class():
    """Per-API model scope: with two served specs defining Item differently, the global name is
    ambiguous; a model travels tagged with its API and is rebuilt (and validated) as that API's class.
    So does a client's own copy of Item. A model whose name is unambiguous travels as before (name only)."""
    from flask import Flask

    from pymacaron_core import ApiPool

    from pymacaron.bootstrap import builtin_definitions
    from pymacaron_async.serialization import API_KEY

    app = Flask("t")
    client = ApiPool.add("asvc", yaml_str=SPEC.replace("TASKS", "unused"), default_definitions=builtin_definitions())
    spec = "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\ndefinitions:\n  Item:\n" \
           "    type: object\n    required: [code]\n    properties:\n      code: {type: %s}\n  Tag: {type: object}\n"
    one = ApiPool.add("one", yaml_str=spec % "integer").spawn_api(app)
    two = ApiPool.add("two", yaml_str=spec % "string").spawn_api(app)
    wire = model_to_task_arg(one.model.Item(code=3))
    assert wire == {"code": 3, MODEL_KEY: "Item", API_KEY: "one"}
    back = task_arg_to_model(json.loads(json.dumps(wire)))
    assert type(back) is one.model.Item and back.code == 3
    back = trip(two.model.Item(code="3"))
    assert type(back) is two.model.Item and back.code == "3"
    back = trip(client.model.Item(name="a"))
    assert type(back) is client.model.Item and back.name == "a"
    assert model_to_task_arg(one.model.Tag()) == {MODEL_KEY: "Tag"}
    with pytest.raises(TaskArgumentError, match="Item model of API 'one'.*code"):
        task_arg_to_model({"code": "three", MODEL_KEY: "Item", API_KEY: "one"})

"""Model classes generated from definitions."""

import copy
import datetime
import os
import pickle
import sys

import pytest
from bravado_core.formatter import SwaggerFormat
from bravado_core.exception import SwaggerValidationError

from core_testing import FIXTURES
from pymacaron_core import ApiPool, PyMacaronModel, ValidationError, get_model
from pymacaron_core.models import ModelAttributeError

sys.path.insert(0, os.path.join(FIXTURES, "models"))

SPEC = """\
swagger: '2.0'
info: {title: zoo, version: '1'}
paths: {}
definitions:
  Foo:
    type: object
    required: [name]
    x-parent: model_helpers.Greeter
    x-persist: model_helpers.FooStore
    properties:
      name: {type: string}
      count: {type: integer}
      bar: {$ref: '#/definitions/Bar'}
      bars: {type: array, items: {$ref: '#/definitions/Bar'}}
      when: {type: string, format: date-time}
      day: {type: string, format: date}
      maybe: {type: string, x-nullable: true}
      meta: {type: object}
      colour: {type: string, format: colour}
      to_json: {type: string}
      first-name: {type: string}
  Bar:
    type: object
    additionalProperties: false
    properties:
      x: {type: number}
      tags: {type: array, items: {type: string}}
  Open:
    type: object
    properties:
      a: {type: string}
  Free:
    type: object
    additionalProperties: true
    properties:
      a: {type: string}
  FreeChild:
    allOf:
      - $ref: '#/definitions/Free'
  Base:
    type: object
    properties:
      x: {type: number}
  Child:
    allOf:
      - $ref: '#/definitions/Base'
      - type: object
        required: [y]
        properties:
          y: {type: integer}
"""


def _validate_colour(value):
    if not value.startswith("#"):
        raise SwaggerValidationError("colours start with #")


COLOUR = SwaggerFormat(format="colour", to_wire=lambda c: "#" + c.lstrip("#"),
                       to_python=lambda s: s.lstrip("#"), validate=_validate_colour, description="hex")


@pytest.fixture
def zoo():
    ApiPool.add("zoo", yaml_str=SPEC, formats=[COLOUR])
    return ApiPool.zoo.model


def test_keyword_construction_and_attributes(zoo):
    foo = zoo.Foo(name="a", count=2)
    assert foo.name == "a" and foo.count == 2
    assert foo.bar is None and foo.when is None
    assert isinstance(foo, zoo.Foo) and isinstance(foo, PyMacaronModel)
    assert zoo.Foo is get_model("Foo")


def test_unknown_attribute_raises_clearly(zoo):
    with pytest.raises(AttributeError, match="Model 'Foo' has no attribute nope"):
        _ = zoo.Foo(name="a").nope


def test_local_attributes_are_not_serialised(zoo):
    foo = zoo.Foo(name="a")
    foo.cache = 12
    assert foo.cache == 12
    assert foo.to_json() == {"name": "a", "maybe": None}


def test_item_access(zoo):
    foo = zoo.Foo(name="a")
    assert foo["name"] == "a" and foo["count"] is None
    foo["count"] = 3
    assert foo.count == 3
    del foo["count"]
    assert foo.count is None
    with pytest.raises(KeyError):
        foo["nope"]
    with pytest.raises(AttributeError):
        foo["nope"]


def test_setting_an_unknown_key_raises_as_in_v1(zoo):
    """m['colour'] = ... on a key that is not a property raises, unless the definition declares
    additionalProperties (absent counts as not declared, as in v1)."""
    for model in (zoo.Foo(name="a"), zoo.Open(a="x"), zoo.Bar()):
        with pytest.raises(ModelAttributeError, match=f"Model '{model._pym_name}' has no property 'colour_name'"):
            model["colour_name"] = "blue"
        with pytest.raises(KeyError):
            model["colour_name"] = "blue"
    for model in (zoo.Free(a="x"), zoo.FreeChild(a="x")):
        model["colour_name"] = "blue"
        assert model.to_json() == {"a": "x", "colour_name": "blue"}


def test_delete_resets_to_none(zoo):
    foo = zoo.Foo(name="a", count=1)
    del foo.count
    assert foo.count is None
    del foo.count  # deleting an unset property is fine


def test_additional_properties_false_refuses_unknown_keywords(zoo):
    with pytest.raises(ModelAttributeError, match="Model 'Bar' has no property 'z'"):
        zoo.Bar(z=1)


def test_extra_properties_are_kept_when_allowed(zoo):
    o = zoo.Open(a="x", b=2)
    assert o.b == 2 and o["b"] == 2
    assert o.to_json() == {"a": "x", "b": 2}
    assert zoo.Open.from_json({"a": "x", "c": [1]}).to_json() == {"a": "x", "c": [1]}


def test_to_json_nested_arrays_dates_formats(zoo):
    foo = zoo.Foo(name="a", bar=zoo.Bar(x=1.5), bars=[zoo.Bar(x=1), zoo.Bar(tags=["t"])],
                  when=datetime.datetime(2020, 1, 2, 3, 4, 5), day=datetime.date(2021, 2, 3),
                  colour="fff", meta={"k": [zoo.Bar(x=2)]})
    assert foo.to_json() == {
        "name": "a", "bar": {"x": 1.5}, "bars": [{"x": 1}, {"tags": ["t"]}],
        "when": "2020-01-02T03:04:05+00:00", "day": "2021-02-03", "maybe": None,
        "meta": {"k": [{"x": 2}]}, "colour": "#fff"}


def test_keep_datetime(zoo):
    when = datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc)
    j = zoo.Foo(name="a", when=when).to_json(keep_datetime=True)
    assert j["when"] is when


def test_from_json_builds_nested_models_and_converts(zoo):
    foo = zoo.Foo.from_json({"name": "a", "bar": {"x": 1}, "bars": [{"x": 2}], "when": "2020-01-02T03:04:05Z",
                             "day": "2021-02-03", "colour": "#abc"})
    assert isinstance(foo.bar, zoo.Bar) and foo.bar.x == 1
    assert isinstance(foo.bars[0], zoo.Bar)
    assert foo.when == datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert foo.day == datetime.date(2021, 2, 3)
    assert foo.colour == "abc"


def test_from_json_validates_and_lists_every_problem(zoo):
    with pytest.raises(ValidationError) as e:
        zoo.Foo.from_json({"count": "3", "bar": {"x": "no", "z": 1}, "colour": "fff"})
    got = {(p.location, p.rule) for p in e.value.problems}
    assert got == {("name", "required"), ("count", "type"), ("bar.x", "type"),
                   ("bar.z", "additionalProperties"), ("colour", "format")}
    assert "colours start with #" in str(e.value)


def test_from_json_does_not_alias_input(zoo):
    data = {"name": "a", "bars": [{"x": 1}], "meta": {"k": [1]}}
    foo = zoo.Foo.from_json(data)
    foo.bars.append(zoo.Bar(x=3))
    assert data["bars"] == [{"x": 1}]


def test_update_from_dict(zoo):
    foo = zoo.Foo(name="a", count=1)
    foo.update_from_dict({"count": None, "maybe": "m"})
    assert foo.count is None and foo.maybe == "m"
    foo.update_from_dict({"maybe": None}, ignore_none=True)
    assert foo.maybe == "m"


def test_clone_and_equality(zoo):
    foo = zoo.Foo(name="a", bar=zoo.Bar(x=1), when=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    other = foo.clone()
    assert other == foo and other is not foo and other.bar is not foo.bar
    other.bar.x = 2
    assert other != foo
    assert zoo.Foo(name="a") == zoo.Foo(name="a", count=None)
    assert zoo.Foo(name="a") != zoo.Open(a="a")
    local = zoo.Foo(name="a")
    local.note = "local attributes do not count"
    assert local == zoo.Foo(name="a")


def test_repr(zoo):
    assert repr(zoo.Foo(name="a", bar=zoo.Bar(x=1))) == "Foo(name='a', bar=Bar(x=1))"


def test_x_nullable(zoo):
    assert zoo.Foo.from_json({"name": "a", "maybe": None}).maybe is None
    with pytest.raises(ValidationError):
        zoo.Foo.from_json({"name": None})


def test_x_parent_methods(zoo):
    assert zoo.Foo(name="bob").greet() == "hello bob"


def test_x_persist(zoo):
    zoo.Foo(name="k", count=7).save_to_db()
    loaded = zoo.Foo.load_from_db("k")
    assert isinstance(loaded, zoo.Foo) and loaded.count == 7
    assert zoo.Foo.__persistence_class__ == "model_helpers.FooStore"


def test_x_persist_off_when_do_persist_false():
    ApiPool.add("zoo", yaml_str=SPEC, formats=[COLOUR], do_persist=False)
    assert not hasattr(ApiPool.zoo.model.Foo, "save_to_db")


def test_allof_inherits_properties(zoo):
    child = zoo.Child.from_json({"x": 1, "y": 2})
    assert child.x == 1 and child.y == 2
    with pytest.raises(ValidationError, match="'y' is a required property"):
        zoo.Child.from_json({"x": 1})


def test_property_named_like_a_method(zoo):
    foo = zoo.Foo(name="a")
    foo["to_json"] = "value"
    assert foo.to_json()["to_json"] == "value"
    foo["first-name"] = "Ann"
    assert foo.to_json()["first-name"] == "Ann"


def test_validate_method(zoo):
    zoo.Foo(name="a").validate()
    with pytest.raises(ValidationError, match="name"):
        zoo.Foo(count=1).validate()


def test_copy_and_pickle(zoo):
    foo = zoo.Foo(name="a", bar=zoo.Bar(x=1))
    assert copy.deepcopy(foo) == foo
    assert pickle.loads(pickle.dumps(foo)) == foo


def test_get_model_unknown():
    with pytest.raises(ValidationError, match="Swagger spec has no definition for model Nope"):
        get_model("Nope")


def test_our_swagger_format_works_as_bravados():
    """pymacaron_core.SwaggerFormat (no bravado-core needed) validates and converts as bravado-core's does."""
    import pymacaron_core

    def must_be_hex(value):
        if not value.startswith("#"):
            raise ValueError("colours start with #")

    ours = pymacaron_core.SwaggerFormat("colour", lambda s: s.lstrip("#"), lambda c: "#" + c.lstrip("#"), must_be_hex)
    assert ours._fields == SwaggerFormat._fields  # the same fields, in the same order, as bravado-core's
    ApiPool.add("zoo", yaml_str=SPEC, formats=[ours])
    zoo = ApiPool.zoo.model
    assert zoo.Foo(name="a", colour="fff").to_json()["colour"] == "#fff"
    assert zoo.Foo.from_json({"name": "a", "colour": "#abc"}).colour == "abc"
    with pytest.raises(ValidationError, match="colours start with #"):
        zoo.Foo.from_json({"name": "a", "colour": "abc"})

"""Start-up: the on-disk cache of loaded specs (spec/cache.py) and lazily generated validators.

Each invalidation case is a test: a changed spec, a changed external file, an upgraded package,
a truncated or corrupt entry. Then: a spec error is reported at start-up (file, line) for an
operation that is never called, and 1,000 operations each answer their first request correctly.
"""

import json
import os
import threading

import pytest
from flask import Flask

from pymacaron_core import ApiPool, SpecError
from pymacaron_core.spec import cache, document
from pymacaron_core.spec.document import load_document

SPEC = """\
swagger: "2.0"
info: {title: shop, version: "1"}
paths:
  /items/{item_id}:
    post:
      operationId: post_item
      x-bind-server: shop_handlers.post_item
      parameters:
        - {in: path, name: item_id, type: integer, required: true}
        - {in: body, name: body, required: true, schema: {$ref: "#/definitions/Item"}}
      responses:
        200: {description: the item, schema: {$ref: "#/definitions/Item"}}
definitions:
  Item:
    type: object
    required: [name]
    properties:
      name: {type: string, minLength: 1}
      count: {type: integer, minimum: 0}
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "apis" / "shop.yaml"
    path.parent.mkdir()
    path.write_text(SPEC)
    return path


@pytest.fixture(autouse=True)
def _no_memory_cache():
    """Every load below goes to the disk cache (not the in-process one)."""
    document._cache.clear()
    yield
    document._cache.clear()


def _load(spec, cache_dir, **kwargs):
    document._cache.clear()
    return load_document(yaml_path=str(spec), name="shop", cache_dir=str(cache_dir), **kwargs)


def _entries(cache_dir):
    return sorted(p for p in os.listdir(cache_dir) if p.startswith("spec-"))


@pytest.fixture
def no_reading(monkeypatch):
    """Loading from the spec file fails: only a cache hit can load."""
    def refuse(*args, **kwargs):
        raise AssertionError("the spec was read: the cache did not serve it")
    monkeypatch.setattr(document, "_load_document", refuse)


def test_a_warm_load_is_served_from_the_cache_with_its_lines(spec, tmp_path, monkeypatch):
    cold = _load(spec, tmp_path / "cache")
    assert len(_entries(tmp_path / "cache")) == 1
    monkeypatch.setattr(document, "_load_document", lambda *a, **k: pytest.fail("not served from the cache"))
    warm = _load(spec, tmp_path / "cache")
    assert warm.data == cold.data
    path = ("paths", "/items/{item_id}", "post", "parameters", 1)
    assert warm.line(path) == cold.line(path) == 10
    assert warm.file == cold.file


def test_a_changed_spec_is_noticed(spec, tmp_path):
    _load(spec, tmp_path / "cache")
    spec.write_text(SPEC.replace("minLength: 1", "minLength: 2"))
    doc = _load(spec, tmp_path / "cache")
    assert doc.definitions["Item"]["properties"]["name"]["minLength"] == 2
    assert len(_entries(tmp_path / "cache")) == 2


def test_a_changed_handler_path_in_the_spec_is_noticed(spec, tmp_path):
    _load(spec, tmp_path / "cache")
    spec.write_text(SPEC.replace("shop_handlers.post_item", "shop.handlers.post_item"))
    doc = _load(spec, tmp_path / "cache")
    assert doc.data["paths"]["/items/{item_id}"]["post"]["x-bind-server"] == "shop.handlers.post_item"


def test_a_changed_external_file_is_noticed(spec, tmp_path):
    (spec.parent / "common.yaml").write_text("definitions:\n  Tag: {type: string, maxLength: 5}\n")
    spec.write_text(SPEC.replace("count: {type: integer, minimum: 0}",
                                 "count: {type: integer, minimum: 0}\n      tag: {$ref: 'common.yaml#/definitions/Tag'}"))
    assert _load(spec, tmp_path / "cache").definitions["Tag"]["maxLength"] == 5
    (spec.parent / "common.yaml").write_text("definitions:\n  Tag: {type: string, maxLength: 9}\n")
    assert _load(spec, tmp_path / "cache").definitions["Tag"]["maxLength"] == 9


def test_an_upgraded_package_is_noticed(spec, tmp_path, monkeypatch):
    _load(spec, tmp_path / "cache", cache_versions=("7.0.0",))
    _load(spec, tmp_path / "cache", cache_versions=("7.0.1",))  # pymacaron upgraded
    assert len(_entries(tmp_path / "cache")) == 2
    monkeypatch.setattr(cache, "__version__", "99.0")  # pymacaron-core upgraded
    _load(spec, tmp_path / "cache", cache_versions=("7.0.1",))
    assert len(_entries(tmp_path / "cache")) == 3


def test_a_new_python_is_noticed(spec, tmp_path, monkeypatch):
    key = cache.cache_key(spec.read_bytes())
    monkeypatch.setattr(cache.sys, "version_info", (3, 99, 0))
    assert cache.cache_key(spec.read_bytes()) != key


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "foreign"])
def test_a_damaged_entry_is_ignored_and_rebuilt(spec, tmp_path, damage):
    cold = _load(spec, tmp_path / "cache")
    entry = tmp_path / "cache" / _entries(tmp_path / "cache")[0]
    raw = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped byte":
        entry.write_bytes(raw[:-20] + bytes([raw[-20] ^ 1]) + raw[-19:])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        entry.write_text('{"data": {}}\n')
    assert cache.read(str(tmp_path / "cache"), entry.name[5:-5], str(spec.parent), "x") is None
    assert _load(spec, tmp_path / "cache").data == cold.data
    assert entry.read_bytes() == raw  # rewritten whole


def test_a_spec_with_errors_is_never_cached(spec, tmp_path):
    spec.write_text(SPEC.replace("type: integer, minimum: 0", "type: integr, minimum: 0"))
    for _ in range(2):
        with pytest.raises(SpecError, match="integr"):
            _load(spec, tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or _entries(tmp_path / "cache") == []


def test_warnings_come_back_from_the_cache(spec, tmp_path, no_reading, monkeypatch):
    monkeypatch.undo()
    spec.write_text(SPEC.replace("info: {title: shop, version: \"1\"}", "info: {title: shop}"))
    cold = _load(spec, tmp_path / "cache")
    assert cold.warnings
    document._cache.clear()
    monkeypatch.setattr(document, "_load_document", lambda *a, **k: pytest.fail("not served from the cache"))
    warm = _load(spec, tmp_path / "cache")
    assert [str(w) for w in warm.warnings] == [str(w) for w in cold.warnings]
    with pytest.raises(SpecError, match="version"):
        _load(spec, tmp_path / "cache", strict=True)


def test_a_read_only_cache_folder_only_costs_speed(spec, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    assert _load(spec, blocker).definitions["Item"]["required"] == ["name"]


def test_cache_clear_removes_the_entries(spec, tmp_path):
    _load(spec, tmp_path / "cache")
    assert cache.clear(str(tmp_path / "cache")) == 1
    assert _entries(tmp_path / "cache") == []


# -- lazy validators: every error still at start-up -------------------------------------------


def test_a_bad_pattern_of_an_operation_never_called_stops_start_up_with_its_line(tmp_path):
    bad = SPEC.replace("{in: path, name: item_id, type: integer, required: true}",
                       "{in: path, name: item_id, type: string, pattern: '[0-9', required: true}")
    path = tmp_path / "shop.yaml"
    path.write_text(bad)
    with pytest.raises(SpecError) as e:
        ApiPool.add("shop", yaml_path=str(path), cache_dir=str(tmp_path / "cache"))
    problem = e.value.problems[0]
    assert problem.line == 9 and "pattern '[0-9' is not a valid regular expression" in problem.message
    assert problem.file.endswith("shop.yaml")


def test_a_bad_pattern_in_a_definition_stops_start_up_with_its_line(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC.replace("minLength: 1}", "minLength: 1, pattern: '(a'}"))
    with pytest.raises(SpecError) as e:
        ApiPool.add("shop", yaml_path=str(path))
    assert [(p.line, p.where) for p in e.value.problems] == [(18, "definitions.Item.properties.name.pattern")]


def test_a_pattern_in_an_example_is_data_not_a_regex(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC.replace("required: [name]", "required: [name]\n    example: {pattern: '(a'}"))
    ApiPool.add("shop", yaml_path=str(path))


def _many_operations(n):
    paths, definitions = {}, {}
    for i in range(n):
        definitions[f"Item{i}"] = {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1}, "count": {"type": "integer", "minimum": i}}}
        ref = {"$ref": f"#/definitions/Item{i}"}
        paths[f"/r{i}/{{item_id}}"] = {"post": {
            "operationId": f"r{i}", "x-bind-server": "many_handlers.echo",
            "parameters": [{"in": "path", "name": "item_id", "type": "integer", "required": True},
                           {"in": "query", "name": "q", "type": "integer"},
                           {"in": "body", "name": "body", "required": True, "schema": ref}],
            "responses": {"200": {"description": "the item", "schema": ref}}}}
    return json.dumps({"swagger": "2.0", "info": {"title": "many", "version": "1"}, "paths": paths,
                       "definitions": definitions})


def _many_client(folder, n):
    (folder / "many_handlers.py").write_text(
        "def echo(body, item_id, q=None):\n    body.count = body.count + item_id + (q or 0)\n    return body\n")
    (folder / "many.yaml").write_text(_many_operations(n))
    app = Flask("many")
    ApiPool.add("many", yaml_path=str(folder / "many.yaml"), cache_dir=str(folder / "cache"))
    ApiPool.many.spawn_api(app)
    return app.test_client()


@pytest.fixture
def many(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return _many_client(tmp_path, 1000)


@pytest.fixture
def fifty(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    return _many_client(tmp_path, 50)


def test_the_first_request_to_each_of_1000_operations_is_answered_correctly(many):
    for i in range(1000):
        r = many.post(f"/r{i}/2?q=1", json={"name": "x", "count": i})
        assert r.status_code == 200, (i, r.json)
        assert r.json == {"name": "x", "count": i + 3}
    # validation as strict as ever
    r = many.post("/r999/2", json={"name": "", "count": 5})
    assert r.status_code == 400
    assert {e["location"] for e in r.json["errors"]} == {"body.name", "body.count"}


def test_first_requests_racing_in_threads_are_all_answered_correctly(fifty):
    """100 threads, two per operation, each operation's validators and model generated by the race."""
    results = {}

    def call(i):
        r = fifty.post(f"/r{i % 50}/1", json={"name": "y", "count": 60 + i})
        results[i] = (r.status_code, r.json)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: (200, {"name": "y", "count": 61 + i}) for i in range(100)}


# -- OpenAPI 3.x: lazy too, unless the document uses what load cannot check --------------------


def _many_31(folder, n):
    from pymacaron_core.spec.convert import convert, to_yaml

    converted, _notes = convert(json.loads(_many_operations(n)), to="3.1")
    (folder / "many_handlers.py").write_text(
        "def echo(body, item_id, q=None):\n    body.count = body.count + item_id + (q or 0)\n    return body\n")
    (folder / "many31.yaml").write_text(to_yaml(converted))
    app = Flask("many31")
    ApiPool.add("many31", yaml_path=str(folder / "many31.yaml"))
    ApiPool.many31.spawn_api(app)
    return app.test_client()


def test_the_first_request_to_each_of_200_operations_of_a_31_spec_is_answered_correctly(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    client = _many_31(tmp_path, 200)
    assert ApiPool.many31.compiler.lazy  # nothing in it that load cannot check
    for i in range(200):
        r = client.post(f"/r{i}/2?q=1", json={"name": "x", "count": i})
        assert r.status_code == 200, (i, r.json)
        assert r.json == {"name": "x", "count": i + 3}
    r = client.post("/r199/2", json={"name": "", "count": 5})
    assert r.status_code == 400
    assert {e["location"] for e in r.json["errors"]} == {"body.name", "body.count"}


PETS_31 = """\
openapi: 3.1.0
info: {title: pets, version: '1'}
paths:
  /pets:
    post:
      operationId: pets_handlers.add
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses:
        '200': {description: ok}
components:
  schemas:
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator:
        propertyName: kind
        mapping: {cat: '#/components/schemas/Cat', dog: Dog}
    Cat: {type: object, required: [kind], properties: {kind: {type: string}}}
    Dog: {type: object, required: [kind], properties: {kind: {type: string}}}
"""


def test_a_bad_discriminator_mapping_of_an_operation_never_called_stops_start_up_with_its_line(tmp_path):
    path = tmp_path / "pets.yaml"
    path.write_text(PETS_31.replace("dog: Dog}", "dog: Dgo}"))
    with pytest.raises(SpecError) as e:
        ApiPool.add("pets", yaml_path=str(path))
    assert [(p.line, p.where) for p in e.value.problems] == [
        (20, "components/schemas/Pet/discriminator/mapping/dog")]
    assert "names schema 'Dgo', which is not defined" in e.value.problems[0].message


def test_a_31_document_with_ids_or_anchors_is_compiled_at_start_up(tmp_path):
    path = tmp_path / "pets.yaml"
    path.write_text(PETS_31)
    ApiPool.add("pets", yaml_path=str(path))
    assert ApiPool.pets.compiler.lazy
    path.write_text(PETS_31.replace("Dog: {type: object,", "Dog: {$anchor: dog, type: object,"))
    ApiPool.add("pets2", yaml_path=str(path))
    assert not ApiPool.pets2.compiler.lazy


def test_an_anchor_in_an_external_file_or_the_cache_is_seen(tmp_path):
    """The walks looking for 2020-12 identifiers are skipped only when no text of the spec holds one: the
    spec's own, its external files' (read at a cold start), the stored data (a warm start)."""
    (tmp_path / "dogs.yaml").write_text(
        "components:\n  schemas:\n    Hound: {$anchor: dog, type: object, required: [kind],"
        " properties: {kind: {type: string}}}\n")
    path = tmp_path / "pets.yaml"
    path.write_text(PETS_31.replace("    Dog: {type: object, required: [kind], properties: {kind: {type: string}}}\n",
                                    "    Dog: {$ref: 'dogs.yaml#/components/schemas/Hound'}\n"))
    cache_dir = str(tmp_path / "cache")
    for name in ("cold", "warm"):
        doc = load_document(str(path), cache_dir=cache_dir, name=name)
        assert doc.may_contain("$anchor") and not doc.may_contain("$dynamicAnchor")
        ApiPool.add(name, yaml_path=str(path), cache_dir=cache_dir)
        assert not getattr(ApiPool, name).compiler.lazy
        assert getattr(ApiPool, name).compiler.index.anchors  # indexed: the anchor resolves
    path.write_text(PETS_31.replace("discriminator:", "x-no: 1\n      discriminator:"))
    doc = load_document(str(path))
    assert not doc.may_contain("$anchor", "$id") and doc.may_contain("discriminator")

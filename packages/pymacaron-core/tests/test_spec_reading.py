"""Stage 1, reading a spec's text: the data and the line of every node, for YAML and JSON specs.

The data is what PyYAML's safe loader makes of the same text (dates as ISO strings, keys as
strings), the lines are those of the nodes in the text, and a JSON spec (read by the json module,
its lines found by walking its text) gives the same data and the same lines as reading it as YAML.
The start-up cache gives both back, for either kind of spec.
"""

import datetime
import glob
import json
import os

import pytest
import yaml

from core_testing import FIXTURES
from pymacaron_core.exceptions import SpecError
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.yamlfile import Locations, _build, _parse, _yaml, load_yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SPECS = sorted(glob.glob(os.path.join(FIXTURES, "**", "*.yaml"), recursive=True)
               + glob.glob(os.path.join(ROOT, "examples", "*", "apis", "*.yaml")))


def _plain(value):
    """PyYAML's safe loading, with the two conversions a spec reader makes: dates -> ISO, keys -> str."""
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _key(k):
    if isinstance(k, bool):
        return "true" if k else "false"
    return "null" if k is None else k if isinstance(k, str) else str(k)


def _yaml_lines(text):
    """Every node's path -> its line, as reading ``text`` as YAML records them."""
    out = {}

    def walk(where, path):
        if isinstance(where, list):
            out[path] = where[0]
            children = where[1].items() if isinstance(where[1], dict) else enumerate(where[1])
            for key, child in children:
                walk(child, path + (key,))
        else:
            out[path] = where

    walk(_parse(text, "x", lambda loader, node, classes: _build(loader, node, set(), classes))[1], ())
    return out


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("path", SPECS, ids=lambda p: os.path.relpath(p, ROOT))
def test_the_data_is_what_pyyaml_reads(path):
    text = _read(path)
    assert load_yaml(text, path)[0] == _plain(yaml.safe_load(text))


def test_yaml_features_are_read_as_pyyaml_reads_them():
    text = """\
swagger: '2.0'
info: {title: t, version: 1.0}
released: 2024-01-02
base: &base {type: object, x-n: 3}
merged:
  <<: *base
  description: merged
1: an int key
~: a null key
numbers: [1, 1.5, 0x10, 1e3, -0, .inf]
flags: [yes, no, on, off, true]
empty:
quoted: '123'
"""
    data, locs = load_yaml(text, "f.yaml")
    assert data == _plain(yaml.safe_load(text))
    assert data["merged"] == {"type": "object", "x-n": 3, "description": "merged"}
    assert data["released"] == "2024-01-02" and data["quoted"] == "123"
    assert {"1", "null"} <= set(data)
    assert locs.line(("merged", "description")) == 7
    assert locs.line(("numbers", 3)) == 10
    assert locs.line(("numbers", 9)) == 10  # no such item: its nearest ancestor's line
    # 1 and true are one key to Python, two to the spec
    assert load_yaml("1: int\ntrue: bool\n", "k.yaml")[0] == {"1": "int", "true": "bool"}


def test_lines_of_keys_and_items_in_block_yaml():
    text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      parameters:\n        - name: q\n          in: query\n" \
           "        - name: r\n"
    _, locs = load_yaml(text, "f.yaml")
    assert [locs.line(p) for p in [(), ("paths",), ("paths", "/a", "get"), ("paths", "/a", "get", "parameters", 0),
                                   ("paths", "/a", "get", "parameters", 0, "in"),
                                   ("paths", "/a", "get", "parameters", 1, "name")]] == [1, 2, 4, 6, 7, 8]


def _json_variants(data):
    yield json.dumps(data, indent=2)
    yield json.dumps(data)  # one line
    yield json.dumps(data, indent=3, ensure_ascii=False, separators=(" ,", " : "))  # odd spacing


def test_a_json_spec_indented_with_tabs_is_read_with_its_lines():
    """Tabs are JSON whitespace, not YAML indentation: such a spec was refused when read as YAML."""
    text = '{\n\t"swagger": "2.0",\n\t"paths": {\n\t\t"/a": {\n\t\t\t"get": {"responses": {}}\n\t\t}\n\t}\n}\n'
    data, locs = load_yaml(text, "s.json")
    assert data == json.loads(text)
    assert [locs.line(p) for p in [("swagger",), ("paths",), ("paths", "/a", "get", "responses")]] == [2, 3, 5]


@pytest.mark.parametrize("path", [p for p in SPECS if "public_specs" in p] + [SPECS[0]],
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_a_json_spec_gives_the_data_and_every_line_reading_it_as_yaml_gives(path):
    data = load_yaml(_read(path), path)[0]
    for text in _json_variants(data):
        got, locs = load_yaml(text, "spec.json")
        assert got == data == _plain(yaml.safe_load(text))
        assert locs.unparsed  # read by the json module: lines are looked up in the text
        expected = _yaml_lines(text)
        for node_path, line in expected.items():
            assert locs.line(node_path) == line, node_path
        assert locs.line(("no", "such", "node")) == 1
        assert locs.line(("paths", "/no/such/path", "get")) == expected[("paths",)]


def test_json_numbers_are_json_numbers():
    """PyYAML reads 1e5 (no dot, no exponent sign) as a string; in a JSON spec it is the number JSON says."""
    data, _ = load_yaml('{"swagger": "2.0", "x-max": 1e5, "x-min": 1.5E-3, "x-big": 12345678901234567890}', "s.json")
    assert data["x-max"] == 100000.0 and data["x-min"] == 0.0015 and data["x-big"] == 12345678901234567890


def test_text_the_json_module_refuses_is_read_as_yaml():
    for text in ('{"swagger": "2.0", "x": NaN}', "{swagger: '2.0', info: {title: t}}", '{"swagger": "2.0",}'):
        data, locs = load_yaml(text, "s.yaml")
        assert data == _plain(yaml.safe_load(text))
        assert not locs.unparsed


def test_broken_json_is_located_by_the_yaml_reader():
    with pytest.raises(SpecError) as e:
        load_yaml('{\n  "swagger": "2.0",\n  "info": {"title": "t"\n  "paths": {}\n}\n', "s.json")
    assert e.value.problems[0].line == 4


def test_a_problem_in_a_json_spec_names_its_line(tmp_path):
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "nowhere", "schema": {"type": "string"}}],
                                     "responses": {"200": {"description": "ok"}}}}}}
    path = tmp_path / "api.json"
    path.write_text(json.dumps(spec, indent=2))
    with pytest.raises(SpecError) as e:
        load_document(str(path))
    text = path.read_text().splitlines()
    for problem in e.value.problems:
        assert '"in": "nowhere"' in text[problem.line - 1] or '"parameters"' in text[problem.line - 1], problem


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_the_start_up_cache_gives_the_lines_back(tmp_path, as_json):
    data = load_yaml(_read(os.path.join(FIXTURES, "public_specs", "oai-petstore-3.0.yaml")), "p")[0]
    text = json.dumps(data, indent=2) if as_json else yaml.safe_dump(data, sort_keys=False)
    spec = tmp_path / "petstore.yaml"
    spec.write_text(text)
    expected = _yaml_lines(text)
    cold = load_document(str(spec), cache_dir=str(tmp_path / "cache"))
    cached = os.listdir(tmp_path / "cache")
    assert len(cached) == 1
    if as_json:  # the entry keeps no line map: the spec's text is the map
        assert (tmp_path / "cache" / cached[0]).read_text().endswith("\n\n")
    warm = load_document(str(spec), cache_dir=str(tmp_path / "cache"), name="again")
    assert warm.data == cold.data
    for node_path, line in expected.items():
        assert warm.line(node_path) == line == cold.line(node_path), node_path


def test_a_line_tree_comes_back_from_its_json_text():
    """The start-up cache stores a YAML spec's line tree as JSON text: read back, it answers the same lines."""
    text = "a:\n  b: [1,\n    2]\n  c: {d: x}\n"
    locs = load_yaml(text, "s.yaml")[1]
    back = Locations.from_json("s.yaml", locs.to_json())
    for path in [("a",), ("a", "b"), ("a", "b", 1), ("a", "b", 5), ("a", "c", "d"), ("a", "c", "d", "e"), ("z",)]:
        assert back.line(path) == locs.line(path), path
    assert [back.line(p) for p in [("a", "b", 1), ("a", "c", "d"), ("z",)]] == [3, 4, 1]
    assert Locations("e.yaml").line(("a",)) is None


COMMON = "definitions:\n  Shared: {type: object, properties: {n: {type: integer, pattern: '('}}}\n"


@pytest.mark.parametrize("ref", ["common.yaml#/definitions/Shared", '"common.yaml#/definitions/Shared"',
                                 "\n          common.yaml#/definitions/Shared"])
@pytest.mark.parametrize("quoted_key", [False, True])
def test_a_ref_into_another_file_is_followed_however_it_is_written(tmp_path, ref, quoted_key):
    """Reading skips the walk for external $refs when the text has none: each way of writing one is seen."""
    (tmp_path / "common.yaml").write_text("definitions:\n  Shared: {type: object, properties: {n: {type: integer}}}\n")
    key = '"$ref"' if quoted_key else "$ref"
    spec = tmp_path / "api.yaml"
    spec.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\ndefinitions:\n"
                    f"  Foo:\n    properties:\n      s:\n        {key}: {ref}\n")
    doc = load_document(str(spec))
    assert doc.data["definitions"]["Foo"]["properties"]["s"] == {"$ref": "#/definitions/Shared"}
    assert "Shared" in doc.definitions


def test_a_ref_key_written_with_an_escape_is_followed(tmp_path):
    (tmp_path / "common.yaml").write_text("definitions:\n  Shared: {type: object}\n")
    spec = tmp_path / "api.json"
    spec.write_text('{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},'
                    ' "definitions": {"Foo": {"\\u0024ref": "common.yaml#/definitions/Shared"}}}')
    assert load_document(str(spec)).data["definitions"]["Foo"]["$ref"] == "#/definitions/Shared"


def test_a_bad_pattern_in_an_external_file_is_found(tmp_path):
    """The pattern check runs when any text of the spec (here only the external file's) has a pattern."""
    (tmp_path / "common.yaml").write_text(COMMON)
    spec = tmp_path / "api.yaml"
    spec.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"
                    "definitions:\n  Foo: {$ref: 'common.yaml#/definitions/Shared'}\n")
    with pytest.raises(SpecError, match="pattern"):
        load_document(str(spec))


def test_loaders_with_path_resolvers_are_used_as_they_are(monkeypatch):
    """Tags are resolved once per distinct scalar only while no path resolver is registered."""
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert _yaml()[1] is not base and issubclass(_yaml()[1], base)
    monkeypatch.setattr(base, "yaml_path_resolvers", {("x",): "tag"})
    assert _yaml()[1] is base


def test_a_word_spelled_with_an_escape_is_not_ruled_out(tmp_path):
    """may_contain (which lets start-up skip walks) answers True when a text spells an ASCII character with an
    escape: "\\u0024anchor" is the key $anchor, which the plain text does not show."""
    spec = tmp_path / "api.json"
    spec.write_text('{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},'
                    ' "components": {"schemas": {"A": {"\\u0024anchor": "a", "type": "object"}}}}')
    doc = load_document(str(spec))
    assert doc.data["components"]["schemas"]["A"]["$anchor"] == "a"
    assert doc.may_contain("$anchor") and doc.may_contain("$dynamicAnchor")  # unknown: the walk must look
    plain = tmp_path / "plain.json"
    plain.write_text(spec.read_text().replace("\\u0024anchor", "title").replace('"t"', '"caf\\u00e9"'))
    assert not load_document(str(plain)).may_contain("$anchor")  # a non-ASCII escape spells no ASCII word

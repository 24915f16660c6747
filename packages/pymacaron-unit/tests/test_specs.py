"""pymacaron_unit.runner.specs: which specs are fuzzed, and how they are prepared."""

import textwrap

import pytest

from pymacaron_unit.runner.errors import RunnerError
from pymacaron_unit.runner.specs import discover, operations, prepare

SERVED = """\
swagger: '2.0'
info: {title: shop, version: '1'}
host: shop.example.com
schemes: [https]
produces: [application/json]
paths:
  /items:
    get:
      x-bind-server: shop.api.get_items
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /die:
    get:
      x-bind-server: shop.api.die
      responses:
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
"""
CLIENT = """\
swagger: '2.0'
info: {title: other, version: '1'}
paths:
  /other:
    get:
      x-bind-client: get_other
      responses:
        '200': {description: ok}
"""


def write(folder, **specs):
    (folder / "apis").mkdir(exist_ok=True)
    for name, text in specs.items():
        (folder / "apis" / f"{name}.yaml").write_text(textwrap.dedent(text))
    return folder


def test_discover_served_specs_and_the_builtin_one(tmp_path):
    write(tmp_path, shop=SERVED, other=CLIENT)
    found = discover(str(tmp_path))
    assert [name for name, _ in found] == ["shop", "ping"]
    assert found[1][1].endswith("ping.yaml")


def test_discover_errors(tmp_path):
    write(tmp_path, other=CLIENT)
    with pytest.raises(RunnerError, match="no apis/\\*.yaml in .* has an operation with x-bind-server"):
        discover(str(tmp_path))
    with pytest.raises(RunnerError, match="--fuzz-spec nope.yaml: no such file"):
        discover(str(tmp_path), ["nope.yaml"])
    assert discover(str(tmp_path), ["apis/other.yaml"]) == [("other", str(tmp_path / "apis" / "other.yaml"))]


def test_prepare_merges_and_excludes(tmp_path):
    write(tmp_path, shop=SERVED)
    [(label, doc)] = prepare(discover(str(tmp_path)), excludes=["/die", "GET /version"])
    assert label == "shop+ping"
    assert "host" not in doc and "schemes" not in doc and "produces" not in doc
    ops = {(path, method): op for path, method, op in operations(doc)}
    assert set(ops) == {("/items", "get"), ("/ping", "get"), ("/auth/version", "get")}
    assert ops["/items", "get"]["produces"] == ["application/json"]  # pushed down from the top
    assert {"Error", "Ok", "Version"} <= set(doc["definitions"])  # built-in definitions filled in
    assert doc["info"]["title"] == "shop+ping"


def test_prepare_keeps_apart_what_conflicts(tmp_path):
    other = SERVED.replace("/items", "/things").replace("/die", "/die2").replace("shop.example.com", "x")
    write(tmp_path, a=SERVED, b=other.replace("produces: [application/json]", "basePath: /v2"))
    labels = [label for label, _ in prepare(discover(str(tmp_path)))]
    assert labels == ["a+ping", "b"]  # another basePath: another run


def test_prepare_errors(tmp_path):
    write(tmp_path, shop=SERVED)
    with pytest.raises(RunnerError, match="--fuzz-exclude: no operation POST /items, /nope in the fuzzed specs"):
        prepare(discover(str(tmp_path)), excludes=["POST /items", "/nope"])
    with pytest.raises(RunnerError, match="give a path \\(/die\\) or a method and a path"):
        prepare(discover(str(tmp_path)), excludes=["a b c"])
    with pytest.raises(RunnerError, match="every operation is excluded"):
        prepare([("shop", str(tmp_path / "apis" / "shop.yaml"))], excludes=["/items", "/die"])


def test_a_broken_spec_names_its_file(tmp_path):
    write(tmp_path, shop=SERVED.replace("swagger: '2.0'", "swagger: '1.2'"))
    with pytest.raises(RunnerError, match="shop.yaml"):
        discover(str(tmp_path))

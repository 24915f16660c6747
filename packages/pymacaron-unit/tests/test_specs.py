"""pymacaron_unit.runner.specs: which specs are fuzzed, and how they are prepared."""

import textwrap

import pytest

from pymacaron_unit.runner.errors import RunnerError
from pymacaron_unit.runner.specs import discover, operations, prepare, served_prefix

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


OPENAPI31 = """\
openapi: 3.1.0
info: {title: books, version: '1'}
servers:
  - url: 'https://books.example.com/{version}/api'
    variables: {version: {default: v2}}
security: [{jwt: []}]
paths:
  /books:
    x-openapi-router-controller: books.api
    get:
      operationId: list_books
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Book'}}}}
  /authors:
    get:
      operationId: books.api.list_authors
      security: []
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Author'}}}}
  /unbound:
    get:
      operationId: not_bound
      x-no-bind-server: true
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    jwt: {type: http, scheme: bearer}
  schemas:
    Book: {type: object, properties: {title: {type: string}}}
    Author: {type: object, properties: {name: {type: string}}}
"""
OPENAPI31_CLIENT = """\
openapi: 3.1.0
info: {title: other, version: '1'}
paths:
  /other:
    get:
      operationId: get_other
      x-no-bind-server: true
      x-bind-client: get_other
      responses:
        '200': {description: ok}
"""


def test_openapi3_specs_bound_by_operation_id_are_fuzzed(tmp_path):
    write(tmp_path, books=OPENAPI31, other=OPENAPI31_CLIENT)
    assert [name for name, _ in discover(str(tmp_path))] == ["books", "ping"]
    # a 3.1 spec is never merged with the Swagger 2.0 ping API: two runs, each at its own prefix
    (books, doc), (ping, ping_doc) = prepare(discover(str(tmp_path)), excludes=["/unbound"])
    assert (books, ping) == ("books", "ping")
    assert served_prefix(doc) == "/v2/api" and served_prefix(ping_doc) == ""
    assert "servers" not in doc  # the runner gives schemathesis the URL, prefix included
    ops = {(path, method): op for path, method, op in operations(doc)}
    assert set(ops) == {("/books", "get"), ("/authors", "get")}
    assert ops["/books", "get"]["security"] == [{"jwt": []}]  # pushed down from the top
    assert ops["/authors", "get"]["security"] == []  # an operation's own security wins
    assert set(doc["components"]["schemas"]) == {"Book", "Author"}


def test_openapi3_specs_merge_by_version_and_prefix(tmp_path):
    more = (OPENAPI31.replace("/books", "/shelves").replace("/authors", "/readers").replace("/unbound", "/x")
            .replace("Author", "Reader"))
    v30 = more.replace("3.1.0", "3.0.3").replace("/shelves", "/s30").replace("/readers", "/r30").replace("/x", "/y")
    elsewhere = more.replace("/{version}/api", "/v3").replace("/shelves", "/s3").replace("/readers", "/r3")
    write(tmp_path, a=OPENAPI31, b=more, c=v30, d=elsewhere.replace("/x", "/z"))
    prepared = prepare(discover(str(tmp_path)), excludes=["/unbound", "/x", "/y", "/z"])
    assert [(label, served_prefix(doc)) for label, doc in prepared] == [
        ("a+b", "/v2/api"), ("c", "/v2/api"), ("d", "/v3"), ("ping", "")]
    merged = prepared[0][1]
    assert set(merged["components"]["schemas"]) == {"Book", "Author", "Reader"}
    assert {path for path, _, _ in operations(merged)} == {"/books", "/authors", "/shelves", "/readers"}

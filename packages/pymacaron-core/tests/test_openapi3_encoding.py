"""OpenAPI 3.x features the shop fixture does not cover: multipart / form ``encoding`` per part,
``content`` parameters of non-JSON media types, and operation / path-item ``servers`` (served and
called), each over the real request path (Flask's test client, the in-process client, real HTTP)."""

import io
import os

import pytest
import yaml
from flask import Flask

from core_testing import serve
from pymacaron_core import ApiPool
from pymacaron_core.exceptions import SpecError

SPEC = """\
openapi: 3.1.0
info: {title: parts, version: '1'}
servers:
- url: http://parts.example.com/api
paths:
  /uploads:
    post:
      operationId: HANDLERS.upload
      x-bind-client: upload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [meta]
              properties:
                meta:
                  type: object
                  required: [title]
                  properties: {title: {type: string}, pages: {type: integer}}
                photo: {type: string, format: binary}
                scans: {type: array, items: {type: string, format: binary}}
                note: {type: string}
            encoding:
              meta: {contentType: application/json, headers: {X-Ignored: {schema: {type: string}}}}
              photo: {contentType: 'image/png, image/jpeg'}
              scans: {contentType: 'image/*'}
      responses:
        '200':
          description: what arrived
          content: {application/json: {schema: {type: object}}}
  /forms:
    post:
      operationId: HANDLERS.form
      x-bind-client: form
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                filter: {type: object, properties: {max: {type: integer}}, additionalProperties: false}
                name: {type: string}
            encoding:
              filter: {contentType: application/json}
      responses:
        '200':
          description: what arrived
          content: {application/json: {schema: {type: object}}}
  /search:
    get:
      operationId: HANDLERS.search
      x-bind-client: search
      parameters:
      - name: q
        in: query
        required: true
        content: {text/plain: {schema: {type: string, minLength: 2}}}
      - name: X-Tags
        in: header
        content: {text/csv: {schema: {type: string, pattern: '^[a-z,]+$'}}}
      - name: where
        in: query
        content: {application/json: {schema: {type: object}}}
      responses:
        '200':
          description: what arrived
          content: {application/json: {schema: {type: object}}}
  /legacy/{id}:
    servers:
    - url: /old
    get:
      operationId: HANDLERS.legacy
      x-bind-client: legacy
      parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: what arrived
          content: {application/json: {schema: {type: object}}}
  /status:
    get:
      operationId: HANDLERS.status
      x-bind-client: status
      servers:
      - url: 'http://{host}:{port}/{base}'
        variables:
          host: {default: 127.0.0.1}
          port: {default: 'PORT'}
          base: {default: v9}
      - url: https://other.example.com
      responses:
        '200':
          description: what arrived
          content: {application/json: {schema: {type: object}}}
"""

HANDLERS = """\
def upload(meta, photo=None, scans=None, note=None):
    return {"meta": meta, "photo": photo and [photo.filename, photo.content_type, len(photo)],
            "scans": scans and [s.content_type for s in scans], "note": note}


def form(filter=None, name=None):
    return {"filter": filter, "name": name}


def search(q, where=None, **headers):
    return {"q": q, "where": where, "tags": headers.get("X-Tags")}


def legacy(id):
    return {"id": id}


def status():
    return {"ok": True}
"""


@pytest.fixture
def module(tmp_path, monkeypatch):
    name = f"parts_handlers_{os.getpid()}"
    (tmp_path / f"{name}.py").write_text(HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def spec_text(module, version="3.1", port=8080):
    text = SPEC.replace("HANDLERS", module).replace("'PORT'", f"'{port}'")
    if version == "3.0":
        text = yaml.safe_dump(dict(yaml.safe_load(text), openapi="3.0.3"), sort_keys=False)
    return text


@pytest.fixture(params=["3.0", "3.1"])
def parts(request, module):
    app = Flask("parts")
    ApiPool.add("parts", yaml_str=spec_text(module, request.param), local=True)
    ApiPool.parts.spawn_api(app)
    return app.test_client()


# -- multipart / form encoding ------------------------------------------------------------------

def test_a_json_part_is_parsed_and_validated_against_its_schema(parts):
    data = {"meta": (io.BytesIO(b'{"title": "t", "pages": 3}'), None, "application/json"), "note": "hi"}
    r = parts.post("/api/uploads", data=data, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert r.json["meta"] == {"title": "t", "pages": 3} and r.json["note"] == "hi"
    r = parts.post("/api/uploads", data={"meta": '{"pages": "x"}'}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert {(e["location"], e["rule"]) for e in r.json["errors"]} == {("formData.meta.title", "required"),
                                                                      ("formData.meta.pages", "type")}


def test_a_json_part_sent_as_a_file_part_is_read_too(parts):
    data = {"meta": (io.BytesIO(b'{"title": "from a file"}'), "meta.json", "application/json")}
    r = parts.post("/api/uploads", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and r.json["meta"] == {"title": "from a file"}


def test_a_part_that_is_not_json_is_a_400_naming_the_part(parts):
    r = parts.post("/api/uploads", data={"meta": "{title: t"}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER"
    [error] = r.json["errors"]
    assert error["location"] == "formData.meta"
    assert "the part 'meta' is not JSON (its media type is application/json)" in error["message"]


def test_a_file_part_of_a_type_its_encoding_does_not_list_is_a_415_naming_the_part(parts):
    ok = {"meta": '{"title": "t"}', "photo": (io.BytesIO(b"\x89PNG"), "a.png", "image/png"),
          "scans": [(io.BytesIO(b"1"), "s1.tif", "image/tiff"), (io.BytesIO(b"2"), "s2.gif", "image/gif")]}
    r = parts.post("/api/uploads", data=ok, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert r.json["photo"] == ["a.png", "image/png", 4] and r.json["scans"] == ["image/tiff", "image/gif"]
    bad = {"meta": '{"title": "t"}', "photo": (io.BytesIO(b"GIF8"), "a.gif", "image/gif"),
           "scans": [(io.BytesIO(b"1"), "s1.txt", "text/plain")]}
    r = parts.post("/api/uploads", data=bad, content_type="multipart/form-data")
    assert r.status_code == 415 and r.json["error"] == "UNSUPPORTED_MEDIA_TYPE"
    assert {(e["location"], e["message"]) for e in r.json["errors"]} == {
        ("formData.photo", "the part 'photo' is of type 'image/gif': send one of image/png, image/jpeg"),
        ("formData.scans", "the part 'scans' is of type 'text/plain': send one of image/*")}


def test_a_json_field_of_a_form_encoded_body(parts):
    r = parts.post("/api/forms", data={"filter": '{"max": 3}', "name": "n"})
    assert r.status_code == 200 and r.json == {"filter": {"max": 3}, "name": "n"}
    r = parts.post("/api/forms", data={"filter": '{"min": 3}'})
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "formData.filter.min"


def test_the_client_sends_json_parts_and_files_in_their_encoded_types(parts):
    """A JSON part as application/json (multipart) or as the field's JSON text (form-encoded); a file given
    without a type as the first type its encoding lists; a type given is kept."""
    client = ApiPool.parts.client
    reply = client.upload(meta={"title": "c", "pages": 1}, photo=("p.png", b"xx"), scans=[("s", b"1", "image/gif")])
    assert reply == {"meta": {"title": "c", "pages": 1}, "photo": ["p.png", "image/png", 2],
                     "scans": ["image/gif"], "note": None}
    assert client.form(filter={"max": 2}) == {"filter": {"max": 2}, "name": None}


def test_over_http_the_client_sends_a_json_part(module):
    app = Flask("parts")
    ApiPool.add("parts", yaml_str=spec_text(module))
    ApiPool.parts.spawn_api(app)
    with serve(app) as port:
        ApiPool.add("parts_client", yaml_str=spec_text(module), host="127.0.0.1", port=port, client_base_path=True)
        reply = ApiPool.parts_client.client.upload(meta={"title": "http"}, photo=b"\x89PNG")
        assert reply["meta"] == {"title": "http"} and reply["photo"] == ["file", "image/png", 4]


# -- content parameters -------------------------------------------------------------------------

def test_text_content_parameters_arrive_as_the_raw_string_validated(parts):
    r = parts.get("/api/search?q=a%20b&where=%7B%22x%22%3A1%7D", headers={"X-Tags": "red,blue"})
    assert r.status_code == 200, r.json
    assert r.json == {"q": "a b", "where": {"x": 1}, "tags": "red,blue"}
    r = parts.get("/api/search?q=a", headers={"X-Tags": "Red!"})
    assert r.status_code == 400
    assert {(e["location"], e["rule"]) for e in r.json["errors"]} == {("query.q", "minLength"),
                                                                      ("header.X-Tags", "pattern")}


def test_the_client_sends_text_content_parameters_as_they_are(parts):
    reply = ApiPool.parts.client.search(q='"quoted" 1', where={"y": [1]}, **{"X-Tags": "a,b"})
    assert reply == {"q": '"quoted" 1', "where": {"y": [1]}, "tags": "a,b"}


def test_a_content_parameter_of_another_type_whose_schema_is_not_a_string_is_a_located_problem(module):
    text = spec_text(module).replace("text/csv: {schema: {type: string, pattern: '^[a-z,]+$'}}",
                                     "application/xml: {schema: {type: object}}")
    with pytest.raises(SpecError) as e:
        ApiPool.add("parts", yaml_str=text)
    [problem] = e.value.problems
    assert problem.line == text.splitlines().index("        content: {application/xml: {schema: {type: object}}}") + 1
    assert problem.where == "GET /search"
    assert "content of type 'application/xml'" in problem.message and "only JSON and text" in problem.message
    ApiPool.reset()
    ok = text.replace("application/xml: {schema: {type: object}}", "application/xml: {schema: {type: string}}")
    ApiPool.add("parts", yaml_str=ok)  # a string schema: the raw string


# -- operation and path-item servers ------------------------------------------------------------

def test_operations_with_their_own_servers_are_served_under_their_paths(parts):
    assert parts.get("/old/legacy/4").json == {"id": 4}  # the path item's server: /old
    assert parts.get("/api/legacy/4").status_code == 404
    assert parts.get("/v9/status").json == {"ok": True}  # the operation's first server, variables resolved
    assert parts.get("/api/status").status_code == 404
    assert ApiPool.parts.client.legacy(id=5) == {"id": 5}  # in-process: the served route
    assert ApiPool.parts.client.status() == {"ok": True}


def test_over_http_an_operation_with_its_own_server_is_called_at_that_url(module):
    app = Flask("parts")
    with serve(app) as port:
        ApiPool.add("parts", yaml_str=spec_text(module, port=port))
        ApiPool.parts.spawn_api(app)
        # the API's own host is not served here: only an operation called at its own server can answer
        ApiPool.add("parts_client", yaml_str=spec_text(module, port=port))
        assert ApiPool.parts_client.client.status() == {"ok": True}
        op = next(o for o in ApiPool.parts_client.operations if o.client_name == "status")
        assert (op.server_url, op.full_path) == (f"http://127.0.0.1:{port}", "/v9/status")


@pytest.mark.parametrize("servers,message", [
    ("[{url: 'http://[::1/x'}]", "cannot be parsed"),
    ("[{url: 'http://h:port/x'}]", "cannot be parsed"),
    ("[{url: '/{missing}/x'}]", "uses a variable that is not declared"),
])
def test_a_bad_operation_server_is_a_located_problem(module, servers, message):
    text = spec_text(module).replace("""      servers:
      - url: 'http://{host}:{port}/{base}'
        variables:
          host: {default: 127.0.0.1}
          port: {default: '8080'}
          base: {default: v9}
      - url: https://other.example.com
""", f"      servers: {servers}\n")
    assert servers in text
    with pytest.raises(SpecError) as e:
        ApiPool.add("parts", yaml_str=text)
    [problem] = e.value.problems
    assert problem.where == "GET /status servers[0]" and message in problem.message
    assert problem.line == text.splitlines().index(f"      servers: {servers}") + 1
    assert problem.fix


XML_SPEC = """\
openapi: 3.1.0
info: {title: books, version: '1'}
paths:
  /books:
    post:
      operationId: MODULE.add
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Book'}
          application/xml:
            schema: {$ref: '#/components/schemas/Book'}
          text/csv:
            schema: {type: string, pattern: '^[a-z,]+$'}
      responses:
        '200': {description: what arrived, content: {application/json: {schema: {type: object}}}}
components:
  schemas:
    Book:
      type: object
      required: [title]
      properties: {title: {type: string}}
      xml: {name: book}
"""


def test_an_xml_body_described_as_an_object_is_refused_with_a_415_saying_why(tmp_path, monkeypatch):
    """pymacaron reads only JSON and form bodies as structures: an XML body cannot be checked against an object
    schema, so it is refused (never handed over unchecked), while the operation's JSON and text types work."""
    name = f"xml_handlers_{os.getpid()}"
    (tmp_path / f"{name}.py").write_text(
        "def add(body):\n    return {'kind': type(body).__name__, 'value': body if isinstance(body, str) else body.title}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ApiPool.add("books", yaml_str=XML_SPEC.replace("MODULE", name), local=True, strict=True)  # not a spec problem
    app = Flask("books")
    ApiPool.books.spawn_api(app)
    client = app.test_client()
    r = client.post("/books", data=b"<book><title>Dune</title></book>", content_type="application/xml")
    assert (r.status_code, r.json["error"]) == (415, "UNSUPPORTED_MEDIA_TYPE"), r.json
    said = r.json["error_description"]
    assert "'application/xml' cannot be checked against its schema" in said
    assert "send it as 'application/json' or 'text/csv'" in said
    r = client.post("/books", json={"title": "Dune"})  # JSON: parsed, checked, a model
    assert (r.status_code, r.json) == (200, {"kind": "Book", "value": "Dune"})
    assert client.post("/books", json={"name": "Dune"}).status_code == 400
    r = client.post("/books", data="a,b", content_type="text/csv")  # a string schema: the raw text, checked
    assert (r.status_code, r.json) == (200, {"kind": "str", "value": "a,b"})
    assert client.post("/books", data="A;B", content_type="text/csv").status_code == 400

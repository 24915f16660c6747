"""A handler returning None or (None, status): an empty response where the spec declares no content,
a BAD_RESPONSE where it declares a body (OpenAPI 3.0 / 3.1 and Swagger 2.0; a bare None on 2.0 stays
v1's 500)."""

import os

import pytest
import yaml
from flask import Flask

from pymacaron_core import ApiPool

SPEC_31 = """\
openapi: 3.1.0
info: {title: empty, version: '1'}
paths:
  /things/{how}:
    delete:
      operationId: HANDLERS.delete_thing
      parameters:
      - {name: how, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: deleted}
        '404':
          description: not found
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
  /ping:
    post:
      operationId: HANDLERS.ping
      responses:
        '200': {description: 'ok, no content'}
  /thing:
    get:
      operationId: HANDLERS.get_thing
      responses:
        '200':
          description: the thing
          content: {application/json: {schema: {type: object}}}
  /note:
    get:
      operationId: HANDLERS.get_note
      responses:
        '200':
          description: a note
          content: {text/plain: {schema: {type: string}}}
components:
  schemas:
    Error:
      type: object
      properties: {status: {type: integer}, error: {type: string}, error_description: {type: string}}
"""

SPEC_20 = """\
swagger: '2.0'
info: {title: empty, version: '1'}
produces: [application/json]
paths:
  /things/{how}:
    delete:
      x-bind-server: HANDLERS.delete_thing
      parameters:
      - {name: how, in: path, required: true, type: string}
      responses:
        '204': {description: deleted}
  /ping:
    post:
      x-bind-server: HANDLERS.ping
      responses:
        '200': {description: 'ok, no schema'}
  /thing:
    get:
      x-bind-server: HANDLERS.get_thing
      responses:
        '200':
          description: the thing
          schema: {type: object}
"""

HANDLERS = """\
def delete_thing(how):
    return {"tuple": (None, 204), "bare": None, "undeclared": (None, 202), "error": (None, 404),
            "flask": ("", 204), "flask-bytes": (b"", 204)}[how]


def ping():
    return None


def get_thing():
    return None


def get_note():
    return None
"""


def as_30(text):
    return yaml.safe_dump(dict(yaml.safe_load(text), openapi="3.0.3"), sort_keys=False)


@pytest.fixture
def serve_spec(tmp_path, monkeypatch):
    module = f"empty_handlers_{os.getpid()}"
    (tmp_path / f"{module}.py").write_text(HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))

    def serve(text, **spawn):
        app = Flask("empty")
        ApiPool.add("empty", yaml_str=text.replace("HANDLERS", module))
        ApiPool.empty.spawn_api(app, **spawn)
        return app.test_client()

    return serve


@pytest.mark.parametrize("text", [SPEC_31, as_30(SPEC_31)], ids=["3.1", "3.0"])
def test_none_for_a_response_without_content_is_an_empty_response(serve_spec, text):
    web = serve_spec(text)
    for how in ("tuple", "bare"):
        r = web.delete(f"/things/{how}")
        assert (r.status_code, r.data, r.headers.get("Content-Type")) == (204, b"", None), r.data
    r = web.post("/ping")  # a 200 that declares no content
    assert (r.status_code, r.data) == (200, b"")


@pytest.mark.parametrize("text", [SPEC_31, as_30(SPEC_31)], ids=["3.1", "3.0"])
def test_none_where_the_response_declares_a_body_is_a_bad_response(serve_spec, text):
    web = serve_spec(text)
    r = web.get("/thing")
    assert r.status_code == 500 and r.json["error"] == "BAD_RESPONSE"
    assert "returned None, but the spec declares application/json for status 200" in r.json["error_description"]
    r = web.get("/note")
    assert r.status_code == 500 and "declares text/plain for status 200" in r.json["error_description"]
    r = web.delete("/things/error")
    assert r.status_code == 500 and "for status 404" in r.json["error_description"]
    r = web.delete("/things/undeclared")
    assert r.status_code == 500 and r.json["error"] == "BAD_RESPONSE"
    assert "returned None with status 202, but the spec declares only the statuses 204, 404" \
        in r.json["error_description"]


def test_responses_unchecked_an_undeclared_status_may_be_empty(serve_spec):
    web = serve_spec(SPEC_31, validate_responses=False)
    r = web.delete("/things/undeclared")
    assert (r.status_code, r.data) == (202, b"")


@pytest.mark.parametrize("text", [SPEC_31, as_30(SPEC_31), SPEC_20], ids=["3.1", "3.0", "2.0"])
def test_an_empty_string_with_204_is_an_empty_response_without_content_type(serve_spec, text):
    """Flask's ``return "", 204`` idiom: no content, so no Content-Type (it was sent as text/html)."""
    web = serve_spec(text)
    for how in ("flask", "flask-bytes"):
        r = web.delete(f"/things/{how}")
        assert (r.status_code, r.data, r.headers.get("Content-Type")) == (204, b"", None)


def test_swagger_2_an_explicit_none_tuple_is_empty_and_a_bare_none_is_v1s_500(serve_spec):
    web = serve_spec(SPEC_20)
    r = web.delete("/things/tuple")
    assert (r.status_code, r.data) == (204, b"")
    r = web.delete("/things/bare")
    assert r.status_code == 500 and r.json["error_description"] == "Have nothing to send in response"
    r = web.post("/ping")
    assert r.status_code == 500 and r.json["error_description"] == "Have nothing to send in response"
    r = web.get("/thing")
    assert r.status_code == 500 and r.json["error_description"] == "Have nothing to send in response"

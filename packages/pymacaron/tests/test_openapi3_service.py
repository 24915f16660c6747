"""A pymacaron service whose spec is OpenAPI 3.0 or 3.1: JWT for http bearer, oauth2 and openIdConnect
schemes (scopes checked), pymacaron's Error model for 3.x references to it, models importable from
pymacaron.models, and a Swagger 2.0 spec converted by ``pymacaron convert`` serving the same answers."""

import pytest
from pym_testing import DEFAULT_HANDLERS, DEFAULT_SPEC
from test_spec_security import bearer

from pymacaron_core.spec.convert import convert, to_yaml
from pymacaron_core.spec.yamlfile import load_yaml

SPEC = """\
openapi: 3.1.0
info: {title: notes, version: 1.0.0}
servers: [{url: 'http://localhost/v1'}]
paths:
  /notes/{note_id}:
    parameters:
      - {name: note_id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: get_note
      x-openapi-router-controller: HANDLERS
      security: [{jwt: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}}
        default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
    put:
      operationId: HANDLERS.put_note
      security: [{oidc: ['notes:write']}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}}
        default: {description: error, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
components:
  securitySchemes:
    jwt: {type: http, scheme: bearer, bearerFormat: JWT}
    oidc: {type: openIdConnect, openIdConnectUrl: 'https://auth.example.com/.well-known/openid-configuration'}
  schemas:
    Note:
      type: object
      required: [text]
      properties:
        text: {type: string, minLength: 1}
        by: {type: [string, 'null']}
"""

HANDLERS = """\
from pymacaron.auth import get_userid
from pymacaron.models import Note


def get_note(note_id):
    if note_id == 404:
        from pymacaron.exceptions import PyMacaronException

        raise PyMacaronException("no such note")
    return Note(text=f"note {note_id}", by=get_userid())


def put_note(note_id, body):
    assert isinstance(body, Note)
    body.by = get_userid()
    return body
"""


def test_http_bearer_is_a_jwt_and_open_id_connect_scopes_are_checked(service):
    app = service(spec=SPEC, handlers=HANDLERS, name="notes")
    web = app.test_client()
    r = web.get("/v1/notes/3")
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING"
    r = web.get("/v1/notes/3", headers=bearer("alice"))
    assert r.status_code == 200 and r.json == {"text": "note 3", "by": "alice"}
    r = web.put("/v1/notes/3", json={"text": "hi"}, headers=bearer("bob"))
    assert r.status_code == 403 and r.json["error"] == "INSUFFICIENT_SCOPE"
    r = web.put("/v1/notes/3", json={"text": "hi"}, headers=bearer("bob", scope="notes:write"))
    assert r.status_code == 200 and r.json == {"text": "hi", "by": "bob"}
    r = web.put("/v1/notes/3", json={"text": ""}, headers=bearer("bob", scope="notes:write"))
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER"


def test_errors_are_pymacaron_error_json(service):
    app = service(spec=SPEC, handlers=HANDLERS, name="notes")
    r = app.test_client().get("/v1/notes/404", headers=bearer("alice"))
    assert r.status_code == 500 and set(r.json) >= {"status", "error", "error_description", "error_id"}


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_a_converted_spec_serves_the_same_answers(service, version):
    data, _ = load_yaml(DEFAULT_SPEC, "testsvc.yaml")
    app = service(spec=to_yaml(convert(data, to=version)[0]), handlers=DEFAULT_HANDLERS)
    web = app.test_client()
    r = web.get("/hello?name=ann")
    assert r.status_code == 200 and r.json == {"message": "hello ann"}
    r = web.get("/hello/auth", headers=bearer("zoe"))
    assert r.status_code == 200 and r.json == {"message": "hello world from zoe"}
    assert web.get("/hello/auth").status_code == 401


OWN_ERROR_SPEC = """\
openapi: 3.1.0
info: {title: shapes, version: 1.0.0}
paths:
  /shapes/{n}:
    get:
      operationId: HANDLERS.get_shape
      parameters:
        - {name: n, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Ok'}}}}
        '404': {description: none, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
components:
  schemas:
    Ok:
      type: object
      required: [sides]
      properties: {sides: {type: integer}}
    Error:
      type: object
      required: [code, message]
      properties: {code: {type: integer}, message: {type: string}}
"""

OWN_ERROR_HANDLERS = """\
from pymacaron.models import Error, Ok


def get_shape(n):
    if n == 0:
        return Error(code=404, message="no shape"), 404
    if n < 0:
        raise ValueError("negative")
    return Ok(sides=n)
"""


def test_a_spec_may_define_its_own_error_and_ok(service):
    """Per-API model scope: a spec defining Error and Ok unlike pymacaron's built-in APIs is served;
    ``from pymacaron.models import Error, Ok`` gives the spec's classes, /ping still answers
    pymacaron's Ok, and errors the framework answers (validation, a crash) keep pymacaron's Error JSON
    (the default error_callback)."""
    from pymacaron_core import ApiPool, get_model

    app = service(spec=OWN_ERROR_SPEC, handlers=OWN_ERROR_HANDLERS, name="shapes")
    web = app.test_client()
    assert get_model("Error") is ApiPool.shapes.model.Error is not ApiPool.ping.model.Error
    assert get_model("Ok") is ApiPool.shapes.model.Ok is not ApiPool.ping.model.Ok
    r = web.get("/shapes/4")
    assert r.status_code == 200 and r.json == {"sides": 4}
    r = web.get("/shapes/0")
    assert r.status_code == 404 and r.json == {"code": 404, "message": "no shape"}
    r = web.get("/ping")
    assert r.status_code == 200 and r.json == {}
    r = web.get("/shapes/x")
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER" and r.json["status"] == 400
    r = web.get("/shapes/-1")
    assert r.status_code == 500 and set(r.json) >= {"status", "error", "error_description", "error_id"}

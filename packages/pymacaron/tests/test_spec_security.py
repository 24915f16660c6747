"""The spec's ``security`` in a pymacaron service: JWT for bearer/oauth2 schemes (scopes checked), the
``security_verifiers`` hook of pym-config for the others, checked before the body is parsed; and
``requires_auth`` (x-decorate-server) checking before parsing too."""

import sys
import uuid

import pytest
from crash_testing import http_service  # noqa: F401
from pym_testing import DEFAULT_CONFIG

from pymacaron.auth import generate_token
from pymacaron_core import SpecError

SPEC = """\
swagger: '2.0'
info: {title: notes, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
consumes: [application/json]
securityDefinitions:
  jwt: {type: apiKey, in: header, name: Authorization}
  oauth:
    type: oauth2
    flow: implicit
    authorizationUrl: https://auth.example.com/authorize
    scopes: {'notes:read': read, 'notes:write': write}
  partner_key: {type: apiKey, in: header, name: X-Partner-Key}
paths:
  /me:
    get:
      x-bind-server: HANDLERS.whoami
      security: [{jwt: []}]
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Note'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /notes:
    post:
      x-bind-server: HANDLERS.create
      security: [{oauth: ['notes:write']}]
      parameters:
        - {in: body, name: body, required: true, schema: {$ref: '#/definitions/Note'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Note'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /partner:
    get:
      x-bind-server: HANDLERS.whoami
      security: [{partner_key: []}]
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Note'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /legacy:
    post:
      x-bind-server: HANDLERS.create
      x-decorate-server: pymacaron.auth.requires_auth
      parameters:
        - {in: body, name: body, required: true, schema: {$ref: '#/definitions/Note'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Note'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Note:
    type: object
    required: [text]
    properties:
      text: {type: string}
      by: {type: string}
"""

HANDLERS = """\
from pymacaron.auth import get_userid
from pymacaron.models import Note

CREATED = []


def whoami():
    return Note(text="me", by=get_userid())


def create(note):
    CREATED.append(note.text)
    note.by = get_userid()
    return note


def check_partner(key, scopes, scheme):
    return key == "partner-secret-key"
"""

VERIFIERS = "security_verifiers:\n  partner_key: HANDLERS.check_partner\n"


def start_notes(service, tmp_path, extra_config=VERIFIERS):
    """The notes service, with ``extra_config`` appended to pym-config.yaml (HANDLERS: the handlers module)."""
    module = f"notes_handlers_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(HANDLERS)
    config = DEFAULT_CONFIG + extra_config.replace("HANDLERS", module)
    return service(spec=SPEC.replace("HANDLERS", module), handlers="", config=config, name="notes"), module


def bearer(user="alice", **data):
    return {"Authorization": f"Bearer {generate_token(user, data=data or None)}"}


def test_a_bearer_scheme_is_a_jwt_checked_before_the_handler(service, tmp_path):
    app, _ = start_notes(service, tmp_path)
    web = app.test_client()
    r = web.get("/me")
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING" and r.json["error_id"]
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="notes"'
    r = web.get("/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401 and r.json["error"] == "TOKEN_INVALID"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="notes", error="invalid_token"'
    expired = generate_token("bob", iat=1, expire_in=1)
    assert web.get("/me", headers={"Authorization": f"Bearer {expired}"}).json["error"] == "TOKEN_EXPIRED"
    r = web.get("/me", headers=bearer("alice"))
    assert r.status_code == 200 and r.json == {"text": "me", "by": "alice"}


def test_oauth2_scopes_are_checked_against_the_scope_or_scopes_claim(service, tmp_path):
    app, module = start_notes(service, tmp_path)
    web = app.test_client()
    note = {"text": "hi"}
    assert web.post("/notes", json=note, headers=bearer("a", scope="notes:read notes:write")).json["by"] == "a"
    assert web.post("/notes", json=note, headers=bearer("b", scopes=["notes:write"])).json["by"] == "b"
    for token in (bearer("c", scope="notes:read"), bearer("d", scopes=["notes:read"]), bearer("e")):
        r = web.post("/notes", json={"nope": 1}, headers=token)
        assert r.status_code == 403 and r.json["error"] == "INSUFFICIENT_SCOPE", r.json
        assert r.json["error_description"] == ("the token lacks the scope(s) notes:write required by security "
                                               "scheme 'oauth'")
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="notes", error="insufficient_scope", scope="notes:write"'
    assert sys.modules[module].CREATED == ["hi", "hi"]


def test_an_unauthenticated_caller_learns_nothing_about_the_body(service, tmp_path):
    app, module = start_notes(service, tmp_path)
    web = app.test_client()
    for kwargs in ({"json": {"nope": 1}}, {"data": "{oops", "content_type": "application/json"},
                   {"data": "x", "content_type": "text/plain"}):
        for path in ("/notes", "/legacy"):
            r = web.post(path, **kwargs)
            assert r.status_code == 401, (path, r.json)
            assert "errors" not in r.json and "text" not in r.json["error_description"]
    assert sys.modules[module].CREATED == []


def test_requires_auth_checks_before_parsing_and_handlers_read_the_user(service, tmp_path):
    """x-decorate-server: pymacaron.auth.requires_auth keeps working, now before the body is validated."""
    app, _ = start_notes(service, tmp_path)
    web = app.test_client()
    r = web.post("/legacy", json={"nope": 1})
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING"
    r = web.post("/legacy", json={"nope": 1}, headers=bearer("zoe"))
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER"  # authenticated: now it is validated
    r = web.post("/legacy", json={"text": "yo"}, headers=bearer("zoe"))
    assert r.status_code == 200 and r.json == {"text": "yo", "by": "zoe"}


def test_security_verifiers_in_pym_config_verify_the_other_schemes(service, tmp_path):
    app, _ = start_notes(service, tmp_path)
    web = app.test_client()
    assert web.get("/partner").json["error"] == "AUTHENTICATION_REQUIRED"
    r = web.get("/partner", headers={"X-Partner-Key": "wrong"})
    assert r.status_code == 401 and r.json["error"] == "CREDENTIALS_INVALID"
    assert web.get("/partner", headers={"X-Partner-Key": "partner-secret-key"}).status_code == 200


def test_a_scheme_nothing_verifies_stops_start_up(service, tmp_path):
    with pytest.raises(SpecError) as e:
        start_notes(service, tmp_path, extra_config="")
    text = str(e.value)
    assert "apis/notes.yaml line 35, GET /partner: the operation requires the security scheme 'partner_key' (apiKey in " \
           "header 'X-Partner-Key', declared in " in text
    assert "fix: name a function verifying it in pym-config.yaml: 'security_verifiers: {partner_key: " \
           "mypackage.auth.check_partner_key}'" in text


def test_bearer_schemes_without_jwt_settings_stop_start_up(service, tmp_path):
    config = VERIFIERS + "jwt_audience: null\n"
    with pytest.raises(SpecError) as e:
        start_notes(service, tmp_path, extra_config=config)
    assert "GET /me: security scheme 'jwt' cannot be verified: it is checked as a JWT by pymacaron.auth, and " \
           "pym-config.yaml lacks jwt_audience" in str(e.value)


def test_a_verifier_that_does_not_import_stops_start_up(service, tmp_path):
    with pytest.raises(SpecError, match="the verifier 'HANDLERS.nope' of security scheme 'partner_key'".replace(
            "HANDLERS", "notes_handlers_[0-9a-f]+")):
        start_notes(service, tmp_path, extra_config="security_verifiers: {partner_key: HANDLERS.nope}\n")


def test_security_verifiers_must_be_dotted_paths(service, tmp_path):
    from pymacaron.config import ConfigError

    with pytest.raises(ConfigError, match="security_verifiers must map security scheme names to dotted function "
                                          "paths"):
        start_notes(service, tmp_path, extra_config="security_verifiers: [partner_key]\n")


ASYNC_HANDLERS = HANDLERS + '''

async def whoami_async():
    return {"text": "async me", "by": get_userid()}
'''


def test_over_http_security_media_types_and_async_handlers(http_service, tmp_path):  # noqa: F811
    """The same checks through a real HTTP server: challenges, 415 before parsing, an async def handler."""
    import requests

    module = f"notes_handlers_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(ASYNC_HANDLERS)
    spec = SPEC.replace("x-bind-server: HANDLERS.whoami\n      security: [{jwt: []}]",
                        "x-bind-server: HANDLERS.whoami_async\n      security: [{jwt: []}]")
    live = http_service(spec=spec.replace("HANDLERS", module), handlers="",
                        config=DEFAULT_CONFIG + VERIFIERS.replace("HANDLERS", module), name="notes")
    r = requests.get(live.url + "/me", timeout=10)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="notes"'
    r = requests.get(live.url + "/me", headers=bearer("ann"), timeout=10)
    assert r.status_code == 200 and r.json() == {"text": "async me", "by": "ann"}
    token = bearer("ann", scope="notes:write")
    r = requests.post(live.url + "/notes", data="text=hi", headers={**token, "Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 415 and r.json()["error"] == "UNSUPPORTED_MEDIA_TYPE"
    r = requests.post(live.url + "/notes", data="text=hi", timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401  # security first: nothing about the body's type either

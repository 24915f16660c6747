"""The spec's ``security``: enforced per operation, before the request is parsed, never failing open."""

import base64
import os
import sys

import pytest
from flask import Flask

from core_testing import FIXTURES, converted_spec
from pymacaron_core import ApiPool, SpecError
from pymacaron_core.server.security import Verifiers

sys.path.insert(0, os.path.join(FIXTURES, "secured"))
import secured_handlers  # noqa: E402

SECURED = os.path.join(FIXTURES, "secured", "secured.yaml")
VERIFIERS = Verifiers(kinds={"basic": secured_handlers.check_basic, "oauth2": secured_handlers.check_token},
                      schemes={"api_key": secured_handlers.check_api_key,
                               "query_key": "secured_handlers.check_api_key"})


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(params=["2.0", "3.0", "3.1"])
def web(request):
    """The secured API as written (Swagger 2.0), and converted to OpenAPI 3.0 and 3.1."""
    secured_handlers.CALLS.clear()
    app = Flask("secured")
    if request.param == "2.0":
        ApiPool.add("secured", yaml_path=SECURED)
    else:
        ApiPool.add("secured", yaml_str=converted_spec(SECURED, request.param))
    ApiPool.secured.spawn_api(app, verifiers=VERIFIERS)
    return app.test_client()


def test_the_global_requirement_applies_to_operations_without_their_own(web):
    r = web.get("/notes")
    assert r.status_code == 401 and r.json["error"] == "AUTHENTICATION_REQUIRED"
    assert r.json["error_description"] == "GET /notes requires authentication: api_key"
    assert "WWW-Authenticate" not in r.headers  # an API key has no standard challenge
    r = web.get("/notes", headers={"X-Api-Key": "wrong"})
    assert r.status_code == 401 and r.json["error"] == "CREDENTIALS_INVALID"
    r = web.get("/notes", headers={"X-Api-Key": "k-alice"})
    assert r.status_code == 200 and r.json == {"text": "hello", "by": "alice"}


def test_an_operation_security_replaces_the_global_one(web):
    assert web.get("/public").status_code == 200
    assert web.get("/anyone").status_code == 200
    assert web.get("/by-query").status_code == 401
    assert web.get("/by-query?key=k-alice").status_code == 200


def test_alternatives_are_ored_and_schemes_within_one_anded(web):
    note = {"text": "hi"}
    only_basic = web.post("/notes", json=note, headers={"Authorization": basic("bob", "secret")})
    assert only_basic.status_code == 401 and only_basic.json["error"] == "AUTHENTICATION_REQUIRED"
    both = web.post("/notes", json=note, headers={"Authorization": basic("bob", "secret"), "X-Api-Key": "k-alice"})
    assert both.status_code == 200 and both.json == note
    writer = web.post("/notes", json=note, headers={"Authorization": "Bearer t-write"})
    assert writer.status_code == 200
    assert ("bearer", "t-write", ("write:notes",)) in secured_handlers.CALLS


def test_missing_credentials_challenge_every_http_scheme(web):
    r = web.post("/notes", json={"text": "hi"})
    assert r.status_code == 401
    assert r.json["error_description"] == "POST /notes requires authentication: basic and api_key, or oauth (write:notes)"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="secured", Bearer realm="secured"'


def test_a_token_without_the_scope_is_a_403(web):
    r = web.post("/notes", json={"text": "hi"}, headers={"Authorization": "Bearer t-read"})
    assert r.status_code == 403 and r.json["error"] == "INSUFFICIENT_SCOPE"
    assert r.json["error_description"] == "the token lacks the scope(s) write:notes"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="secured", error="insufficient_scope", scope="write:notes"'


def test_invalid_credentials_are_a_401_with_a_challenge(web):
    r = web.post("/notes", json={"text": "hi"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json["error"] == "TOKEN_INVALID"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="secured", error="invalid_token"'
    r = web.post("/notes", json={"text": "hi"}, headers={"Authorization": "Basic !!!", "X-Api-Key": "k-alice"})
    assert r.status_code == 401 and r.json["error"] == "CREDENTIALS_INVALID"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="secured"'


def test_an_unauthenticated_caller_learns_nothing_about_the_body(web):
    """Security runs before the body is read: no 400 listing fields, no parse error, no model built."""
    for kwargs in ({"json": {"nope": 1}}, {"data": "{not json", "content_type": "application/json"},
                   {"data": "text", "content_type": "text/plain"}):
        r = web.post("/notes", **kwargs)
        assert r.status_code == 401, r.json
        assert "text" not in r.json["error_description"] and "errors" not in r.json
    assert secured_handlers.CALLS == []


def test_a_decorator_pre_parse_check_runs_before_the_body_is_parsed(web):
    r = web.post("/guarded", json={"nope": 1})
    assert r.status_code == 401 and r.json["error"] == "DENIED"
    r = web.post("/guarded", json={"text": "in"}, headers={"X-Let-Me-In": "yes"})
    assert r.status_code == 200 and r.json == {"text": "in"}
    assert ("guard wrapper",) in secured_handlers.CALLS  # the decorator still wraps the handler


def test_a_decorator_without_pre_parse_check_runs_after_validation_as_in_v1(web):
    r = web.post("/plain-guarded", json={"nope": 1})
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "body.text"


def test_a_required_scheme_without_verifier_stops_start_up():
    ApiPool.add("secured", yaml_path=SECURED)
    with pytest.raises(SpecError) as e:
        ApiPool.secured.spawn_api(Flask("t"), verifiers=Verifiers(schemes={"api_key": secured_handlers.check_api_key},
                                                                 fix="name a verifier in pym-config"))
    text = str(e.value)
    assert "secured.yaml line 25, POST /notes: the operation requires the security scheme 'basic' (http basic, " \
           "declared in " in text
    assert "but no verifier is registered for it: it would be served to anyone\n    fix: name a verifier" in text
    assert "scheme 'oauth' (oauth2" in text and "scheme 'query_key'" in text
    with pytest.raises(SpecError, match="GET /notes: the operation requires the security scheme 'api_key'"):
        ApiPool.add("secured", yaml_path=SECURED).spawn_api(Flask("t"))


def test_a_verifier_can_refuse_start_up():
    def unconfigured(credential, scopes, scheme):
        return True

    unconfigured.startup_problem = lambda scheme: "the verifier's settings are missing"
    ApiPool.add("secured", yaml_path=SECURED)
    verifiers = Verifiers(kinds={"apiKey": unconfigured, "basic": unconfigured, "oauth2": unconfigured})
    with pytest.raises(SpecError, match="security scheme 'api_key' cannot be verified: the verifier's settings"):
        ApiPool.secured.spawn_api(Flask("t"), verifiers=verifiers)


def test_an_undeclared_scheme_is_a_spec_error(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(open(SECURED).read().replace("      security: []\n      responses", "      security: [{nope: []}]\n"
                                                 "      responses", 1))
    with pytest.raises(SpecError, match=r"s.yaml line 36, GET /public: security requirement names the scheme "
                                        r"'nope', which is not declared \(declared: api_key, basic, oauth, query_key\)"):
        ApiPool.add("secured", yaml_path=str(spec))


def test_swagger2_bearer_idiom_an_api_key_in_authorization_is_a_bearer_token(tmp_path):
    spec = tmp_path / "b.yaml"
    spec.write_text(open(SECURED).read().replace("  api_key: {type: apiKey, in: header, name: X-Api-Key}",
                                                 "  api_key: {type: apiKey, in: header, name: Authorization}"))
    app = Flask("t")
    seen = []
    ApiPool.add("secured", yaml_path=str(spec)).spawn_api(app, verifiers=Verifiers(
        kinds={"bearer": lambda token, scopes, scheme: seen.append(token) or token == "good",
               "basic": secured_handlers.check_basic, "oauth2": secured_handlers.check_token},
        schemes={"query_key": secured_handlers.check_api_key}))
    web = app.test_client()
    assert web.get("/notes", headers={"Authorization": "Bearer good"}).status_code == 200
    r = web.get("/notes")
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="secured"'
    assert seen == ["good"]


def test_async_def_handlers_are_served(web):
    r = web.get("/async?text=hi")
    assert r.status_code == 200 and r.json == {"text": "HI"}


SCOPED_ALTERNATIVES = """\
openapi: 3.1.0
info: {title: scoped, version: '1'}
paths:
  /guilds:
    get:
      x-bind-server: secured_handlers.list_notes
      security: [{BotToken: []}, {OAuth2: [guilds]}]
      responses:
        '200': {description: ok}
components:
  securitySchemes:
    BotToken: {type: apiKey, in: header, name: Authorization}
    OAuth2:
      type: oauth2
      flows: {implicit: {authorizationUrl: 'https://example.com/auth', scopes: {guilds: read guilds}}}
"""


def test_an_alternative_that_makes_anothers_scopes_moot_is_warned_about(tmp_path, caplog):
    """BotToken (an apiKey in Authorization, checked as a bearer token by kind) or OAuth2 with a scope, both checked
    by the same verifier: a start-up warning says the scope is never needed (once for the operations sharing it;
    an error under strict); none once BotToken has its own verifier."""
    from pymacaron_core.spec import problems

    problems._warned.clear()
    spec = tmp_path / "scoped.yaml"
    spec.write_text(SCOPED_ALTERNATIVES)
    jwt = secured_handlers.check_token
    ApiPool.add("scoped", yaml_path=str(spec)).spawn_api(Flask("t"), verifiers=Verifiers(
        kinds={"bearer": jwt, "oauth2": jwt}))
    warned = [r.getMessage() for r in caplog.records if "needs no scope" in r.getMessage()]
    assert len(warned) == 1 and f"{spec} line 7, GET /guilds: warning: the alternative [BotToken] needs no scope " \
        "and its scheme (apiKey in header 'Authorization') is checked by the same verifier as 'OAuth2', so the " \
        "scopes 'guilds' of the alternative [OAuth2] are never needed" in warned[0], warned
    assert "fix: if 'BotToken' is another kind of credential, register a verifier under its name" in warned[0]
    with pytest.raises(SpecError, match="the alternative \\[BotToken\\] needs no scope"):
        ApiPool.add("scoped", yaml_path=str(spec), strict=True).spawn_api(Flask("t"), verifiers=Verifiers(
            kinds={"bearer": jwt, "oauth2": jwt}))

    caplog.clear()
    problems._warned.clear()
    two = tmp_path / "two.yaml"  # the same requirement on two operations: said once
    two.write_text(SCOPED_ALTERNATIVES.replace("  /guilds:\n", "  /guilds/mine:\n    get:\n"
                                               "      x-bind-server: secured_handlers.list_notes\n"
                                               "      security: [{BotToken: []}, {OAuth2: [guilds]}]\n"
                                               "      responses:\n        '200': {description: ok}\n"
                                               "  /guilds:\n"))
    ApiPool.add("scoped", yaml_path=str(two)).spawn_api(Flask("t"), verifiers=Verifiers(
        kinds={"bearer": jwt, "oauth2": jwt}))
    warned = [r.getMessage() for r in caplog.records if "needs no scope" in r.getMessage()]
    assert len(warned) == 1 and "are never needed: any token that verifier accepts passes (and in 1 more " \
        "operations)" in warned[0], warned

    caplog.clear()
    problems._warned.clear()
    for verifiers in (Verifiers(kinds={"bearer": jwt, "oauth2": jwt}, schemes={"BotToken": secured_handlers.check_api_key}),
                      Verifiers(kinds={"bearer": secured_handlers.check_api_key, "oauth2": jwt})):
        ApiPool.add("scoped", yaml_path=str(spec)).spawn_api(Flask("t"), verifiers=verifiers)
    spec.write_text(SCOPED_ALTERNATIVES.replace("{BotToken: []}", "{BotToken: [guilds]}"))
    ApiPool.add("scoped", yaml_path=str(spec)).spawn_api(Flask("t"), verifiers=Verifiers(
        kinds={"bearer": jwt, "oauth2": jwt}))
    assert not [r for r in caplog.records if "needs no scope" in r.getMessage()]

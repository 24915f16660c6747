"""pymacaron.auth: tokens, requires_auth over HTTP, attacks, helpers, add_auth between two services."""

import logging
import time
from urllib.parse import quote_plus

import jwt
import pytest
from auth_testing import (
    AUDIENCE,
    BACK_HANDLERS,
    BACK_SPEC,
    FRONT_HANDLERS,
    FRONT_SPEC,
    ISSUER,
    OTHER_SECRET,
    claims,
    forge,
    hmac_signed,
    rs256_config,
    rsa_keypair,
    serve,
    tamper,
    unsigned,
)
from pym_testing import DEFAULT_CONFIG, DEFAULT_HANDLERS, DEFAULT_SPEC, JWT_SECRET, make_service

from pymacaron import auth
from pymacaron.auth import (
    add_auth,
    authenticate_http_request,
    backend_token,
    generate_token,
    get_token_issuer,
    get_user_token,
    get_user_token_data,
    get_userid,
)
from pymacaron.config import get_config
from pymacaron.crash import flush_reports
from pymacaron.exceptions import AuthInvalidTokenError, AuthMissingHeaderError


def call(app, header=None, cookie=None, path="/hello/auth"):
    client = app.test_client()
    if cookie is not None:
        client.set_cookie("token", cookie)
    return client.get(path, headers={"Authorization": header} if header is not None else {})


def assert_401(r, code, message):
    assert r.status_code == 401, r.json
    assert (r.json["status"], r.json["error"], r.json["error_description"]) == (401, code, message)


# -- generate_token -----------------------------------------------------------

def test_generate_token_claims_and_default_lifetime(service):
    service()
    before = int(time.time())
    token = generate_token("alice", data={"role": "admin", "plan": 3})
    assert isinstance(token, str)
    payload = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert payload["sub"] == "alice" and payload["role"] == "admin" and payload["plan"] == 3
    assert before <= payload["iat"] <= int(time.time())
    assert payload["exp"] - payload["iat"] == 86400
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_generate_token_arguments(service):
    service()
    token = generate_token(42, expire_in=60, issuer="other.issuer", iat=1_000_000)
    payload = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE,
                         options={"verify_exp": False, "verify_iat": False})
    assert payload == {"iss": "other.issuer", "sub": "42", "aud": AUDIENCE, "iat": 1_000_000, "exp": 1_000_060}


def test_generate_token_rejects_bad_arguments(service):
    service()
    with pytest.raises(ValueError, match="needs a user_id"):
        generate_token("")
    with pytest.raises(ValueError, match="exp, sub are set by generate_token itself"):
        generate_token("alice", data={"sub": "admin", "exp": 1})


def test_generate_token_does_not_share_data_between_calls(service):
    service()
    data = {"a": 1}
    generate_token("alice", data=data)
    assert data == {"a": 1}
    assert "a" not in jwt.decode(generate_token("bob"), JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)


# -- requires_auth over HTTP: where the token comes from -------------------------

def test_valid_bearer_header(service):
    app = service()
    r = call(app, f"Bearer {generate_token('alice')}")
    assert r.status_code == 200 and r.json == {"message": "hello world from alice"}


def test_token_cookie_url_quoted(service):
    app = service()
    token = generate_token("carol")
    assert call(app, cookie=quote_plus(f"Bearer {token}")).json == {"message": "hello world from carol"}
    assert call(app, cookie=f"Bearer%20{token}").json == {"message": "hello world from carol"}


def test_header_wins_over_cookie(service):
    app = service()
    r = call(app, header="Basic abc", cookie=quote_plus(f"Bearer {generate_token('carol')}"))
    assert_401(r, "TOKEN_INVALID", "Authorization header must start with Bearer")


def test_cookie_must_hold_bearer(service):
    app = service()
    assert_401(call(app, cookie=generate_token("carol")), "TOKEN_INVALID", "'token' cookie must start with Bearer")


def test_an_unencoded_token_cookie_is_read(service):
    """'token=Bearer <jwt>' (a space, not %20): cookie parsers drop it, pymacaron reads it."""
    app = service()
    token = generate_token("carol")
    for cookie in (f"token=Bearer {token}", f"a=1; token=Bearer {token}; b=2"):
        r = app.test_client(use_cookies=False).get("/hello/auth", headers={"Cookie": cookie})
        assert r.status_code == 200 and r.json == {"message": "hello world from carol"}, cookie


POST_SPEC = DEFAULT_SPEC.replace("""definitions:""", """  /notes:
    post:
      x-bind-server: HANDLERS.do_note
      x-decorate-server: pymacaron.auth.requires_auth
      consumes: [application/json, text/plain, application/x-www-form-urlencoded]
      parameters:
        - {in: body, name: note, required: false, schema: {$ref: '#/definitions/Hello'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:""")
POST_HANDLERS = DEFAULT_HANDLERS + """

def do_note(note=None):
    return Hello(message="noted for " + get_userid())
"""


@pytest.mark.parametrize("headers, data, status", [
    ({"Content-Type": "application/json"}, '{"message": "m"}', 200),
    ({"Content-Type": "application/vnd.api+json"}, '{"message": "m"}', 200),
    ({"Content-Type": "text/plain"}, '{"message": "m"}', 403),  # what a form on another site can send
    ({"Content-Type": "application/x-www-form-urlencoded"}, "message=m", 403),
    ({}, "", 403),
    ({"Content-Type": "text/plain", "X-Requested-With": "XMLHttpRequest"}, '{"message": "m"}', 200),
])
def test_a_cookie_token_on_a_forgeable_request_is_refused(service, headers, data, status):
    """CSRF: a cookie token counts on a POST only with a JSON body or an X-Requested-With header."""
    app = service(spec=POST_SPEC, handlers=POST_HANDLERS)
    cookie = {"Cookie": "token=" + quote_plus(f"Bearer {generate_token('carol')}")}
    r = app.test_client(use_cookies=False).post("/notes", data=data, headers={**cookie, **headers})
    assert r.status_code == status, r.json
    if status == 403:
        assert r.json["error"] == "COOKIE_AUTH_REFUSED" and "X-Requested-With" in r.json["error_description"]
    else:
        assert r.json == {"message": "noted for carol"}
    # the same request with the token in the Authorization header: no browser sends that on its own
    r = app.test_client().post("/notes", data=data, headers={
        "Authorization": f"Bearer {generate_token('carol')}", **headers})
    assert r.status_code in (200, 400), r.json  # 400: a form body that is not a Hello


@pytest.mark.parametrize("overrides, message", [
    ({"sub": 42}, "the token's 'sub' claim (the user id) must be a string, got an integer"),
    ({"exp": "9999999999"}, "the token's 'exp' claim must be a number (seconds since 1970), got a string"),
    ({"exp": "soon"}, "the token's 'exp' claim must be a number (seconds since 1970), got a string"),
    ({"exp": True}, "the token's 'exp' claim must be a number (seconds since 1970), got a boolean"),
    ({"nbf": "now"}, "the token's 'nbf' claim must be a number (seconds since 1970), got a string"),
    ({"iat": [1]}, "the token's 'iat' claim must be a number (seconds since 1970), got a list"),
])
def test_claims_of_the_wrong_type_say_so(service, overrides, message):
    app = service()
    assert_401(call(app, f"Bearer {forge(claims(**overrides))}"), "TOKEN_INVALID", message)
    # with another key, the claims are not even read: nothing is said about them
    assert_401(call(app, f"Bearer {forge(claims(**overrides), key=OTHER_SECRET)}"), "TOKEN_INVALID",
               "token signature is invalid")


def test_no_token(service):
    app = service()
    r = call(app)
    assert_401(r, "AUTHORIZATION_HEADER_MISSING", "There is no Authorization header in the HTTP request")
    assert r.json["error_id"]


@pytest.mark.parametrize("header, code, message", [
    ("Bearer1234567890", "TOKEN_INVALID", "Authorization header must start with Bearer"),
    ("bearer foo bar", "TOKEN_INVALID", "Authorization header must be Bearer + \\s + token"),
    ("Bearer 1234567890", "TOKEN_INVALID", "token signature is invalid"),
    ("Basic abc", "TOKEN_INVALID", "Authorization header must start with Bearer"),
    ("Bearer", "TOKEN_INVALID", "Token not found in Authorization header"),
    ("", "AUTHORIZATION_HEADER_MISSING", "There is no Authorization header in the HTTP request"),
    ("Bearer a.b.c", "TOKEN_INVALID", "token signature is invalid"),
])
def test_malformed_headers(service, header, code, message):
    assert_401(call(service(), header), code, message)


def test_bearer_is_case_insensitive(service):
    app = service()
    assert call(app, f"bearer {generate_token('alice')}").status_code == 200


# -- attacks --------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_rejected(service, alg):
    assert_401(call(service(), f"Bearer {unsigned(claims(), alg)}"), "TOKEN_INVALID", "token signature is invalid")


def test_wrong_key(service):
    assert_401(call(service(), f"Bearer {forge(claims(), key=OTHER_SECRET)}"), "TOKEN_INVALID",
               "token signature is invalid")


def test_wrong_audience(service):
    assert_401(call(service(), f"Bearer {forge(claims(aud='someone-else'))}"), "TOKEN_INVALID", "incorrect audience")


def test_wrong_issuer(service):
    assert_401(call(service(), f"Bearer {forge(claims(iss='evil.example.com'))}"), "TOKEN_INVALID",
               "incorrect issuer")


def test_issuer_from_token_header_is_ignored(service):
    app = service()
    token = jwt.encode(claims(iss="evil.example.com"), JWT_SECRET, algorithm="HS256", headers={"iss": ISSUER})
    assert_401(call(app, f"Bearer {token}"), "TOKEN_INVALID", "incorrect issuer")


def test_expired(service):
    app = service()
    token = generate_token("alice", iat=int(time.time()) - 7200, expire_in=3600)
    assert_401(call(app, f"Bearer {token}"), "TOKEN_EXPIRED", "Auth token is expired")


def test_tampered_payload(service):
    app = service()
    token = tamper(generate_token("alice"), sub="admin")
    assert_401(call(app, f"Bearer {token}"), "TOKEN_INVALID", "token signature is invalid")


def test_rs256_token_on_hs256_service(service):
    private, _ = rsa_keypair()
    assert_401(call(service(), f"Bearer {forge(claims(), key=private, alg='RS256')}"), "TOKEN_INVALID",
               "token signature is invalid")


def test_hs256_signed_with_public_key_on_rs256_service(service, monkeypatch):
    private, public = rsa_keypair()
    monkeypatch.setenv("PYM_TEST_RSA_KEY", private)
    app = service(config=rs256_config(public, "PYM_TEST_RSA_KEY"))
    good = generate_token("alice")
    assert jwt.get_unverified_header(good)["alg"] == "RS256"
    assert call(app, f"Bearer {good}").json == {"message": "hello world from alice"}
    for key in (public.encode(), public.strip().encode()):
        assert_401(call(app, f"Bearer {hmac_signed(claims(), key)}"), "TOKEN_INVALID", "token signature is invalid")
    other_private, _ = rsa_keypair(1)
    assert_401(call(app, f"Bearer {forge(claims(), key=other_private, alg='RS256')}"), "TOKEN_INVALID",
               "token signature is invalid")


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "aud", "iss"])
def test_missing_required_claim(service, claim):
    r = call(service(), f"Bearer {forge(claims(**{claim: None}))}")
    assert_401(r, "TOKEN_INVALID", f"token lacks the '{claim}' claim")


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_token_from_the_future(service, claim):
    now = int(time.time())
    r = call(service(), f"Bearer {forge(claims(**{claim: now + 3600, 'exp': now + 7200}))}")
    assert_401(r, "TOKEN_INVALID", "token is not valid yet (its iat or nbf is in the future)")


def test_algorithms_pinned(service):
    app = service(config=DEFAULT_CONFIG + "jwt_algorithms: [HS512]\n")
    assert jwt.get_unverified_header(generate_token("alice"))["alg"] == "HS512"
    assert call(app, f"Bearer {generate_token('alice')}").status_code == 200
    assert_401(call(app, f"Bearer {forge(claims())}"), "TOKEN_INVALID", "token signature is invalid")


# -- leeway and trusted issuers ---------------------------------------------------

@pytest.mark.parametrize("extra, expired_ago, ok", [
    ("", 10, True), ("", 90, False),
    ("jwt_leeway: 0\n", 10, False), ("jwt_leeway: 300\n", 90, True),
])
def test_leeway(service, extra, expired_ago, ok):
    app = service(config=DEFAULT_CONFIG + extra)
    token = generate_token("alice", iat=int(time.time()) - 1000, expire_in=1000 - expired_ago)
    r = call(app, f"Bearer {token}")
    if ok:
        assert r.status_code == 200
    else:
        assert_401(r, "TOKEN_EXPIRED", "Auth token is expired")


def test_trusted_issuer(service):
    app = service(config=DEFAULT_CONFIG + "jwt_trusted_issuers: [partner.example.com]\n")
    token = generate_token("alice", issuer="partner.example.com")
    assert call(app, f"Bearer {token}").status_code == 200
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        authenticate_http_request()
        assert get_token_issuer() == "partner.example.com"


# -- configuration errors ---------------------------------------------------------

NO_JWT_CONFIG = "name: testsvc\nlive_host: testsvc.example.com\njwt_issuer: test.pymacaron.com\n"


def test_missing_jwt_settings_give_a_clear_500(service, caplog):
    caplog.set_level(logging.WARNING)
    app = service(config=NO_JWT_CONFIG)
    warnings = [m for m in caplog.messages if "requires_auth" in m]
    assert len(warnings) == 1 and ".do_hello uses pymacaron.auth.requires_auth, but pym-config.yaml lacks " \
        "jwt_secret, jwt_audience" in warnings[0]  # the user's endpoint; not pymacaron's own /auth/version
    r = call(app, "Bearer a.b.c")
    assert r.status_code == 500 and r.json["error"] == "AUTH_NOT_CONFIGURED"
    assert r.json["error_description"] == "JWT authentication is not configured: pym-config.yaml lacks " \
                                          "jwt_secret, jwt_audience"
    assert "Traceback" not in r.get_data(as_text=True)
    with pytest.raises(auth.AuthConfigError, match="lacks jwt_secret, jwt_audience"):
        generate_token("alice")


def test_no_warning_when_configured(service, caplog):
    caplog.set_level(logging.WARNING)
    service()
    assert not [m for m in caplog.messages if "requires_auth" in m]


@pytest.mark.parametrize("algorithms, message", [
    ("[HS256, RS256]", "mixes HMAC (HS*) and public-key algorithms"),
    ("[none]", "'none' not supported ('none' is never accepted)"),
    ("[HS999]", "'HS999' not supported"),
])
def test_bad_jwt_algorithms(service, algorithms, message):
    app = service(config=DEFAULT_CONFIG + f"jwt_algorithms: {algorithms}\n")
    r = call(app, "Bearer a.b.c")
    assert r.status_code == 500 and r.json["error"] == "AUTH_NOT_CONFIGURED" and message in r.json["error_description"]


def test_bad_leeway(service):
    r = call(service(config=DEFAULT_CONFIG + "jwt_leeway: soon\n"), "Bearer a.b.c")
    assert r.status_code == 500 and "jwt_leeway in pym-config.yaml must be a number" in r.json["error_description"]


# -- helpers inside and outside a request -------------------------------------------

def test_helpers_outside_a_request(service):
    service()
    assert (get_userid(), get_user_token(), get_user_token_data()) == ("", "", {})
    assert get_token_issuer() == ISSUER
    with pytest.raises(RuntimeError, match="must be used while handling a request"):
        with backend_token():
            pass


def test_helpers_inside_a_request(service):
    app = service()
    token = generate_token("dave", data={"team": "blue"})
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        assert get_userid() == ""
        payload = authenticate_http_request()
        assert get_userid() == "dave" and get_user_token() == token
        assert get_user_token_data() is payload and payload["team"] == "blue" and payload["token"] == token
        assert get_token_issuer() == ISSUER


def test_explicit_token_argument_and_load_false(service):
    app = service()
    token = generate_token("erin")
    with app.test_request_context():
        with pytest.raises(AuthMissingHeaderError):
            authenticate_http_request()
        with pytest.raises(AuthInvalidTokenError, match="must start with Bearer"):
            authenticate_http_request(token)
        assert auth.load_auth_token(token, load=False)["sub"] == "erin" and get_userid() == ""
        assert authenticate_http_request(f"Bearer {token}")["sub"] == "erin" and get_userid() == "erin"


def test_backend_token_restores_the_previous_token(service):
    app = service(api_kwargs={"default_user_id": "svc-default"})
    token = generate_token("frank")
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        authenticate_http_request()
        with backend_token(data={"job": "sync"}) as backend:
            assert get_user_token() == backend != token
            claims_ = jwt.decode(backend, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)
            assert claims_["sub"] == "svc-default" and claims_["job"] == "sync"
        assert get_user_token() == token and get_userid() == "frank"
        with pytest.raises(KeyError):
            with backend_token(user_id="other"):
                other = jwt.decode(get_user_token(), JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)
                assert other["sub"] == "other"
                raise KeyError("boom")
        assert get_user_token() == token


def test_backend_token_without_a_user_token(service):
    app = service()
    assert get_config().default_user_id == "PYM_DEFAULT_USER_ID"
    with app.test_request_context():
        with backend_token():
            assert jwt.decode(get_user_token(), JWT_SECRET, algorithms=["HS256"],
                              audience=AUDIENCE)["sub"] == "PYM_DEFAULT_USER_ID"
        assert get_user_token() == ""


def test_add_auth_forwards_only_when_there_is_a_token(service):
    app = service()
    sent = []
    send = add_auth(lambda url, **kw: sent.append(kw.get("headers")))
    token = generate_token("gina")
    with app.test_request_context():
        send("/x", headers={"A": "1"})
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        authenticate_http_request()
        send("/x", headers={"A": "1"})
        send("/x", headers={"authorization": "Bearer explicit"})
    assert sent == [{"A": "1"}, {"A": "1", "Authorization": f"Bearer {token}"}, {"authorization": "Bearer explicit"}]


# -- two services: the caller's token travels through the generated client ------------

@pytest.fixture
def front_and_back(tmp_path, monkeypatch):
    (tmp_path / "back").mkdir()
    back = make_service(tmp_path / "back", monkeypatch, spec=BACK_SPEC.replace("HOSTPORT", "localhost"),
                        handlers=BACK_HANDLERS, name="back")
    with serve(back) as port:
        (tmp_path / "front" / "apis").mkdir(parents=True)
        (tmp_path / "front" / "apis" / "back.yaml").write_text(BACK_SPEC.replace("HOSTPORT", f"127.0.0.1:{port}"))
        front = make_service(tmp_path / "front", monkeypatch, spec=FRONT_SPEC, handlers=FRONT_HANDLERS,
                             name="front", serve=["front"])
        yield front


def test_add_auth_between_two_services(front_and_back, caplog):
    caplog.set_level(logging.DEBUG)
    client = front_and_back.test_client()
    token = generate_token("alice")
    r = client.get("/front", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json == {"message": f"back sees alice (issuer {ISSUER})"}
    r = client.get("/front/anon")
    assert r.json == {"message": "back refused: AUTHORIZATION_HEADER_MISSING"}
    r = client.get("/front?mode=backend", headers={"Authorization": f"Bearer {token}"})
    assert r.json == {"message": f"back sees backend-svc (issuer {ISSUER})"}
    r = client.get("/front", headers={"Authorization": f"Bearer {tamper(token, sub='admin')}"})
    assert r.status_code == 401
    logged = caplog.text + "".join(str(rec.args) for rec in caplog.records)
    for secret in (token, token.split(".")[2], JWT_SECRET, JWT_SECRET[:8]):
        assert secret not in logged


def test_tokens_and_secrets_never_logged(service, caplog):
    caplog.set_level(logging.DEBUG)
    app = service(config=NO_JWT_CONFIG)
    assert call(app, "Bearer a.b.c").status_code == 500  # not configured yet: a FATAL report is sent
    get_config().jwt_secret = JWT_SECRET  # set at runtime: still known as a secret
    get_config().jwt_audience = AUDIENCE
    good, expired = generate_token("alice"), generate_token("bob", iat=1, expire_in=1)
    for header in (f"Bearer {good}", f"Bearer {expired}", f"Bearer {tamper(good, sub='x')}", f"bearer {good} x"):
        call(app, header)
    call(app, cookie=quote_plus(f"Bearer {good}"))
    flush_reports()
    logged = caplog.text + "".join(str(rec.args) for rec in caplog.records)
    assert "Error reply: 401" in logged and "AUTH_NOT_CONFIGURED" in logged  # errors and the report were logged
    for secret in (good, expired, good.split(".")[1], good.split(".")[2], JWT_SECRET, JWT_SECRET[:8]):
        assert secret not in logged

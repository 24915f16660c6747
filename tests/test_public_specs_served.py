"""Real, public OpenAPI 3.0 and 3.1 descriptions that nobody here wrote, served by pymacaron with
handlers of our own, called over real HTTP, then fuzzed by schemathesis.

The specs are in packages/pymacaron-core/tests/fixtures/public_specs (their README says where each
comes from, at which commit, under which licence) and are never edited; an excerpt (Discord's)
selects whole objects of the original document and changes none of them. They bind no handler
(no ``x-bind-server``, plain operationIds, some with hyphens or spaces), so each test serves an
*overlay*: the spec loaded, ``x-openapi-router-controller: publicspecs.<module>`` added to every
path item (connexion's documented rule, which pymacaron-core follows: controller + '.' +
operationId, looked up with getattr), and, for an operation without operationId, an
``x-bind-server``; that copy is written to the service's ``apis/`` folder in tmp_path. Nothing
else of the spec changes.

Each spec gets one real service (``python server.py --port <free port>`` from
tests/fixtures/public_specs_service, copied to tmp_path, with a JWT config), started once per
module, on 127.0.0.1, stopped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import ExampleServer, example_env, new_secret  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "packages" / "pymacaron-core" / "tests" / "fixtures" / "public_specs"
SERVICE = Path(__file__).resolve().parent / "fixtures" / "public_specs_service"
ISSUER, AUDIENCE = "public-specs.example.com", "public-specs-clients"
FUZZ_EXAMPLES = 15
FUZZ_TIMEOUT = 240

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def overlay(spec_file: str, controller: str, bind_missing: dict | None = None) -> dict:
    """The spec, with ``x-openapi-router-controller`` on each path item and ``x-bind-server`` on the
    operations ``bind_missing`` names (``{(path, method): dotted}``, for operations without operationId)."""
    doc = yaml.safe_load((PUBLIC / spec_file).read_text(encoding="utf-8"))
    for path, item in doc.get("paths", {}).items():
        item["x-openapi-router-controller"] = controller
        for method in METHODS:
            dotted = (bind_missing or {}).get((path, method))
            if dotted and method in item:
                item[method]["x-bind-server"] = dotted
    return doc


def make_service(folder: Path, name: str, doc: dict, verifiers: dict | None = None) -> Path:
    shutil.copytree(SERVICE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "apis").mkdir()
    (folder / "apis" / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    config = {"name": name, "live_url": "https://public-specs.example.com", "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_secret": "PYM_JWT_SECRET",
              "env_secrets": ["PYM_JWT_SECRET"]}
    if verifiers:
        config["security_verifiers"] = verifiers
    (folder / "pym-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def token(secret: str, scopes=()) -> str:
    claims = {"sub": "player", "iss": ISSUER, "aud": AUDIENCE, "iat": int(time.time()),
              "exp": int(time.time()) + 3600}
    if scopes:
        claims["scope"] = " ".join(scopes)
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(secret: str, *scopes) -> dict:
    return {"Authorization": f"Bearer {token(secret, scopes)}"}


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    servers = []

    def start(name, doc, verifiers=None, script="server.py"):
        folder = make_service(tmp_path_factory.mktemp(name) / "service", name, doc, verifiers)
        server = ExampleServer(folder.parent / "server.log", secret=new_secret(), folder=folder)
        server.command[1] = script
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def petstore(serve):
    # It defines an Error schema of its own ({code, message}), which pymacaron's built-in ping API defines
    # differently: each API uses its own, and the service's error_callback answers in the spec's shape.
    return serve("petstore_expanded", overlay("oai-petstore-expanded-3.0.yaml", "publicspecs.petstore_expanded"))


@pytest.fixture(scope="module")
def users(serve):
    doc = overlay("oai-non-oauth-scopes-3.1.yaml", "publicspecs.users",
                  bind_missing={("/users", "get"): "publicspecs.users.get_users"})
    return serve("users", doc)


GALAXY_VERIFIERS = {"bearerAuth": "publicspecs.galaxy.no_opaque_bearer", "basicAuth": "publicspecs.galaxy.check_basic",
                    "apiKeyHeader": "publicspecs.galaxy.check_api_key", "apiKeyQuery": "publicspecs.galaxy.check_api_key",
                    "apiKeyCookie": "publicspecs.galaxy.check_api_key"}


@pytest.fixture(scope="module")
def galaxy(serve):
    # oAuth2 and openIdConnect tokens are JWTs checked by pymacaron; the other schemes by verifiers of ours
    return serve("galaxy", overlay("scalar-galaxy-3.1.yaml", "publicspecs.galaxy"), verifiers=GALAXY_VERIFIERS)


def test_petstore_expanded_allof_responses(petstore):
    """OAI petstore-expanded (3.0): a Pet response is an ``allOf`` of NewPet and {id}; operationIds
    are plain names (one with spaces) bound through the controller; the served prefix is the path of
    ``servers[0]`` (/v2); errors (an unknown pet, a body without name) are the spec's ``default`` Error
    (``{code, message}``, through the service's ``error_callback``)."""
    url = petstore.url + "/v2/pets"
    r = requests.post(url, json={"name": "Rex", "tag": "dog"}, timeout=10)
    assert r.status_code == 200, r.text
    rex = r.json()
    assert rex == {"id": rex["id"], "name": "Rex", "tag": "dog"}
    requests.post(url, json={"name": "Tom", "tag": "cat"}, timeout=10).raise_for_status()
    assert [p["name"] for p in requests.get(url, params={"tags": "dog"}, timeout=10).json()] == ["Rex"]
    assert len(requests.get(url, params={"limit": 1}, timeout=10).json()) == 1
    assert requests.get(f"{url}/{rex['id']}", timeout=10).json() == rex
    r = requests.post(url, json={"tag": "nameless"}, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == 400 and "body.name" in r.json()["message"]
    assert requests.get(f"{url}/abc", timeout=10).status_code in (400, 404)
    assert requests.delete(f"{url}/{rex['id']}", timeout=10).status_code == 204
    r = requests.get(f"{url}/{rex['id']}", timeout=10)
    assert r.status_code == 404 and r.json() == {"code": 404, "message": f"no pet {rex['id']}"}


def test_non_oauth_scopes_bearer(users):
    """OAI 'non-oauth-scopes' (3.1): an http bearer scheme with scopes that no oauth2 flow declares:
    a token must grant both ``read:users`` and ``public``."""
    secret, url = users.secret, users.url + "/users"
    assert requests.get(url, timeout=10).status_code == 401
    r = requests.get(url, headers=bearer(secret, "read:users"), timeout=10)
    assert r.status_code == 403 and "public" in r.json()["error_description"]
    r = requests.get(url, headers=bearer(secret, "read:users", "public"), timeout=10)
    assert r.status_code == 200 and r.json() == {"users": ["ada", "alan"]}, r.text


def test_galaxy_oauth2_scopes(galaxy):
    """Scalar Galaxy (3.1): an oauth2 scheme with four flows declaring read:account, write:planets and
    read:planets. GET /me opens to basic, oAuth2 with read:account, bearerAuth (opaque tokens: none is
    valid here), or an API key in a header or the query. No credentials: 401 with a challenge per
    scheme; a JWT without read:account: 403 INSUFFICIENT_SCOPE naming it; with it: 200. The API key and
    HTTP basic alternatives open it too, wrong ones do not."""
    secret, url = galaxy.secret, galaxy.url + "/me"
    r = requests.get(url, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "AUTHENTICATION_REQUIRED", r.text
    assert r.headers["WWW-Authenticate"] == 'Basic realm="galaxy", Bearer realm="galaxy"'
    r = requests.get(url, headers=bearer(secret, "read:planets"), timeout=10)
    assert r.status_code == 403 and r.json()["error"] == "INSUFFICIENT_SCOPE", r.text
    assert "read:account" in r.json()["error_description"]
    assert 'scope="read:account"' in r.headers["WWW-Authenticate"]
    r = requests.get(url, headers=bearer(secret, "read:account"), timeout=10)
    assert r.status_code == 200 and r.json() == {"id": 1, "name": "Marc"}, r.text
    key = "galaxy-test-key"
    assert requests.get(url, headers={"X-API-Key": key}, timeout=10).status_code == 200
    assert requests.get(url, params={"api_key": key}, timeout=10).status_code == 200
    assert requests.get(url, params={"api_key": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, auth=("marc@scalar.com", "i-love-scalar"), timeout=10).status_code == 200
    assert requests.get(url, auth=("marc@scalar.com", "wrong"), timeout=10).status_code == 401
    r = requests.get(url, headers={"Authorization": "Bearer not-a-jwt"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "TOKEN_INVALID", r.text


def test_galaxy_planets(galaxy):
    """Scalar Galaxy (3.1): the spec's global security (seven alternatives, an API key cookie among them)
    guards POST /planets; GET /planets is public (``security: [{}]``) and answers an ``allOf`` of
    {data} and a PaginatedResource; a 3.1 ``type: [string, 'null']`` property takes null; a planet
    whose habitabilityIndex breaks its maximum is a 400 naming the field; an unknown planet is the
    spec's 404 NotFoundError."""
    url = galaxy.url + "/planets"
    mars = {"name": "Mars", "type": "terrestrial", "description": None, "habitabilityIndex": 0.68,
            "satellites": [{"name": "Phobos", "diameter": 22.2}]}
    assert requests.post(url, json=mars, timeout=10).status_code == 401
    r = requests.post(url, json=mars, cookies={"api_key": "galaxy-test-key"}, timeout=10)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created == {"id": created["id"], "name": "Mars", "type": "terrestrial", "habitabilityIndex": 0.68,
                       "satellites": [{"name": "Phobos", "diameter": 22.2}]}
    r = requests.post(url, json=dict(mars, habitabilityIndex=2), headers=bearer(galaxy.secret), timeout=10)
    assert r.status_code == 400 and "habitabilityIndex" in r.text, r.text
    r = requests.get(url, params={"limit": 1}, timeout=10)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["meta"]["limit"] == 1 and page["meta"]["total"] >= 1 and len(page["data"]) == 1
    assert requests.get(f"{url}/{created['id']}", timeout=10).json() == created
    r = requests.get(f"{url}/987654", timeout=10)
    assert r.status_code == 404 and r.json()["title"] == "Not Found", r.text


DISCORD = "/api/v10"  # the path of the excerpt's servers[0]
DISCORD_VERIFIERS = {"BotToken": "publicspecs.discord.check_bot_token"}
BOT = {"Authorization": "Bot discord-test-bot-token"}


@pytest.fixture(scope="module")
def discord(serve):
    # BotToken (an apiKey in the Authorization header) is a Discord bot token checked by a verifier of
    # ours; OAuth2 tokens are JWTs checked by pymacaron, scopes included
    return serve("discord", overlay("discord-excerpt-3.1.json", "publicspecs.discord"), verifiers=DISCORD_VERIFIERS)


def discord_error(r, status, *words):
    """The reply is the excerpt's ErrorResponse ({code, message, errors}) with ``status``, naming ``words``."""
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["code"], int) and isinstance(body["message"], str), body
    for word in words:
        assert word in body["message"] and any(word in field for field in body.get("errors", {})), body
    return body


def test_discord_const_branches_in_request_bodies(discord):
    """Discord's enums are ``oneOf`` lists of ``{title, const}`` branches. Each branch of
    StageInstancesPrivacyLevels (1, 2), GuildMFALevel (0, 1) and ChannelPermissionOverwrites (0, 1) is
    accepted and reaches the handler (it answers what it got); a value of no branch, or of another
    type, is a 400 in the spec's ErrorResponse naming the field; ``null`` is accepted where the spec
    adds a ``{"type": "null"}`` branch (create_stage_instance: the handler applies Discord's default,
    2) and refused where it does not (update_stage_instance, set_guild_mfa_level)."""
    url = discord.url + DISCORD
    stages = url + "/stage-instances"
    for channel, level, expected in (("101", 1, 1), ("102", 2, 2), ("103", None, 2)):
        r = requests.post(stages, json={"topic": "Town hall", "channel_id": channel, "privacy_level": level},
                          headers=BOT, timeout=10)
        assert r.status_code == 200 and r.json()["privacy_level"] == expected, r.text
        assert r.json()["channel_id"] == channel and r.json()["topic"] == "Town hall"
    r = requests.post(stages, json={"topic": "No level", "channel_id": "104"}, headers=BOT, timeout=10)
    assert r.status_code == 200 and r.json()["privacy_level"] == 2, r.text
    for wrong in (3, 0, "1", 1.5, True):
        r = requests.post(stages, json={"topic": "x", "channel_id": "105", "privacy_level": wrong}, headers=BOT,
                          timeout=10)
        discord_error(r, 400, "privacy_level")
    assert requests.get(stages + "/101", headers=BOT, timeout=10).json()["privacy_level"] == 1
    r = requests.patch(stages + "/101", json={"privacy_level": 2}, headers=BOT, timeout=10)
    assert r.status_code == 200 and r.json()["privacy_level"] == 2, r.text
    discord_error(requests.patch(stages + "/101", json={"privacy_level": None}, headers=BOT, timeout=10), 400,
                  "privacy_level")
    assert requests.delete(stages + "/101", headers=BOT, timeout=10).status_code == 204
    discord_error(requests.get(stages + "/101", headers=BOT, timeout=10), 404)

    mfa = url + "/guilds/81384788765712384/mfa"
    for level in (0, 1):
        r = requests.post(mfa, json={"level": level}, headers=BOT, timeout=10)
        assert r.status_code == 200 and r.json() == {"level": level}, r.text
    for body in ({"level": 2}, {"level": -1}, {"level": None}, {"level": "0"}, {}):
        discord_error(requests.post(mfa, json=body, headers=BOT, timeout=10), 400, "level")

    overwrite = url + "/channels/101/permissions/202"
    for kind in (0, 1, None):
        r = requests.put(overwrite, json={"type": kind, "allow": 1024, "deny": None}, headers=BOT, timeout=10)
        assert r.status_code == 204 and r.content == b"", r.text
    discord_error(requests.put(overwrite, json={"type": 2}, headers=BOT, timeout=10), 400, "type")
    assert requests.delete(overwrite, headers=BOT, timeout=10).status_code == 204


def test_discord_const_branches_in_a_query_parameter(discord):
    """get_guild_widget_png: the ``style`` query parameter is WidgetImageStyles, five string ``const``
    branches; each reaches the handler (its fake PNG ends with what it was asked for), another value is
    a 400 naming ``style``. The operation's security is ``[{}, {BotToken: []}]``: no credentials needed."""
    url = discord.url + DISCORD + "/guilds/81384788765712384/widget.png"
    for style in ("shield", "banner1", "banner2", "banner3", "banner4"):
        r = requests.get(url, params={"style": style}, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/png", r.text
        assert r.content == b"\x89PNG\r\n\x1a\n" + f"81384788765712384:{style}".encode()
    assert requests.get(url, timeout=10).content.endswith(b":shield")
    for wrong in ("banner5", "SHIELD", ""):
        discord_error(requests.get(url, params={"style": wrong}, timeout=10), 400, "style")


def test_discord_bot_token_and_oauth2_scopes(discord):
    """BotToken is an apiKey in the Authorization header, here checked as a Discord bot token by a
    verifier of ours ('Bot <token>'); OAuth2 is a JWT whose scopes pymacaron checks. A BotToken-only
    operation refuses no credentials, a wrong bot token and a JWT (401); PUT .../commands/{id}/permissions
    opens to BotToken or to OAuth2 with ``applications.commands.permissions.update``: a JWT without that
    scope is a 403 naming it, with it the handler gets the ApplicationCommandPermissionType branches."""
    stages = discord.url + DISCORD + "/stage-instances"
    body = {"topic": "Secured", "channel_id": "301"}
    for headers in ({}, {"Authorization": "Bot wrong-token"}, bearer(discord.secret)):
        discord_error(requests.post(stages, json=body, headers=headers, timeout=10), 401)
    assert requests.post(stages, json=body, headers=BOT, timeout=10).status_code == 200

    url = discord.url + DISCORD + "/applications/11/guilds/22/commands/33/permissions"
    grants = {"permissions": [{"id": "44", "type": 1, "permission": True}, {"id": "55", "type": 2, "permission": False},
                              {"id": "66", "type": 3, "permission": True}]}
    discord_error(requests.put(url, json=grants, timeout=10), 401)
    r = requests.put(url, json=grants, headers=bearer(discord.secret, "applications.commands.update"), timeout=10)
    body = discord_error(r, 403)
    assert "applications.commands.permissions.update" in body["message"]
    assert 'scope="applications.commands.permissions.update"' in r.headers["WWW-Authenticate"]
    for headers in (BOT, bearer(discord.secret, "applications.commands.permissions.update")):
        r = requests.put(url, json=grants, headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == {"id": "33", "application_id": "11", "guild_id": "22", "permissions": grants["permissions"]}
    assert requests.get(url, headers=BOT, timeout=10).json()["permissions"] == grants["permissions"]
    wrong = {"permissions": [{"id": "44", "type": 4, "permission": True}]}
    discord_error(requests.put(url, json=wrong, headers=BOT, timeout=10), 400, "type")


def test_discord_a_handler_answering_no_const_branch_is_a_500(discord):
    """Responses are validated too: set_guild_mfa_level's handler answers, for one guild, a level that
    is none of GuildMFALevel's branches (3); the client gets a 500 without it, and the service's log
    says the response broke the spec at response.level."""
    r = requests.post(discord.url + DISCORD + "/guilds/1000000000000000666/mfa", json={"level": 1}, headers=BOT,
                      timeout=10)
    assert r.status_code == 500 and "level" not in r.json(), r.text
    log = (discord.folder.parent / "server.log").read_text(encoding="utf-8")
    assert "the response does not match the spec: response.level: 3 is not one of: 0 (NONE), 1 (ELEVATED)" in log, \
        log[-3000:]


def fuzz(server, prefix: str = "", headers: dict | None = None) -> subprocess.CompletedProcess:
    """schemathesis (its CLI, in a subprocess) over the served spec (the overlay in ``apis/``) at
    ``server.url + prefix``, checking not_a_server_error and response_schema_conformance."""
    spec = next((server.folder / "apis").glob("*.yaml"))
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", str(spec), "--url", server.url + prefix,
           "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", str(FUZZ_EXAMPLES),
           "--seed", "12", "--phases", "examples,coverage,fuzzing", "--mode", "all", "--request-timeout", "20"]
    for key, value in (headers or {}).items():
        cmd += ["--header", f"{key}: {value}"]
    return subprocess.run(cmd, cwd=server.folder.parent, env=example_env(), capture_output=True, text=True,
                          timeout=FUZZ_TIMEOUT)


def test_fuzz_petstore_expanded(petstore):
    """schemathesis over petstore-expanded: no 5xx, no response breaking its schema."""
    result = fuzz(petstore, "/v2")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: 4" in result.stdout, result.stdout[-3000:]


def test_fuzz_non_oauth_scopes(users):
    """schemathesis over non-oauth-scopes, with a token granting its scopes: no 5xx, no response
    breaking its schema."""
    result = fuzz(users, headers=bearer(users.secret, "read:users", "public"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: 1" in result.stdout, result.stdout[-3000:]


def test_galaxy_signup_token_and_upload(galaxy):
    """Scalar Galaxy (3.1): POST /user/signup takes an inline ``allOf`` of User and Credentials (a
    writeOnly password, an email format: a malformed email is a 400 naming body.email) and answers
    the User; POST /auth/token answers the spec's Token for the right password and its 401 otherwise;
    POST /planets/{planetId}/image takes a multipart/form-data binary the handler gets as bytes with
    their type."""
    url = galaxy.url
    r = requests.post(url + "/user/signup", json={"name": "Ada", "email": "ada@example.com", "password": "pw-1234"},
                      timeout=10)
    assert r.status_code == 201 and r.json() == {"id": r.json()["id"], "name": "Ada"}, r.text
    r = requests.post(url + "/user/signup", json={"email": "not-an-email", "password": "x"}, timeout=10)
    assert r.status_code == 400 and r.json()["errors"][0]["location"] == "body.email", r.text
    r = requests.post(url + "/auth/token", json={"email": "ada@example.com", "password": "pw-1234"}, timeout=10)
    assert r.status_code == 201 and set(r.json()) == {"token"}, r.text
    r = requests.post(url + "/auth/token", json={"email": "ada@example.com", "password": "wrong"}, timeout=10)
    assert r.status_code == 401 and r.json()["title"] == "Unauthorized", r.text
    token = bearer(galaxy.secret)
    planet = requests.post(url + "/planets", json={"name": "Io"}, headers=token, timeout=10).json()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    r = requests.post(f"{url}/planets/{planet['id']}/image", files={"image": ("io.png", png, "image/png")},
                      headers=token, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Image uploaded successfully", "fileSize": len(png), "mimeType": "image/png"}


def test_fuzz_galaxy(galaxy):
    """schemathesis over Scalar Galaxy, with a JWT granting read:account (it opens every operation):
    no 5xx, no response breaking its schema."""
    result = fuzz(galaxy, headers=bearer(galaxy.secret, "read:account"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: 9" in result.stdout, result.stdout[-3000:]


def test_fuzz_discord(discord):
    """schemathesis over the Discord excerpt (ten operations), with a bot token (it opens every
    operation): no 5xx, no response breaking its schema (the 4XX ErrorResponse included)."""
    result = fuzz(discord, DISCORD, headers=BOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: 10" in result.stdout, result.stdout[-3000:]


def test_a_mutual_tls_scheme_stops_pymacaron_with_one_clear_problem(tmp_path):
    """OAI 'securitySchemes' (3.1) opens GET /pets to a client certificate (mutualTLS) or an OAuth2 token:
    PyMacaron never sees client certificates, so ``python server.py`` exits with a start-up message
    naming the spec, the line of the mutualTLS scheme and what to describe instead; the requirement
    naming that scheme is not also said to name an undeclared one."""
    folder = make_service(tmp_path / "service", "security_schemes",
                          overlay("oai-security-schemes-3.1.yaml", "publicspecs.security_schemes"))
    result = subprocess.run([sys.executable, "server.py", "--port", "0"], cwd=folder, capture_output=True,
                            text=True, timeout=90, env=example_env(PYM_JWT_SECRET=new_secret()))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "PyMacaron could not start:" in result.stderr
    assert ("apis/security_schemes.yaml line 45, components/securitySchemes/ClientCertificate: "
            "security scheme type 'mutualTLS' is not supported") in result.stderr, result.stderr
    assert "never sees the client certificate" in result.stderr
    assert "not declared" not in result.stderr, result.stderr


def test_a_spec_defining_its_own_error_model_is_served_next_to_pymacarons_own(petstore):
    """petstore-expanded defines Error as {code, message}; pymacaron's built-in ping API defines another
    Error and Ok. Both serve: the spec's handlers build the spec's Error (``from pymacaron.models
    import Error``, checked against the spec's 404 shape above), while /ping and /version answer
    pymacaron's own models, and a request the framework refuses gets the spec's Error shape through
    the service's error_callback."""
    assert requests.get(petstore.url + "/ping", timeout=10).json() == {}
    version = requests.get(petstore.url + "/version", timeout=10).json()
    assert set(version) >= {"name", "version", "container", "pym_env"} and version["name"] == "petstore_expanded"
    r = requests.get(petstore.url + "/v2/pets", params={"limit": "many"}, timeout=10)
    assert r.status_code == 400 and set(r.json()) == {"code", "message"} and r.json()["code"] == 400

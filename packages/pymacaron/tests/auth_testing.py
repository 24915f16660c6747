"""Helpers for test_auth.py: forged tokens, an RSA key pair, and serving an app on a real socket."""

import base64
import functools
import hashlib
import hmac
import json
import time
from contextlib import contextmanager

import jwt
from pymacaron_unit import LiveServer

from pym_testing import JWT_SECRET

ISSUER = "test.pymacaron.com"  # as in pym_testing.DEFAULT_CONFIG
AUDIENCE = "testaudience"
OTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256"


def b64url(data):
    if not isinstance(data, bytes):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def claims(**overrides):
    """Valid claims for user 'alice'; ``name=None`` drops a claim."""
    now = int(time.time())
    out = {"iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 3600}
    out.update(overrides)
    return {k: v for k, v in out.items() if v is not None}


def forge(payload, key=JWT_SECRET, alg="HS256"):
    """A token signed by PyJWT with any key and algorithm."""
    return jwt.encode(payload, key, algorithm=alg)


def unsigned(payload, alg="none"):
    """A token whose header says ``alg`` and which carries no signature."""
    return f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(payload)}."


def hmac_signed(payload, key_bytes, alg="HS256"):
    """An HS256 token signed by hand (PyJWT refuses PEM keys as HMAC secrets; an attacker would not)."""
    signing_input = f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(payload)}"
    sig = hmac.new(key_bytes, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


def tamper(token, **changes):
    """The same header and signature, with claims changed in the payload."""
    header, payload, sig = token.split(".")
    data = unb64url(payload)
    data.update(changes)
    return f"{header}.{b64url(data)}.{sig}"


@functools.lru_cache(maxsize=2)
def rsa_keypair(seed=0):
    """(private PEM, public PEM) of a fresh 2048-bit RSA key (one per seed, per test session)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def rs256_config(public_pem, secret_var):
    """A pym-config for a service verifying RS256 tokens with ``public_pem`` (private key in $secret_var)."""
    block = "".join(f"  {line}\n" for line in public_pem.strip().splitlines())
    return (f"name: testsvc\nlive_host: testsvc.example.com\njwt_issuer: {ISSUER}\njwt_audience: {AUDIENCE}\n"
            f"jwt_algorithms: [RS256]\njwt_secret: {secret_var}\nenv_secrets: [{secret_var}]\n"
            f"jwt_public_key: |\n{block}")


@contextmanager
def serve(app):
    """Serve a WSGI app on 127.0.0.1 (random port) in a thread; yields the port."""
    with LiveServer(app) as server:
        yield server.port


# -- two services: 'front' calls 'back' through its generated client (x-decorate-request: add_auth)

BACK_SPEC = """\
swagger: '2.0'
info: {title: back, version: 1.0.0}
host: HOSTPORT
schemes: [http]
produces: [application/json]
paths:
  /whoami:
    get:
      x-bind-server: HANDLERS.whoami
      x-bind-client: whoami
      x-decorate-server: pymacaron.auth.requires_auth
      x-decorate-request: pymacaron.auth.add_auth
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Hello:
    type: object
    required: [message]
    properties:
      message: {type: string}
"""

BACK_HANDLERS = """\
from pymacaron.auth import get_user_token_data, get_userid
from pymacaron.models import Hello


def whoami():
    return Hello(message="back sees %s (issuer %s)" % (get_userid(), get_user_token_data().get("iss")))
"""

FRONT_SPEC = """\
swagger: '2.0'
info: {title: front, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /front:
    get:
      x-bind-server: HANDLERS.front
      x-decorate-server: pymacaron.auth.requires_auth
      parameters:
        - {in: query, name: mode, type: string}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /front/anon:
    get:
      x-bind-server: HANDLERS.front
      parameters:
        - {in: query, name: mode, type: string}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Hello:
    type: object
    required: [message]
    properties:
      message: {type: string}
"""

FRONT_HANDLERS = """\
from pymacaron_core import ApiPool
from pymacaron.auth import backend_token, get_user_token
from pymacaron.models import Hello


def _ask_back():
    r = ApiPool.back.client.whoami()
    return r.message if hasattr(r, "message") else "back refused: %s" % r.error


def front(mode=None):
    if mode == "backend":
        before = get_user_token()
        with backend_token(user_id="backend-svc"):
            answer = _ask_back()
        assert get_user_token() == before
        return Hello(message=answer)
    return Hello(message=_ask_back())
"""

"""JWT authentication.

Endpoints opt in with ``x-decorate-server: pymacaron.auth.requires_auth``.
The token comes from ``Authorization: Bearer <jwt>`` or a ``token`` cookie
holding ``Bearer <jwt>``. Tokens are checked for signature (algorithms
pinned, ``jwt_algorithms``, default HS256, never ``none``), expiry, audience
and issuer (``jwt_issuer``; a token may also name an issuer listed in
``jwt_trusted_issuers``), with ``jwt_leeway`` seconds of clock skew.
Tokens are never logged.
"""

from __future__ import annotations

import functools
import logging
import time
from contextlib import contextmanager
from urllib.parse import unquote_plus

import jwt
from flask import has_request_context, request

from pymacaron.config import get_config
from pymacaron.exceptions import AuthInvalidTokenError, AuthMissingHeaderError, AuthTokenExpiredError

log = logging.getLogger(__name__)

_ENV_KEY = "pymacaron.current_user"
_FORBIDDEN_ALGORITHMS = {"none", ""}


def _settings():
    conf = get_config()
    secret, issuer, audience = conf.get("jwt_secret"), conf.get("jwt_issuer"), conf.get("jwt_audience")
    missing = [k for k, v in (("jwt_secret", secret), ("jwt_issuer", issuer), ("jwt_audience", audience)) if not v]
    if missing:
        raise AuthConfigError(f"JWT settings missing from pym-config.yaml: {', '.join(missing)}")
    algorithms = [a for a in (conf.get("jwt_algorithms") or ["HS256"]) if a.lower() not in _FORBIDDEN_ALGORITHMS]
    trusted = conf.get("jwt_trusted_issuers") or []
    return conf, secret, issuer, audience, algorithms or ["HS256"], [issuer] + list(trusted)


class AuthConfigError(RuntimeError):
    """The service is not configured for JWT (a deployment error, answered as a 500)."""


def _current():
    if not has_request_context():
        return None
    return request.environ.get(_ENV_KEY)


def _store(payload):
    if has_request_context():
        request.environ[_ENV_KEY] = payload


def generate_token(user_id, expire_in=None, data=None, issuer=None, iat=None):
    """A signed JWT for ``user_id`` (valid ``jwt_token_timeout`` seconds, 24 h by default)."""
    if not user_id:
        raise ValueError("generate_token() needs a user_id")
    conf, secret, default_issuer, audience, algorithms, _ = _settings()
    now = int(iat if iat is not None else time.time())
    expire_in = int(expire_in if expire_in is not None else conf.get("jwt_token_timeout", 86400))
    claims = dict(data or {})
    claims.update({"iss": issuer or default_issuer, "sub": user_id, "aud": audience, "iat": now,
                   "exp": now + expire_in})
    return jwt.encode(claims, secret, algorithm=algorithms[0], headers={"typ": "JWT"})


def load_auth_token(token, load=True):
    """Verify ``token`` and return its claims; raise a 401 PyMacaronException if it is not valid."""
    conf, secret, issuer, audience, algorithms, issuers = _settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthInvalidTokenError("token signature is invalid") from None
    if str(header.get("alg", "")).lower() not in {a.lower() for a in algorithms}:
        raise AuthInvalidTokenError("token signature is invalid")
    try:
        payload = jwt.decode(token, secret, algorithms=algorithms, audience=audience, issuer=issuers,
                             leeway=conf.get("jwt_leeway", 30),
                             options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    except jwt.ExpiredSignatureError:
        raise AuthTokenExpiredError("Auth token is expired") from None
    except jwt.InvalidAudienceError:
        raise AuthInvalidTokenError("incorrect audience") from None
    except jwt.InvalidIssuerError:
        raise AuthInvalidTokenError("incorrect issuer") from None
    except jwt.ImmatureSignatureError:
        raise AuthInvalidTokenError("token is not valid yet (issued in the future)") from None
    except jwt.MissingRequiredClaimError as e:
        raise AuthInvalidTokenError(f"token lacks the '{e.claim}' claim") from None
    except jwt.PyJWTError:
        raise AuthInvalidTokenError("token signature is invalid") from None
    payload["token"] = token
    if load:
        _store(payload)
    return payload


def authenticate_http_request(token=None):
    """Find the token (argument, Authorization header, 'token' cookie) and load it."""
    if token:
        value = token
    elif has_request_context() and request.headers.get("Authorization"):
        value = request.headers.get("Authorization")
    elif has_request_context() and request.cookies.get("token"):
        value = unquote_plus(request.cookies.get("token"))
    else:
        raise AuthMissingHeaderError("There is no Authorization header in the HTTP request")
    parts = value.split()
    if not parts or parts[0].lower() != "bearer":
        raise AuthInvalidTokenError("Authorization header must start with Bearer")
    if len(parts) == 1:
        raise AuthInvalidTokenError("Token not found in Authorization header")
    if len(parts) > 2:
        raise AuthInvalidTokenError("Authorization header must be Bearer + \\s + token")
    return load_auth_token(parts[1])


def requires_auth(f):
    """Decorator for endpoints (x-decorate-server): 401 Error JSON unless a valid token comes along."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            authenticate_http_request()
        except (AuthMissingHeaderError, AuthInvalidTokenError, AuthTokenExpiredError) as e:
            return e.http_reply()
        return f(*args, **kwargs)

    return wrapper


def get_user_token_data():
    """The claims of the current request's token ({} without one)."""
    payload = _current()
    return payload if payload else {}


def get_userid():
    return get_user_token_data().get("sub", "")


def get_user_token():
    return get_user_token_data().get("token", "")


def get_token_issuer():
    iss = get_user_token_data().get("iss")
    if iss:
        return iss
    return get_config().get("jwt_issuer")


@contextmanager
def backend_token(issuer=None, user_id=None, data=None):
    """Within the block, calls made with add_auth carry a fresh token for ``user_id``."""
    if not has_request_context():
        raise RuntimeError("backend_token() needs a request context")
    user_id = user_id or get_config().get("default_user_id")
    token = generate_token(user_id, data=data, issuer=issuer)
    previous = _current()
    current = dict(previous or {})
    current["token"] = token
    _store(current)
    try:
        yield token
    finally:
        _store(previous)


def add_auth(f):
    """Decorator for a client's request function (x-decorate-request): forward the user's token."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        token = get_user_token()
        if token:
            headers = dict(kwargs.get("headers") or {})
            headers["Authorization"] = f"Bearer {token}"
            kwargs["headers"] = headers
        return f(*args, **kwargs)

    return wrapper

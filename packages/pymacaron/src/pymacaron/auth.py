"""JWT authentication.

Endpoints opt in with the spec's ``security`` (a bearer, oauth2 or openIdConnect
scheme, or Swagger 2.0's apiKey in the ``Authorization`` header: see
:func:`verify_jwt`), or with ``x-decorate-server: pymacaron.auth.requires_auth``.
Both run before the request is parsed. The token comes from
``Authorization: Bearer <jwt>``; ``requires_auth`` also reads a ``token`` cookie
holding ``Bearer <jwt>`` (URL-quoted, or not). A cookie goes with every request
a browser sends, even from another site: so a token from the cookie is only
accepted on a GET, HEAD or OPTIONS, or on a request with a JSON body
(``Content-Type: application/json``) or an ``X-Requested-With`` header, which
no other site can send without the service's CORS consent (cross-site request
forgery). Tokens are checked for signature,
expiry, audience and issuer, with ``jwt_leeway`` seconds of clock skew
(default 30). Algorithms are pinned by ``jwt_algorithms`` (default
``[HS256]``; ``none`` is never accepted, and HMAC and public-key algorithms
cannot be mixed, which rules out RS256/HS256 confusion). With a public-key
algorithm (RS256, ES256...) tokens are verified with ``jwt_public_key`` and
signed with ``jwt_secret`` (the private key, PEM). A token may also name an
issuer listed in ``jwt_trusted_issuers``. Tokens are never logged.

Errors (all Error JSON through ``requires_auth``)::

    AuthMissingHeaderError  401 AUTHORIZATION_HEADER_MISSING  no header, no cookie
    AuthInvalidTokenError   401 TOKEN_INVALID                 malformed, bad signature/audience/issuer...
    AuthTokenExpiredError   401 TOKEN_EXPIRED                 exp passed (beyond the leeway)
    AuthCookieRefusedError  403 COOKIE_AUTH_REFUSED           a cookie token on a request another site could forge
    AuthConfigError         500 AUTH_NOT_CONFIGURED           pym-config lacks the JWT settings
    InsufficientScopeError  403 INSUFFICIENT_SCOPE            the token lacks a scope the operation requires

A claim of the wrong type says so: ``exp``, ``nbf`` and ``iat`` must be numbers
(seconds since 1970), ``sub`` a string.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, TypeVar, cast
from urllib.parse import unquote_plus

from flask import has_request_context, request

from pymacaron.config import config_loaded, get_config
from pymacaron.exceptions import (
    AuthInvalidTokenError,
    AuthMissingHeaderError,
    AuthTokenExpiredError,
    InsufficientScopeError,
    PyMacaronException,
)

if TYPE_CHECKING:
    from flask import Response
    from pymacaron_core.spec.description import SecurityScheme

    from pymacaron.config import PyMacaronConfig

P = ParamSpec("P")
R = TypeVar("R")


class _LazyJwt:
    """PyJWT, imported on first use (a token verified or issued): with cryptography installed it
    imports cryptography too, megabytes a service that never sees a token need not pay."""

    def __getattr__(self, name: str) -> Any:
        global jwt
        import jwt as module

        jwt = module
        return getattr(module, name)


jwt: Any = _LazyJwt()

log = logging.getLogger(__name__)

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
PUBLIC_KEY_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                         "EdDSA")
REQUIRED_CLAIMS = ("exp", "iat", "sub", "aud", "iss")
RESERVED_CLAIMS = frozenset(REQUIRED_CLAIMS + ("nbf", "token"))
_ENV_KEY = "pymacaron.current_user"


class AuthConfigError(PyMacaronException):
    """The service is not configured for JWT: a deployment error, answered as a 500."""

    code = "AUTH_NOT_CONFIGURED"
    status = 500


class AuthCookieRefusedError(PyMacaronException):
    """A token came in a cookie on a request that another site could have made the browser send."""

    code = "COOKIE_AUTH_REFUSED"
    status = 403


SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
CSRF_HEADER = "X-Requested-With"
NUMERIC_CLAIMS = ("exp", "nbf", "iat")


class JwtSettings(NamedTuple):
    """The JWT keys of pym-config, checked: pinned algorithms, the signing and verifying keys, issuer(s),
    audience, clock-skew leeway (seconds) and token lifetime (seconds)."""

    algorithms: list[str]
    signing_key: str | None
    verify_key: str | None
    issuer: str
    audience: str
    issuers: frozenset[str]
    leeway: float
    token_timeout: int


def _algorithms(conf: PyMacaronConfig) -> list[str]:
    algorithms = conf.get("jwt_algorithms") or ["HS256"]
    if isinstance(algorithms, str):
        algorithms = [algorithms]
    bad = [a for a in algorithms if a not in HMAC_ALGORITHMS + PUBLIC_KEY_ALGORITHMS]
    if bad:
        never = " ('none' is never accepted)" if any(str(a).lower() == "none" for a in bad) else ""
        raise AuthConfigError(f"jwt_algorithms in pym-config.yaml: {', '.join(map(repr, bad))} not supported"
                              f"{never}; use one of {', '.join(HMAC_ALGORITHMS + PUBLIC_KEY_ALGORITHMS)}")
    families = {a in HMAC_ALGORITHMS for a in algorithms}
    if len(families) > 1:
        raise AuthConfigError("jwt_algorithms in pym-config.yaml mixes HMAC (HS*) and public-key algorithms: "
                              "a public key could then sign HMAC tokens; list algorithms of one kind only")
    if families == {False} and not jwt.algorithms.has_crypto:
        raise AuthConfigError(f"jwt_algorithms {algorithms} needs the cryptography library: "
                              "pip install 'pyjwt[crypto]'")
    return list(algorithms)


def missing_jwt_settings(conf: PyMacaronConfig | None = None, signing: bool = False) -> list[str]:
    """The pym-config keys JWT needs and lacks (signing: also the key that signs tokens)."""
    conf = conf if conf is not None else get_config()
    algorithms = _algorithms(conf)
    keys = ["jwt_issuer", "jwt_audience"]
    if algorithms[0] in HMAC_ALGORITHMS:
        keys.insert(0, "jwt_secret")
    else:
        keys.insert(0, "jwt_public_key")
        if signing:
            keys.insert(0, "jwt_secret")
    return [k for k in keys if not conf.get(k)]


def jwt_settings(signing: bool = False) -> JwtSettings:
    """The current JWT settings; AuthConfigError (500) naming the missing keys if incomplete."""
    conf = get_config()
    missing = missing_jwt_settings(conf, signing=signing)
    if missing:
        raise AuthConfigError(f"JWT authentication is not configured: pym-config.yaml lacks {', '.join(missing)}")
    algorithms = _algorithms(conf)
    leeway = conf.get("jwt_leeway", 30)
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)) or leeway < 0:
        raise AuthConfigError(f"jwt_leeway in pym-config.yaml must be a number of seconds >= 0, got {leeway!r}")
    hmac = algorithms[0] in HMAC_ALGORITHMS
    secret = conf.get("jwt_secret")
    trusted = conf.get("jwt_trusted_issuers") or []
    issuer = conf.get("jwt_issuer")
    return JwtSettings(algorithms=algorithms, signing_key=secret,
                       verify_key=secret if hmac else conf.get("jwt_public_key"), issuer=issuer,
                       audience=conf.get("jwt_audience"),
                       issuers=frozenset([issuer] + ([trusted] if isinstance(trusted, str) else list(trusted))),
                       leeway=leeway, token_timeout=int(conf.get("jwt_token_timeout") or 86400))


def _current() -> dict[str, Any] | None:
    if not has_request_context():
        return None
    return request.environ.get(_ENV_KEY)


def _store(payload: dict[str, Any] | None) -> None:
    if has_request_context():
        request.environ[_ENV_KEY] = payload


def generate_token(user_id: object = None, expire_in: float | None = None, data: dict[str, Any] | None = None,
                   issuer: str | None = None, iat: float | None = None) -> str:
    """A signed JWT for ``user_id`` (valid ``jwt_token_timeout`` seconds, 24 h by default).

    Claims: ``iss`` (``issuer`` or ``jwt_issuer``), ``sub`` (``str(user_id)``, by default the
    ``default_user_id`` of pym-config), ``aud``, ``iat`` (now, or ``iat``), ``exp``
    (``iat + expire_in``), plus the keys of ``data``.
    """
    if user_id is None:
        user_id = get_config().get("default_user_id")
    if user_id is None or user_id == "":
        raise ValueError("generate_token() needs a user_id (or default_user_id in pym-config.yaml)")
    clash = sorted(RESERVED_CLAIMS.intersection(data or {}))
    if clash:
        raise ValueError(f"generate_token(data=...): {', '.join(clash)} are set by generate_token itself "
                         "(use user_id=, issuer=, expire_in=, iat=)")
    settings = jwt_settings(signing=True)
    now = int(iat if iat is not None else time.time())
    expire_in = int(expire_in if expire_in is not None else settings.token_timeout)
    claims = dict(data or {})
    claims.update({"iss": issuer or settings.issuer, "sub": str(user_id), "aud": settings.audience, "iat": now,
                   "exp": now + expire_in})
    return jwt.encode(claims, settings.signing_key, algorithm=settings.algorithms[0], headers={"typ": "JWT"})


_INVALID = "token signature is invalid"


def load_auth_token(token: str, load: bool = True) -> dict[str, Any]:
    """Verify ``token`` and return its claims (plus ``token``); raise a 401 PyMacaronException if invalid."""
    settings = jwt_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthInvalidTokenError(_INVALID) from None
    if header.get("alg") not in settings.algorithms:  # pinned: 'none' and the other key family never pass
        raise AuthInvalidTokenError(_INVALID)
    try:
        payload = jwt.decode(token, settings.verify_key, algorithms=settings.algorithms, audience=settings.audience,
                             leeway=settings.leeway, options={"require": list(REQUIRED_CLAIMS)})
    except jwt.PyJWTError as e:
        problem = _claim_problem(_signed_claims(token, settings))  # a claim of the wrong type says so
        if problem:
            raise AuthInvalidTokenError(problem) from None
        if isinstance(e, jwt.ExpiredSignatureError):
            raise AuthTokenExpiredError("Auth token is expired") from None
        if isinstance(e, jwt.InvalidAudienceError):
            raise AuthInvalidTokenError("incorrect audience") from None
        if isinstance(e, jwt.ImmatureSignatureError):
            raise AuthInvalidTokenError("token is not valid yet (its iat or nbf is in the future)") from None
        if isinstance(e, jwt.MissingRequiredClaimError):
            raise AuthInvalidTokenError(f"token lacks the '{e.claim}' claim") from None
        raise AuthInvalidTokenError(_INVALID) from None
    problem = _claim_problem(payload)  # "exp": "9999999999" passes PyJWT's int()
    if problem:
        raise AuthInvalidTokenError(problem)
    if payload.get("iss") not in settings.issuers:
        raise AuthInvalidTokenError("incorrect issuer")
    payload["token"] = token
    if load:
        _store(payload)
    return payload


def _signed_claims(token: str, settings: JwtSettings) -> dict[str, Any] | None:
    """The claims of a token whose signature is valid (whatever they say), else None."""
    try:
        return jwt.decode(token, settings.verify_key, algorithms=settings.algorithms,
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
                                   "verify_iss": False, "verify_sub": False, "verify_jti": False, "require": []})
    except (jwt.PyJWTError, TypeError, ValueError):
        return None


def _type_name(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


def _claim_problem(claims: object) -> str | None:
    """What is wrong with the types of ``claims`` (None if nothing)."""
    if not isinstance(claims, dict):
        return None
    for claim in NUMERIC_CLAIMS:
        value = claims.get(claim)
        if claim in claims and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return f"the token's '{claim}' claim must be a number (seconds since 1970), got {_type_name(value)}"
    if "sub" in claims and not isinstance(claims["sub"], str):
        return f"the token's 'sub' claim (the user id) must be a string, got {_type_name(claims['sub'])}"
    return None


def _token_cookie() -> str | None:
    """The 'token' cookie, also when sent unencoded ('token=Bearer <jwt>', which cookie parsers drop)."""
    value = request.cookies.get("token")
    if value:
        return unquote_plus(value)
    for part in request.headers.get("Cookie", "").split(";"):
        name, _, raw = part.strip().partition("=")
        if name == "token" and raw.strip():
            return unquote_plus(raw.strip().strip('"'))
    return None


def _check_cookie_request() -> None:
    """A token from a cookie: refused on a request another site could make a browser send (CSRF)."""
    if request.method in SAFE_METHODS or request.headers.get(CSRF_HEADER):
        return
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return
    raise AuthCookieRefusedError(
        f"A token in a cookie is accepted on {request.method} only with Content-Type: application/json or an "
        f"{CSRF_HEADER} header (protection against cross-site request forgery); or send the token in an "
        "Authorization header")


def authenticate_http_request(token: str | None = None) -> dict[str, Any]:
    """Find the token (``token`` as a raw header value, Authorization header, 'token' cookie) and load it."""
    where = "Authorization header"
    if token:
        value = token
    elif has_request_context() and request.headers.get("Authorization"):
        value = request.headers.get("Authorization")
    elif has_request_context() and (cookie := _token_cookie()):
        value, where = cookie, "'token' cookie"
        _check_cookie_request()
    else:
        raise AuthMissingHeaderError("There is no Authorization header in the HTTP request")
    parts = value.split()
    if not parts or parts[0].lower() != "bearer":
        raise AuthInvalidTokenError(f"{where} must start with Bearer")
    if len(parts) == 1:
        raise AuthInvalidTokenError(f"Token not found in {where}")
    if len(parts) > 2:
        raise AuthInvalidTokenError(f"{where} must be Bearer + \\s + token")
    return load_auth_token(parts[1])


def _warn_if_unconfigured(f: Callable[..., Any]) -> None:
    """At start-up (when core decorates the endpoint): say so if JWT settings are missing."""
    if not config_loaded() or getattr(f, "__module__", "").startswith("pymacaron."):
        return  # pymacaron's own /auth/version would warn every service that does not use JWT
    name = f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', getattr(f, '__name__', '?'))}"
    try:
        missing = missing_jwt_settings(get_config())
    except AuthConfigError as e:
        log.warning("%s uses pymacaron.auth.requires_auth, but %s", name, e)
        return
    if missing:
        log.warning("%s uses pymacaron.auth.requires_auth, but pym-config.yaml lacks %s: its calls will fail "
                    "with 500 AUTH_NOT_CONFIGURED until they are set", name, ", ".join(missing))


_AUTHENTICATED = "pymacaron.auth.checked"  # request.environ: requires_auth's pre-parse check passed


def requires_auth(f: Callable[P, R]) -> Callable[P, R | Response]:
    """Decorator for endpoints (x-decorate-server): 401 Error JSON unless a valid token comes along.

    Served through ``x-decorate-server``, the token is checked before the request is parsed
    (``requires_auth.pymacaron_pre_parse``), so a caller without a valid token learns nothing
    about the body the endpoint expects; the wrapper then does not check it again.
    """
    _warn_if_unconfigured(f)

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not (has_request_context() and request.environ.get(_AUTHENTICATED)):
            try:
                authenticate_http_request()
            except PyMacaronException as e:
                return e.http_reply()
        return f(*args, **kwargs)

    return wrapper


def _authenticate_before_parsing() -> Response | None:
    """requires_auth's pre-parse check (run by pymacaron-core before the request is parsed): the same
    401 reply as the wrapper's, or None to go on."""
    try:
        authenticate_http_request()
    except PyMacaronException as e:
        return e.http_reply()
    request.environ[_AUTHENTICATED] = True
    return None


requires_auth.pymacaron_pre_parse = _authenticate_before_parsing  # type: ignore[attr-defined]


def granted_scopes(claims: dict[str, Any]) -> set[str]:
    """The scopes a token grants: its ``scope`` claim (space-separated) or ``scopes`` claim (a list)."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return set(scope.split())
    scopes = claims.get("scopes")
    if isinstance(scopes, (list, tuple)):
        return {s for s in scopes if isinstance(s, str)}
    return set()


def verify_jwt(token: str, scopes: Iterable[str], scheme: SecurityScheme) -> dict[str, Any]:
    """The verifier of the spec's bearer, oauth2 and openIdConnect schemes (pymacaron-core's hook).

    Checks the token as ``requires_auth`` does (401 TOKEN_INVALID / TOKEN_EXPIRED), makes it
    the current user's (``get_userid()``...), and checks that it grants every scope the
    operation lists, in its ``scope`` or ``scopes`` claim (403 INSUFFICIENT_SCOPE).
    """
    claims = load_auth_token(token)
    missing = [s for s in scopes if s not in granted_scopes(claims)]
    if missing:
        raise InsufficientScopeError(f"the token lacks the scope(s) {', '.join(missing)} required by "
                                     f"security scheme '{scheme.name}'")
    return claims


def _jwt_startup_problem(scheme: SecurityScheme) -> str | None:
    try:
        missing = missing_jwt_settings(get_config())
    except AuthConfigError as e:
        return str(e)
    if missing:
        return (f"it is checked as a JWT by pymacaron.auth, and pym-config.yaml lacks {', '.join(missing)} "
                "(or name your own verifier for it under security_verifiers in pym-config.yaml)")
    return None


verify_jwt.startup_problem = _jwt_startup_problem  # type: ignore[attr-defined]


def get_user_token_data() -> dict[str, Any]:
    """The verified claims of the current request's token ({} without one, or outside a request)."""
    payload = _current()
    return payload if payload else {}


def get_userid() -> str:
    """The current request's user id (the token's ``sub``), or ''."""
    return get_user_token_data().get("sub", "")


def get_user_token() -> str:
    """The current request's raw token (what add_auth forwards), or ''."""
    return get_user_token_data().get("token", "")


def get_token_issuer() -> str | None:
    """The verified ``iss`` of the current token, else the configured ``jwt_issuer``."""
    iss = get_user_token_data().get("iss")
    if iss:
        return iss
    return get_config().get("jwt_issuer")


@contextmanager
def backend_token(issuer: str | None = None, user_id: object = None,
                  data: dict[str, Any] | None = None) -> Iterator[str]:
    """Within the block, calls made with add_auth carry a fresh token for ``user_id``
    (default: ``default_user_id``); the previous token is restored afterwards, even on errors."""
    if not has_request_context():
        raise RuntimeError("backend_token() must be used while handling a request: it replaces, for the "
                           "duration of the block, the token that add_auth forwards")
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


def add_auth(f: Callable[P, R]) -> Callable[P, R]:
    """Decorator for a client's send function (x-decorate-request): forward the current user's token."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = get_user_token()
        headers = cast("dict[str, str]", kwargs.get("headers") or {})
        if token and not any(k.lower() == "authorization" for k in headers):  # an explicit header wins
            kwargs["headers"] = {**headers, "Authorization": f"Bearer {token}"}
        return f(*args, **kwargs)

    return wrapper

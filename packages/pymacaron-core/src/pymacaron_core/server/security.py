"""Enforcing the spec's ``security`` (stage 5, per request: before anything is parsed).

Each operation's requirement (see :mod:`pymacaron_core.spec.description`) is compiled at
bind into a :class:`SecurityCheck`; an operation without requirement gets none and pays
nothing. Credentials are read by scheme:

==================  =============================================================
apiKey              the header, query parameter or cookie the scheme names
http basic          ``Authorization: Basic <base64 user:password>`` -> (user, password)
http bearer,        ``Authorization: Bearer <token>`` -> the token (an apiKey sent in the
oauth2,             ``Authorization`` header, Swagger 2.0's way of declaring bearer
openIdConnect       tokens, is read the same way)
==================  =============================================================

and handed to a *verifier*, ``verifier(credential, scopes, scheme)``, found in
:class:`Verifiers` by the scheme's name first, then by its kind (``apiKey``, ``basic``,
``bearer``, ``oauth2``, ``openIdConnect``). A verifier returns something true to accept
(e.g. the caller's identity), something false to refuse (401), or raises (its own
error: pymacaron's JWT verifier answers 401 TOKEN_INVALID, 403 INSUFFICIENT_SCOPE...).
A verifier may have a ``startup_problem(scheme)`` attribute returning why it cannot work
(e.g. missing settings): start-up then stops.

Alternatives are tried in order; the first fully met lets the request through. Otherwise
the most telling failure is answered: refused scopes (403) before invalid credentials
(401) before missing ones (401, with a ``WWW-Authenticate`` challenge per scheme).
A scheme an operation requires with no verifier stops start-up: never fail open.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Union

from pymacaron_core.exceptions import AuthenticationError, SpecProblem
from pymacaron_core.imports import ImportProblem, resolve_dotted
from pymacaron_core.spec.description import Alternatives, SecurityScheme, describe_requirement

if TYPE_CHECKING:
    from flask import Request

    from pymacaron_core.spec.description import Operation
    from pymacaron_core.spec.document import SpecDocument

# A verifier: ``verifier(credential, scopes, scheme)`` -> something true to accept; or its dotted path.
Verifier = Union[Callable[..., Any], str]

ENV_KEY = "pymacaron.security"  # request.environ: {scheme name: what its verifier returned}
_BEARER_KINDS = ("bearer", "oauth2", "openIdConnect")

_MISSING, _INVALID, _REFUSED = 0, 1, 2  # failure ranks: the highest is answered


class Verifiers:
    """Who verifies credentials: ``schemes`` (scheme name -> verifier) win over ``kinds``
    (verifier kind -> verifier). Verifiers are callables or dotted paths to them.
    ``fix``: how to supply a missing verifier, said when start-up stops (``{scheme}`` is
    replaced by the scheme's name)."""

    def __init__(self, kinds: Mapping[str, Verifier] | None = None, schemes: Mapping[str, Verifier] | None = None,
                 fix: str | None = None) -> None:
        self.kinds = dict(kinds or {})
        self.schemes = dict(schemes or {})
        self.fix = fix or ("pass spawn_api(app, verifiers=Verifiers(schemes={{'{scheme}': check}})), "
                           "check(credential, scopes, scheme) returning something true to accept")

    def lookup(self, scheme: SecurityScheme) -> tuple[Verifier, str] | tuple[None, None]:
        """-> (verifier or dotted path, reader kind), or (None, None)."""
        if scheme.name in self.schemes:
            return self.schemes[scheme.name], _reader_kind(scheme, by_name=True)
        kind = scheme.verifier_kind
        if kind in self.kinds:
            return self.kinds[kind], _reader_kind(scheme, by_name=False)
        return None, None


def _reader_kind(scheme, by_name):
    if by_name and scheme.kind == "apiKey":
        return "apiKey"  # a verifier of its own gets the raw value, even of an Authorization header
    kind = scheme.verifier_kind
    if kind in _BEARER_KINDS:
        return "bearer"
    return kind


def _describe_scheme(scheme):
    if scheme.kind == "apiKey":
        return f"apiKey in {scheme.location} {scheme.param_name!r}"
    if scheme.kind == "http":
        return f"http {scheme.scheme}"
    return scheme.kind


def compile_security(operation: Operation, schemes: Mapping[str, SecurityScheme], verifiers: Verifiers | None,
                     doc: SpecDocument, api_name: str) -> tuple[SecurityCheck | None, list[SpecProblem]]:
    """-> (SecurityCheck or None, problems) for one operation, at bind."""
    requirement = operation.security
    if requirement is None:
        return None, []
    problems: list[SpecProblem] = []
    line = operation.security_line or operation.line
    resolved: dict[str, tuple[SecurityScheme, Callable[..., Any], str | None]] = {}
    for alternative in requirement:
        for name, _scopes in alternative:
            if name in resolved:
                continue
            scheme = schemes[name]
            verifier, reader = verifiers.lookup(scheme) if verifiers is not None else (None, None)
            if verifier is None:
                problems.append(SpecProblem(
                    doc.file, line, operation.where,
                    f"the operation requires the security scheme {name!r} ({_describe_scheme(scheme)}, declared in "
                    f"{scheme.where}), but no verifier is registered for it: it would be served to anyone",
                    (verifiers if verifiers is not None else Verifiers()).fix.format(scheme=name)))
                continue
            if isinstance(verifier, str):
                try:
                    verifier = resolve_dotted(verifier)
                except ImportProblem as e:
                    problems.append(SpecProblem(doc.file, line, operation.where,
                                                f"the verifier {verifier!r} of security scheme {name!r}: {e}", e.fix))
                    continue
            if not callable(verifier):
                problems.append(SpecProblem(doc.file, line, operation.where,
                                            f"the verifier of security scheme {name!r} is not callable: {verifier!r}",
                                            "give a function verifier(credential, scopes, scheme)"))
                continue
            check = getattr(verifier, "startup_problem", None)
            why = check(scheme) if callable(check) else None
            if why:
                problems.append(SpecProblem(doc.file, line, operation.where,
                                            f"security scheme {name!r} cannot be verified: {why}", ""))
                continue
            resolved[name] = (scheme, verifier, reader)
    if problems:
        return None, problems
    warnings = _skipped_scopes(operation, requirement, resolved, verifiers, doc, line) if verifiers is not None else []
    return SecurityCheck(operation, requirement, resolved, api_name), warnings


def _skipped_scopes(operation, requirement, resolved, verifiers, doc, line):
    """Warnings: an alternative that makes another's scopes moot.

    An alternative of one scheme without scopes, verified by kind (the JWT check for bearer
    tokens, and for an apiKey in the Authorization header), accepts every token that an
    alternative requiring scopes from another scheme with the same verifier would: "BotToken
    or OAuth2 with the scope guilds" then never needs the scope. The spec allows it as
    written (a warning, an error under ``strict``), but the author usually meant two kinds
    of credentials.
    """
    found = []
    for alone in requirement:
        if len(alone) != 1 or alone[0][1]:
            continue
        name = alone[0][0]
        if name in verifiers.schemes or name not in resolved:
            continue
        _, verifier, reader = resolved[name]
        for other in requirement:
            scoped = [(n, scopes) for n, scopes in other if scopes and n != name and n in resolved
                      and resolved[n][1] is verifier and resolved[n][2] == reader]
            if not scoped:
                continue
            found.append(SpecProblem(
                doc.file, line, operation.where,
                f"the alternative [{name}] needs no scope and its scheme ({_describe_scheme(resolved[name][0])}) "
                f"is checked by the same verifier as {scoped[0][0]!r}, so the scopes "
                f"{', '.join(repr(s) for s in scoped[0][1])} of the alternative [{', '.join(n for n, _ in other)}] "
                "are never needed: any token that verifier accepts passes",
                f"if {name!r} is another kind of credential, register a verifier under its name (pymacaron: "
                "security_verifiers in pym-config.yaml); else require the scopes in every alternative",
                "warning"))
    return found


def one_per_message(warnings: list[SpecProblem]) -> list[SpecProblem]:
    """``warnings`` with each message once (at its first operation), saying how many more operations have it.

    A global ``security`` gives every operation the same warning: it is said once.
    """
    first: dict[str, list[Any]] = {}
    for w in warnings:
        first.setdefault(w.message, [w, 0])[1] += 1
    return [SpecProblem(w.file, w.line, w.where, w.message + (f" (and in {n - 1} more operations)" if n > 1 else ""),
                        w.fix, w.severity) for w, n in first.values()]


class SecurityCheck:
    """The compiled check of one operation's requirement; call it with the request."""

    __slots__ = ("where", "alternatives", "realm", "description")

    def __init__(self, operation: Operation, requirement: Alternatives,
                 resolved: Mapping[str, tuple[SecurityScheme, Callable[..., Any], str | None]], api_name: str) -> None:
        self.where = operation.where
        self.realm = api_name
        self.description = describe_requirement(requirement)
        self.alternatives = tuple(
            tuple((resolved[name][0], resolved[name][1], resolved[name][2], scopes) for name, scopes in alternative)
            for alternative in requirement)

    def __repr__(self) -> str:
        return f"<SecurityCheck {self.where}: {self.description}>"

    def __call__(self, request: Request) -> None:
        """Return when an alternative is met; raise the most telling failure otherwise."""
        best: tuple[int, Exception] | None = None  # (rank, exception)
        for alternative in self.alternatives:
            accepted: dict[str, Any] = {}
            for scheme, verifier, reader, scopes in alternative:
                failure = self._check(request, scheme, verifier, reader, scopes, accepted)
                if failure is not None:
                    if best is None or failure[0] > best[0]:
                        best = failure
                    break
            else:
                request.environ[ENV_KEY] = accepted
                return
        assert best is not None  # a requirement has at least one alternative, and each failed
        raise best[1]

    def _check(self, request, scheme, verifier, reader, scopes, accepted):
        """None if ``scheme`` accepts the request, else (rank, exception)."""
        try:
            credential = _READERS[reader](request, scheme)
        except AuthenticationError as e:  # malformed Authorization header
            return _INVALID, self._challenge(e, reader, "invalid_token")
        if credential is None:
            return _MISSING, self._missing()
        try:
            result = verifier(credential, scopes, scheme)
        except Exception as e:
            status = getattr(e, "status_code", None)
            if status == 401:
                return _INVALID, self._challenge(e, reader, "invalid_token")
            if status == 403:
                return _REFUSED, self._challenge(e, reader, "insufficient_scope", scopes)
            raise
        if not result:
            code = "TOKEN_INVALID" if reader == "bearer" else "CREDENTIALS_INVALID"
            refused = AuthenticationError(f"{self.where}: the credentials for {scheme.name!r} were refused",
                                          code=code)
            return _INVALID, self._challenge(refused, reader, "invalid_token")
        accepted[scheme.name] = result
        return None

    def _missing(self):
        challenges, header_only = [], True
        for alternative in self.alternatives:
            for _scheme, _verifier, reader, _scopes in alternative:
                header_only = header_only and reader in ("basic", "bearer")
                challenge = _challenge_for(reader, self.realm)
                if challenge and challenge not in challenges:
                    challenges.append(challenge)
        code = "AUTHORIZATION_HEADER_MISSING" if header_only else "AUTHENTICATION_REQUIRED"
        return AuthenticationError(f"{self.where} requires authentication: {self.description}", challenges, code)

    def _challenge(self, exc, reader, error, scopes=()):
        if getattr(exc, "response_headers", None):
            return exc
        challenge = _challenge_for(reader, self.realm)
        if challenge and reader == "bearer":
            challenge += f', error="{error}"'
            if scopes and error == "insufficient_scope":
                challenge += f', scope="{" ".join(scopes)}"'
        if challenge:
            try:
                exc.response_headers = {"WWW-Authenticate": challenge}
            except AttributeError:  # an exception class with __slots__: answered without the header
                pass
        return exc


def _challenge_for(reader, realm):
    if reader == "basic":
        return f'Basic realm="{realm}"'
    if reader == "bearer":
        return f'Bearer realm="{realm}"'
    return None


def _read_api_key(request, scheme):
    if scheme.location == "header":
        value = request.headers.get(scheme.param_name)
    elif scheme.location == "query":
        value = request.args.get(scheme.param_name)
    else:
        value = request.cookies.get(scheme.param_name)
    return value or None


def _authorization(request, prefix):
    value = request.headers.get("Authorization")
    if not value:
        return None
    kind, _, rest = value.strip().partition(" ")
    if kind.lower() != prefix:
        return None
    return rest.strip()


def _read_basic(request, scheme):
    encoded = _authorization(request, "basic")
    if encoded is None:
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        sep = ""
    if not sep:
        raise AuthenticationError("the Authorization header is not 'Basic <base64 of user:password>'",
                                  code="CREDENTIALS_INVALID")
    return user, password


def _read_bearer(request, scheme):
    token = _authorization(request, "bearer")
    if token is None:
        return None
    if not token or " " in token:
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'", code="TOKEN_INVALID")
    return token


def _unsupported(request, scheme):
    raise AuthenticationError(f"the security scheme {scheme.name!r} ({scheme.kind} {scheme.scheme}) is not "
                              "supported", code="AUTHENTICATION_REQUIRED")


class _Readers(dict):
    """reader kind -> function(request, scheme) -> the credential, or None when absent."""

    def __missing__(self, key):
        return _unsupported


_READERS = _Readers(apiKey=_read_api_key, basic=_read_basic, bearer=_read_bearer)

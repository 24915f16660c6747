"""Remove secrets from anything that leaves the process (reports, logs, error bodies).

Masked, by value wherever they appear (titles, traces, messages):
- every secret value the configuration holds (``env_secrets``, ``jwt_secret``...);
- within a request: the Authorization header (and its token), every cookie value,
  the values of secret-named headers (``X-Api-Key``...), and the values of
  secret-named fields (password, token, secret...) of the JSON or form body and
  of the query string. A JSON body up to ``MAX_BODY_SCAN`` bytes is parsed to find
  them; a larger one (or one that does not parse) is searched for
  ``"<secret-named key>": <value>`` pairs instead, and never copied into a crash
  report (fail closed: what was not parsed is not shown).
Masked by shape: values under secret-named keys of structured data, ``Bearer``/
``Basic`` credentials, JWTs, and ``password=...``/``"token": "..."`` pairs in text.

Values shorter than ``MIN_SECRET_LEN`` are only masked by key or shape (masking
every "a" of a report would destroy it). Redaction never raises.

It fails closed: when the secret values cannot be listed (the configuration or the
request cannot be read), texts are masked more, never less: every word of
``MIN_SECRET_LEN`` characters or more is masked, except upper-case codes and
numbers (``FATAL``, ``UNHANDLED_SERVER_ERROR``, ``500``), so a report still says what
kind of error it was.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Request

MASK = "****"
MIN_SECRET_LEN = 4
MAX_BODY_SCAN = 1024 * 1024  # bytes of request body searched for secret fields

_SECRET_WORDS = r"pass(?:word|wd|phrase)?|secret|token|authorization|cookie|api[_-]?key|private[_-]?key|credential"
_SECRET_KEY = re.compile(_SECRET_WORDS, re.IGNORECASE)
_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
# key, then a quoted value (may hold spaces) or a bare one
_KV_SECRET = re.compile(
    r"(?i)((?:%s)[A-Za-z0-9_\-]*[\"']?\s*[:=]\s*)(?!(?:bearer|basic)\s)(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\"'&\s,;}\])]+)"
    % _SECRET_WORDS)
_ENV_KEY = "pymacaron.request_secrets"
_WORD = re.compile(r"[^\s\[\](){}<>,;:'\"]+")
_KEEP = re.compile(r"[A-Z][A-Z0-9_]*|[\d.]+")


class _Unknown(frozenset[str]):
    """The secrets could not be listed: mask everything that could be one."""

    def __repr__(self) -> str:
        return "UNKNOWN_SECRETS"


UNKNOWN = _Unknown()
# "<key>": <JSON string or number>, matched where a key holding a secret word starts (bodies too large to parse)
_JSON_PAIR_AT = re.compile(rb'"([^"\\]{1,128})"\s*:\s*("(?:[^"\\]|\\.){0,10000}"|-?[0-9][0-9.eE+-]{0,100})')
_WORD_STARTS = (b"pass", b"secret", b"token", b"authorization", b"cookie", b"api", b"private", b"credential")


def is_secret_key(key: object) -> bool:
    """True for a field name that holds a secret (password, api_key, Authorization...)."""
    return isinstance(key, str) and _SECRET_KEY.search(key) is not None


def _mask_kv(match: re.Match[str]) -> str:
    head, value = match.group(1), match.group(2)
    key = head.rstrip(" \t\"':=")
    if key.isupper() and "=" not in head:
        return match.group(0)  # an error code ("500 INVALID_TOKEN: ..."), not a key/value pair
    if value[:1] in ("'", '"'):
        return f"{head}{value[0]}{MASK}{value[0]}"
    return head + MASK


def _config_secrets() -> frozenset[str]:
    try:
        from pymacaron.config import config_loaded, get_config

        if config_loaded():
            return get_config().secret_values
    except Exception:  # redaction must never fail: nor leak what it could not list
        return UNKNOWN
    return frozenset()


def _collect_fields(obj: Any, out: set[str], depth: int = 0) -> None:
    """Values of secret-named keys anywhere in ``obj``."""
    if depth > 30:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if is_secret_key(key) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
                out.add(str(value))
            else:
                _collect_fields(value, out, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            _collect_fields(value, out, depth + 1)


def _scan_raw_body(raw: bytes, found: set[Any]) -> None:
    """Values of secret-named keys in a JSON body too large (or too broken) to parse: by shape.

    Each place a secret word appears (bytes.find: C speed) is checked for a
    ``"key": value`` pair around it; ``key`` must be a secret name.
    """
    lower = raw.lower()
    seen = set()
    for word in _WORD_STARTS:
        start = 0
        while True:
            at = lower.find(word, start)
            if at < 0:
                break
            start = at + 1
            quote = raw.rfind(b'"', max(0, at - 128), at + 1)
            if quote < 0 or quote in seen:
                continue
            seen.add(quote)
            match = _JSON_PAIR_AT.match(raw, quote)
            if match is None or not is_secret_key(match.group(1).decode("utf-8", "replace")):
                continue
            value = match.group(2)
            found.add(value.decode("utf-8", "replace").strip('"'))
            if value.startswith(b'"'):
                try:
                    found.add(json.loads(value))
                except (ValueError, RecursionError):
                    pass


def _read_request_secrets(request: Request) -> frozenset[str]:
    found: set[Any] = set()
    auth = request.headers.get("Authorization")
    if auth:
        found.add(auth)
        found.update(auth.split())
    cookie = request.headers.get("Cookie")
    if cookie:
        found.add(cookie)
        found.update(v for v in request.cookies.values() if v)
    for name, value in request.headers.items():
        if value and name.lower() not in ("authorization", "cookie") and is_secret_key(name):
            found.add(value)
    for key, values in request.args.lists():
        if is_secret_key(key):
            found.update(values)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.form.lists():
            if is_secret_key(key):
                found.update(values)
    else:
        raw = request.get_data(cache=True)
        parsed = False
        if raw and len(raw) <= MAX_BODY_SCAN:
            try:
                _collect_fields(json.loads(raw), found)
                parsed = True
            except (ValueError, RecursionError):
                pass
        if raw and not parsed:
            _scan_raw_body(raw, found)
    return frozenset(v for v in found if isinstance(v, str) and len(v) >= MIN_SECRET_LEN
                     and v.lower() not in ("bearer", "basic"))


def request_secrets() -> frozenset[str]:
    """Secret values sent with the current request (none outside a request)."""
    try:
        from flask import has_request_context, request

        if not has_request_context():
            return frozenset()
        environ = request.environ
        cached = environ.get(_ENV_KEY)
        if cached is None:
            cached = environ[_ENV_KEY] = _read_request_secrets(request)
        return cached
    except Exception:
        return UNKNOWN


def secret_values() -> list[str] | frozenset[str]:
    """Every value to mask now, longest first (so a secret containing another is masked whole);
    UNKNOWN when they cannot be listed."""
    config, sent = _config_secrets(), request_secrets()
    if config is UNKNOWN or sent is UNKNOWN:
        return UNKNOWN
    return sorted((v for v in config | sent if len(v) >= MIN_SECRET_LEN), key=len, reverse=True)


def mask_words(text: str) -> str:
    """Fail-closed masking: every word that could be a secret (see the module docstring)."""
    return _WORD.sub(lambda m: m.group(0) if len(m.group(0)) < MIN_SECRET_LEN or _KEEP.fullmatch(m.group(0))
                     else MASK, text)


def redact_text(text: str, secrets: Collection[str] | None = None) -> str:
    """``text`` with known secret values and credential-shaped substrings masked."""
    if not isinstance(text, str) or not text:
        return text
    try:
        if secrets is None:
            secrets = secret_values()
        if secrets is UNKNOWN:
            return mask_words(text)
        for value in secrets:
            if value in text:
                text = text.replace(value, MASK)
        text = _CREDENTIALS.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
        text = _JWT.sub(MASK, text)
        return _KV_SECRET.sub(_mask_kv, text)
    except Exception:
        return MASK


def mask_config_secrets(text: str) -> str:
    """``text`` with the configuration's secret values masked (for Error JSON sent to callers)."""
    if not isinstance(text, str) or not text:
        return text
    secrets = _config_secrets()
    if secrets is UNKNOWN:
        return mask_words(text)
    for value in secrets:
        if len(value) >= MIN_SECRET_LEN and value in text:
            text = text.replace(value, MASK)
    return text


def redact(obj: Any, secrets: Collection[str] | None = None, _depth: int = 0) -> Any:
    """A copy of ``obj`` (dicts, lists, strings) with secrets masked."""
    if secrets is None:
        secrets = secret_values()
    if _depth > 50:
        return MASK
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            if is_secret_key(key) and value not in (None, "", [], {}):
                out[key] = MASK
            else:
                out[key] = redact(value, secrets, _depth + 1)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact(v, secrets, _depth + 1) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj, secrets)
    return obj


def format_exception(exc: BaseException, limit: int | None = 30) -> str:
    """The traceback of ``exc`` as text, secrets masked (for log lines)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=limit))
    return redact_text(text)

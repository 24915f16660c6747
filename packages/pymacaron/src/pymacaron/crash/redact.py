"""Remove secrets from anything that leaves the process (reports, logs).

Masked: values under keys that name a secret (password, token, secret...),
Authorization and Cookie headers, bearer tokens and JWTs inside strings, and
every secret value the configuration holds (env_secrets, jwt_secret...).
"""

from __future__ import annotations

import re

MASK = "****"
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|authorization|cookie|api[_-]?key|private|credential",
                         re.IGNORECASE)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
_KV_SECRET = re.compile(r"(?i)((?:pass(?:word|wd)?|secret|token|api[_-]?key)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)")


def _secret_values():
    try:
        from pymacaron.config import config_loaded, get_config

        if config_loaded():
            return sorted((v for v in get_config().secret_values if len(v) >= 4), key=len, reverse=True)
    except Exception:  # redaction must never fail
        pass
    return []


def redact_text(text, secrets=None):
    if not isinstance(text, str) or not text:
        return text
    for value in secrets if secrets is not None else _secret_values():
        if value in text:
            text = text.replace(value, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _JWT.sub(MASK, text)
    text = _KV_SECRET.sub(lambda m: m.group(1) + MASK, text)
    return text


def redact(obj, secrets=None, _depth=0):
    """A copy of ``obj`` (dicts, lists, strings) with secrets masked."""
    if secrets is None:
        secrets = _secret_values()
    if _depth > 50:
        return MASK
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(key, str) and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
                out[key] = MASK
            else:
                out[key] = redact(value, secrets, _depth + 1)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact(v, secrets, _depth + 1) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj, secrets)
    return obj

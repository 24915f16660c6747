"""``crash_reports`` in pym-config.yaml -> a reporter (the keys are listed in pymacaron.crash.reporters).

Every key is checked (type, required, unknown ones caught as typos), nested env secrets are
resolved the way :mod:`pymacaron.config` resolves top-level ones, then SlackReporter,
EmailReporter and FanOutReporter are built. Each error is a ConfigError naming the file, the
key and the fix.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymacaron.config import ConfigError, get_config
from pymacaron.crash.reporters import _ENV_NAME, EmailReporter, FanOutReporter, SlackReporter
from pymacaron.crash.reporting import default_reporter

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig

log = logging.getLogger("pymacaron.crash")

_STR = (str, "a string")
_SECONDS = ((int, float), "a number of seconds")
_INT = (int, "an integer")
_BOOL = (bool, "true or false")
_ADDRESSES = ((str, list), "an e-mail address or a list of them")

SECTION_KEYS = {"log": _BOOL, "slack": ((dict, str), "a mapping (webhook_url: ...) or the webhook URL"),
                "email": (dict, "a mapping (host: ..., from: ..., to: ...)")}
SLACK_KEYS = {"webhook_url": _STR, "channel": _STR, "username": _STR, "timeout": _SECONDS, "max_chars": _INT}
EMAIL_KEYS = {"host": _STR, "port": _INT, "from": _STR, "to": _ADDRESSES, "username": _STR, "password": _STR,
              "starttls": _BOOL, "ssl": _BOOL, "cafile": _STR, "timeout": _SECONDS}
REQUIRED = {"slack": ("webhook_url",), "email": ("host", "from", "to")}
ARG_NAMES = {"from": "sender", "to": "recipients"}
SECRET_KEYS = ("password", "webhook_url")


def build_reporter(config: PyMacaronConfig | None = None) -> Callable[[str, str], object] | None:
    """See :func:`pymacaron.crash.reporters.reporter_from_config`."""
    config = config if config is not None else get_config()
    section = config.get("crash_reports")
    if section is None or section == {}:
        return None
    where = config.get("config_path") or "pym-config.yaml"
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: crash_reports must be a mapping with slack: and/or email: "
                          f"(see pymacaron.crash.reporters), got {section!r}")
    _check_keys(section, SECTION_KEYS, (), where, "crash_reports")
    from_env: set[str] = set()
    missing: list[tuple[str, str]] = []
    section = _resolve(section, set(config.get("env_secrets") or []), "crash_reports", from_env, missing)
    if missing:
        lines = "\n  ".join(f"${var} (for '{path}')" for var, path in missing)
        raise ConfigError(f"{where}: environment variable(s) listed in env_secrets are not set:\n  {lines}\n"
                          f"Export them before starting the service (e.g. export {missing[0][0]}=...), "
                          "or remove them from env_secrets.")
    reporters: list[Callable[[str, str], object]] = [default_reporter] if section.get("log") else []
    slack = section.get("slack")
    if slack is not None:
        if isinstance(slack, str):
            if "crash_reports.slack" in from_env:
                from_env.add("crash_reports.slack.webhook_url")
            slack = {"webhook_url": slack}
        reporters.append(_build(SlackReporter, slack, SLACK_KEYS, "slack", where, from_env))
    if section.get("email") is not None:
        reporters.append(_build(EmailReporter, section["email"], EMAIL_KEYS, "email", where, from_env))
    if not reporters:
        return None
    return reporters[0] if len(reporters) == 1 else FanOutReporter(reporters)


def _resolve(value: Any, names: set[str], path: str, from_env: set[str], missing: list[tuple[str, str]]) -> Any:
    """``value`` with every string naming an env secret replaced by the variable's value."""
    if isinstance(value, dict):
        return {k: _resolve(v, names, f"{path}.{k}", from_env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, names, f"{path}[{i}]", from_env, missing) for i, v in enumerate(value)]
    if isinstance(value, str) and value in names:
        if value not in os.environ:
            missing.append((value, path))
            return value
        from_env.add(path)
        return os.environ[value]
    return value


def _check_keys(mapping, known, required, where, path):
    unknown = sorted(str(k) for k in mapping if k not in known)
    if unknown:
        raise ConfigError(f"{where}: {path}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(known))})")
    for key in required:
        if mapping.get(key) in (None, "", []):
            raise ConfigError(f"{where}: {path}: the key '{key}' is required (see pymacaron.crash.reporters)")
    for key, value in mapping.items():
        types, description = known[key]
        bad_bool = isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,))
        if value is not None and (bad_bool or not isinstance(value, types)):
            raise ConfigError(f"{where}: {path}.{key} must be {description}, got {value!r}")


def _build(cls, mapping, known, name, where, from_env):
    path = f"crash_reports.{name}"
    _check_keys(mapping, known, REQUIRED[name], where, path)
    for key in SECRET_KEYS:
        value = mapping.get(key)
        if not isinstance(value, str) or not value or f"{path}.{key}" in from_env:
            continue
        if _ENV_NAME.match(value):
            raise ConfigError(f"{where}: {path}.{key} is {value!r}, the name of an environment variable, but "
                              f"{value} is not listed in env_secrets: add it there (env_secrets: [{value}, ...])")
        log.warning("%s: %s.%s is written in the file: keep secrets out of it (list an environment variable "
                    "in env_secrets and name it here)", where, path, key)
    kwargs = {ARG_NAMES.get(k, k): v for k, v in mapping.items() if v is not None}
    try:
        return cls(**kwargs)
    except ValueError as e:
        raise ConfigError(f"{where}: {path}: {e}") from None

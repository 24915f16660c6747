"""The service configuration: ``pym-config.yaml`` as a process-wide object.

``get_config()`` returns the singleton; every top-level key of the yaml is
an attribute. The file is searched, first match wins:

1. the explicit ``path`` given to ``get_config(path=...)`` (a file or folder),
2. ``$PYM_CONFIG`` (a file or folder),
3. the folder of the running script (``sys.argv[0]``), then ``/pym``, then
   the script's ``test/`` folder, then the current directory.

In each folder ``pym-config.<PYM_ENV>.yaml`` is preferred to ``pym-config.yaml``.

``env_secrets`` lists environment variables; every key whose value is one
of those names gets the variable's value. A variable that is not set stops
start-up with an error naming it. Secret values are never logged: ``repr``
and :meth:`PyMacaronConfig.redacted` mask them entirely.
"""

from __future__ import annotations

import logging
import os
import sys
from urllib.parse import urlsplit

import yaml

log = logging.getLogger(__name__)

CONFIG_NAME = "pym-config.yaml"

DEFAULTS = {
    "jwt_issuer": None,
    "jwt_audience": None,
    "jwt_secret": None,
    "jwt_token_timeout": 86400,
    "jwt_token_renew_after": 10800,
    "jwt_leeway": 30,
    "jwt_algorithms": ["HS256"],
    "default_user_id": "PYM_DEFAULT_USER_ID",
    "report_call_exceeding_ms": 1000,
    "report_errors": True,
    "max_body_size": 10 * 1024 * 1024,
    "cors_origins": [],
    "base_path_aliases": True,
    "deploy_target": "aws-beanstalk",
    "docker_base": "",
    "include_links": [],
    "aws_hosts_min": 1,
    "aws_hosts_max": 4,
    "gcp_region": "europe-west1",
    "gcp_memory": "512Mi",
    "gcp_request_concurrency": 10,
    "cpu_count": 1,
}

_SECRET_WORDS = ("secret", "password", "passwd", "token", "private", "credential", "api_key", "apikey")


class ConfigError(Exception):
    """The configuration cannot be loaded; the message says what to fix."""


def _candidate_dirs(path=None):
    dirs = []
    if path:
        dirs.append(path)
    env_path = os.environ.get("PYM_CONFIG")
    if env_path:
        dirs.append(env_path)
    script_dir = os.path.dirname(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else None
    if script_dir:
        dirs.append(script_dir)
    dirs.append("/pym")
    if script_dir:
        dirs.append(os.path.join(script_dir, "test"))
    dirs.append(os.getcwd())
    return dirs


def get_config_path(name=CONFIG_NAME, path=None, env=None):
    """Find ``name`` (preferring its ``.<env>`` variant) -> (path or None, places searched)."""
    env = env if env is not None else os.environ.get("PYM_ENV")
    stem, ext = os.path.splitext(name)
    names = ([f"{stem}.{env}{ext}"] if env else []) + [name]
    searched = []
    for place in _candidate_dirs(path):
        if os.path.isfile(place):
            return place, [place]
        for n in names:
            candidate = os.path.join(place, n)
            searched.append(candidate)
            if os.path.isfile(candidate):
                return candidate, searched
    return None, searched


def is_secret_key(key):
    low = key.lower()
    return any(w in low for w in _SECRET_WORDS)


class PyMacaronConfig:
    """Attributes are the yaml's keys (plus defaults)."""

    def __init__(self, path=None, env=None, data=None):
        object.__setattr__(self, "_secret_keys", set())
        object.__setattr__(self, "_secret_values", set())
        self.pym_env = env if env is not None else os.environ.get("PYM_ENV", "")
        self.config_path = None
        if data is None:
            found, searched = get_config_path(CONFIG_NAME, path, env)
            if found is None:
                places = "\n  ".join(searched)
                raise ConfigError(
                    f"Failed to find pym-config! Looked for {CONFIG_NAME} in:\n  {places}\n"
                    "Create pym-config.yaml in the service's root folder (next to server.py), "
                    "or point PYM_CONFIG at it.")
            self.config_path = os.path.abspath(found)
            data = self._read(found)
        self._load(data)

    @staticmethod
    def _read(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}{where}: invalid YAML: {getattr(e, 'problem', e)}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the configuration must be a YAML mapping of keys to values")
        return data

    def _load(self, data):
        for key, value in DEFAULTS.items():
            object.__setattr__(self, key, list(value) if isinstance(value, list) else value)
        secrets = data.get("env_secrets") or []
        if isinstance(secrets, str):
            secrets = [secrets]
        missing = []
        where = self.config_path or "the configuration"
        for key, value in data.items():
            if isinstance(value, str) and value in secrets:
                if value not in os.environ:
                    missing.append((value, key))
                    continue
                value = os.environ[value]
                self._secret_keys.add(key)
                if value:
                    self._secret_values.add(value)
            object.__setattr__(self, str(key), value)
        for name in secrets:
            value = os.environ.get(name)
            if value:
                self._secret_values.add(value)
        if missing:
            lines = "\n  ".join(f"{var} (for '{key}')" for var, key in missing)
            raise ConfigError(
                f"{where}: environment variable(s) listed in env_secrets are not set:\n  {lines}\n"
                "Export them before starting the service (e.g. export "
                f"{missing[0][0]}=...), or remove them from env_secrets.")
        for key in list(vars(self)):
            if is_secret_key(key) and key not in ("jwt_token_timeout", "jwt_token_renew_after"):
                value = getattr(self, key)
                if isinstance(value, str) and value:
                    self._secret_keys.add(key)
                    self._secret_values.add(value)
        self.env_secrets = list(secrets)
        if getattr(self, "live_url", None):
            parts = urlsplit(self.live_url)
            if not parts.hostname:
                raise ConfigError(f"{where}: live_url {self.live_url!r} is not a URL (e.g. https://api.example.com)")
            self.live_host = parts.hostname
            self.live_port = parts.port or (443 if parts.scheme == "https" else 80)
            self.live_proto = parts.scheme or "http"
        elif getattr(self, "live_host", None):
            self.live_port = 443 if getattr(self, "aws_cert_arn", None) else 80
            self.live_proto = "https" if self.live_port == 443 else "http"

    def check_mandatory(self):
        """Raise ConfigError unless the keys every service needs are set."""
        where = self.config_path or "the configuration"
        if not getattr(self, "name", None):
            raise ConfigError(f"{where}: the mandatory key 'name' is missing (a short name for the service)")
        if not getattr(self, "live_host", None):
            raise ConfigError(f"{where}: the mandatory key 'live_url' (or 'live_host') is missing "
                              "(the URL of the live service, e.g. live_url: https://api.example.com)")
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"pym-config has no key {name!r}")

    def get(self, name, default=None):
        return getattr(self, name, default)

    @property
    def secret_values(self):
        """Every secret value this config holds (for redaction)."""
        return frozenset(self._secret_values)

    def is_secret(self, key):
        return key in self._secret_keys

    def redacted(self):
        """The config as a dict, secret values replaced by '****'."""
        out = {}
        for key, value in vars(self).items():
            if key.startswith("_"):
                continue
            out[key] = "****" if key in self._secret_keys and value else value
        return out

    def __repr__(self):
        return f"PyMacaronConfig({self.redacted()!r})"


_config = None


def get_config(path=None, env=None):
    """The configuration singleton (``path``/``env`` count on the first call only)."""
    global _config
    if _config is None:
        _config = PyMacaronConfig(path=path, env=env)
    return _config


def load_config(path=None, env=None, data=None):
    """(Re)load the configuration, replacing the singleton."""
    global _config
    _config = PyMacaronConfig(path=path, env=env, data=data)
    return _config


def reset_config():
    global _config
    _config = None


def config_loaded():
    return _config is not None

"""The service configuration: ``pym-config.yaml`` as a process-wide object.

``get_config()`` returns the singleton; every top-level key of the yaml is
an attribute (settable at runtime: ``get_config().x = 1``). The file is
searched, first match wins:

1. the explicit ``path`` given to ``get_config(path=...)`` (a file or folder),
2. ``$PYM_CONFIG`` (a file or folder),
3. the folder of the running script (``sys.argv[0]``), then :data:`PYM_ROOT`
   (``/pym``, the service's folder in pymacaron's docker images), then the
   script's ``test/`` folder, then the current directory.

In each folder ``pym-config.<PYM_ENV>.yaml`` is preferred to ``pym-config.yaml``.
An explicit path (argument or ``$PYM_CONFIG``) that does not exist is an error.

``env_secrets`` lists environment variables; every key whose value is one
of those names gets the variable's value. A variable that is not set stops
start-up with an error naming the variable and the key it feeds (never a
fallback value). Secret values are never logged, not even in part: ``repr``
and :meth:`PyMacaronConfig.redacted` mask them entirely, and
:attr:`PyMacaronConfig.secret_values` lets log and report scrubbers find them.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml

log = logging.getLogger(__name__)

CONFIG_NAME = "pym-config.yaml"
PYM_ROOT = "/pym"  # searched after the script's folder; tests point it at a tmp dir
MASK = "****"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
    "startup_cache": True,
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

_SECRET_WORDS = ("secret", "password", "passwd", "token", "private", "credential", "api_key", "apikey", "webhook")
_NOT_SECRET = frozenset({"jwt_token_timeout", "jwt_token_renew_after", "jwt_public_key", "env_secrets"})
# set by the loader, or methods: a yaml key of that name would shadow them
_RESERVED = frozenset({"config_path", "pym_env", "get", "redacted", "check_mandatory", "is_secret",
                       "secret_values"})


class ConfigError(Exception):
    """The configuration cannot be loaded; the message says what to fix."""


def _search_places(path: str | os.PathLike[str] | None = None) -> list[tuple[str, str | None]]:
    """[(place, origin)] in search order; ``origin`` is set for places the user named explicitly."""
    places: list[tuple[str, str | None]] = []
    if path:
        places.append((str(path), "get_config(path=...)"))
    env_path = os.environ.get("PYM_CONFIG")
    if env_path:
        places.append((env_path, "$PYM_CONFIG"))
    script_dir = os.path.dirname(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else None
    if script_dir:
        places.append((script_dir, None))
    places.append((PYM_ROOT, None))
    if script_dir:
        places.append((os.path.join(script_dir, "test"), None))
    places.append((os.getcwd(), None))
    return places


def get_config_path(name: str = CONFIG_NAME, path: str | os.PathLike[str] | None = None,
                    env: str | None = None) -> tuple[str | None, list[str]]:
    """Find ``name`` (preferring its ``.<env>`` variant) -> (path or None, places searched).

    Raises ConfigError when ``path`` or ``$PYM_CONFIG`` names something that does not exist.
    """
    env = env if env is not None else os.environ.get("PYM_ENV")
    stem, ext = os.path.splitext(name)
    names = ([f"{stem}.{env}{ext}"] if env else []) + [name]
    searched: list[str] = []
    seen: set[str] = set()
    for place, origin in _search_places(path):
        if origin and not os.path.exists(place):
            raise ConfigError(f"{origin} is {place!r}, which does not exist: point it at {name} "
                              "or at the folder holding it")
        if os.path.isfile(place):
            return place, searched + [place]
        real = os.path.realpath(place)
        if real in seen:
            continue
        seen.add(real)
        for n in names:
            candidate = os.path.join(place, n)
            searched.append(candidate)
            if os.path.isfile(candidate):
                return candidate, searched
    return None, searched


def is_secret_key(key: object) -> bool:
    """True for keys whose value is a secret (by name: jwt_secret, aws_secret_access_key, scout_key...)."""
    low = str(key).lower()
    if low in _NOT_SECRET:
        return False
    return any(w in low for w in _SECRET_WORDS) or "key" in low.replace("-", "_").split("_")


def _key_lines(path: str) -> dict[str, int]:
    """{top-level key: line number} of a yaml file (for error messages; {} if unreadable)."""
    try:
        with open(path, encoding="utf-8") as f:
            node = yaml.compose(f, Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


class PyMacaronConfig:
    """Attributes are the yaml's keys (plus :data:`DEFAULTS`, ``config_path`` and ``pym_env``)."""

    config_path: str | None
    pym_env: str
    env_secrets: list[str]

    def __init__(self, path: str | os.PathLike[str] | None = None, env: str | None = None,
                 data: dict[str, Any] | None = None) -> None:
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
        elif not isinstance(data, dict):
            raise ConfigError(f"PyMacaronConfig(data=...) takes a dict, got {type(data).__name__}")
        self._load(data)

    @staticmethod
    def _read(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.load(f, Loader=_LOADER)
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the configuration: {e.strerror}") from None
        except yaml.YAMLError as e:
            # the problem only: str(e) quotes the offending line, which may hold a secret
            mark = getattr(e, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            problem = getattr(e, "problem", None) or type(e).__name__
            raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the configuration must be a YAML mapping of keys to values "
                              f"(key: value lines), not a {type(data).__name__}")
        return data

    def _where(self, key=None):
        if not self.config_path:
            return "pym-config"
        line = _key_lines(self.config_path).get(key) if key is not None else None
        return f"{self.config_path} line {line}" if line else self.config_path

    def _load(self, data):
        for key, value in DEFAULTS.items():
            object.__setattr__(self, key, list(value) if isinstance(value, list) else value)
        for key in data:
            if not isinstance(key, str):
                raise ConfigError(f"{self._where()}: key {key!r} must be a string")
            if key in _RESERVED or key.startswith("_"):
                raise ConfigError(f"{self._where(key)}: '{key}' is a reserved name in pym-config: rename the key")
        secrets = self._env_secret_names(data)
        missing = []
        for key, value in data.items():
            if isinstance(value, str) and value in secrets:
                if value not in os.environ:
                    missing.append((value, key))
                    continue
                value = os.environ[value]
                self._secret_keys.add(key)
            object.__setattr__(self, key, value)
        if missing:
            lines = "\n  ".join(f"${var} (for '{key}', {self._where(key)})" for var, key in missing)
            raise ConfigError(
                f"{self._where()}: environment variable(s) listed in env_secrets are not set:\n  {lines}\n"
                f"Export them before starting the service (e.g. export {missing[0][0]}=...), "
                "or remove them from env_secrets.")
        others = {k: v for k, v in data.items() if k != "env_secrets"}
        for name in secrets:
            if name in os.environ:
                self._add_secret_value(os.environ[name])
            elif not _mentions(others, name):  # nested uses (crash_reports...) are checked by their readers
                log.warning("env_secrets lists $%s, which is not set (no key uses it)", name)
        for key, value in vars(self).items():
            if not key.startswith("_"):
                self._collect_secrets(key, value)
        self.env_secrets = list(secrets)
        self._derive_live()
        log.debug("pym-config loaded from %s (env %r): %s", self.config_path or "defaults", self.pym_env,
                  self.redacted())

    def _env_secret_names(self, data):
        secrets = data.get("env_secrets") or []
        if isinstance(secrets, str):
            secrets = [secrets]
        if not isinstance(secrets, list) or not all(isinstance(s, str) and s for s in secrets):
            raise ConfigError(f"{self._where('env_secrets')}: env_secrets must be a list of environment "
                              "variable names, e.g. env_secrets: [PYM_JWT_SECRET]")
        return secrets

    def _derive_live(self):
        live_url = getattr(self, "live_url", None)
        if live_url:
            parts = urlsplit(str(live_url))
            try:
                port = parts.port
            except ValueError:
                port, parts = None, None
            if parts is None or not parts.hostname or parts.scheme not in ("http", "https"):
                raise ConfigError(f"{self._where('live_url')}: live_url {live_url!r} is not an http(s) URL "
                                  "(e.g. live_url: https://api.example.com)")
            self.live_host = parts.hostname
            self.live_port = port or (443 if parts.scheme == "https" else 80)
            self.live_proto = parts.scheme
        elif getattr(self, "live_host", None):
            if "live_port" not in vars(self):
                self.live_port = 443 if getattr(self, "aws_cert_arn", None) else 80
            if "live_proto" not in vars(self):
                self.live_proto = "https" if self.live_port == 443 else "http"

    def _add_secret_value(self, value):
        if isinstance(value, str) and value:
            self._secret_values.add(value)

    def _collect_secrets(self, key, value):
        """Register ``value`` as secret if ``key`` names a secret (nested mappings included)."""
        if isinstance(value, dict):
            for k, v in value.items():
                self._collect_secrets(k, v)
            return
        if isinstance(value, list):
            if is_secret_key(key):
                for v in value:
                    self._add_secret_value(v)
            return
        if key in self._secret_keys or is_secret_key(key):
            self._add_secret_value(value)

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if not name.startswith("_") and name not in ("config_path", "pym_env"):
            self._collect_secrets(name, value)

    def check_mandatory(self) -> PyMacaronConfig:
        """Raise ConfigError unless the keys every service needs are set."""
        where = self.config_path or "pym-config (no pym-config.yaml was found: defaults only)"
        if not getattr(self, "name", None):
            raise ConfigError(f"{where}: the mandatory key 'name' is missing (add e.g. name: myservice, "
                              "a short name for the service)")
        if not getattr(self, "live_host", None):
            raise ConfigError(f"{where}: the mandatory key 'live_url' (or 'live_host') is missing "
                              "(the URL of the live service, e.g. live_url: https://api.example.com)")
        return self

    def __getattr__(self, name: str) -> Any:  # a key the yaml does not have: AttributeError saying so
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"pym-config has no key {name!r} (add it to pym-config.yaml, "
                             f"or read it with get_config().get({name!r}, default))")

    def get(self, name: str, default: Any = None) -> Any:
        """The value of key ``name``, or ``default`` when the config has no such key."""
        return getattr(self, name, default)

    @property
    def secret_values(self) -> frozenset[str]:
        """Every secret value this config holds (for redaction)."""
        return frozenset(self._secret_values)

    def is_secret(self, key: str) -> bool:
        """Whether the value of ``key`` is a secret (from env_secrets, or a secret-looking name with a value)."""
        return key in self._secret_keys or (is_secret_key(key) and bool(getattr(self, key, None)))

    def redacted(self) -> dict[str, Any]:
        """The config as a dict, secret values replaced by '****' (also inside nested values)."""
        secrets = self._secret_values
        return {key: MASK if self.is_secret(key) and value else _mask(value, secrets)
                for key, value in vars(self).items() if not key.startswith("_")}

    def __repr__(self) -> str:
        return f"PyMacaronConfig({self.redacted()!r})"


def _mentions(value: Any, name: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, name) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, name) for v in value)
    return value == name


def _mask(value: Any, secrets: set[str] | frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(k) and v else _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(v, secrets) for v in value]
    if isinstance(value, str):
        for s in secrets:
            if s in value:
                value = value.replace(s, MASK)
    return value


_config: PyMacaronConfig | None = None


def get_config(path: str | os.PathLike[str] | None = None, env: str | None = None) -> PyMacaronConfig:
    """The configuration singleton (``path``/``env`` count on the first call only)."""
    global _config
    if _config is None:
        _config = PyMacaronConfig(path=path, env=env)
    return _config


def load_config(path: str | os.PathLike[str] | None = None, env: str | None = None,
                data: dict[str, Any] | None = None) -> PyMacaronConfig:
    """(Re)load the configuration, replacing the singleton."""
    global _config
    _config = PyMacaronConfig(path=path, env=env, data=data)
    return _config


def reset_config() -> None:
    """Forget the loaded configuration: the next get_config() reads the file again."""
    global _config
    _config = None


def config_loaded() -> bool:
    """Whether a configuration is loaded (get_config() would not search for the file)."""
    return _config is not None

"""The observability keys of pym-config, checked once at start-up.

=================  ==========  ==========================================================
key                default     meaning
=================  ==========  ==========================================================
tracing            false       true, or a mapping ``{exporter, endpoint, service_name,
                               sample_ratio}``: OpenTelemetry spans (pymacaron[otel])
metrics            false       serve ``GET /metrics`` (pymacaron[metrics])
metrics_token      unset       /metrics answers 401 without ``Authorization: Bearer <it>``
metrics_port       unset       /metrics on this port only (a server of its own)
log_format         text        ``json``: one JSON object per log line
access_log         (json)      one log line per request; on by default with json logs
gzip               false       compress responses (``gzip_min_size`` bytes and more)
gzip_min_size      1024
gzip_level         6
shutdown_grace     30          seconds in-flight requests get to finish after SIGTERM
=================  ==========  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymacaron.config import ConfigError, PyMacaronConfig

EXPORTERS = ("otlp", "console", "memory", "none")


@dataclass(frozen=True)
class Tracing:
    """The ``tracing:`` key: where spans go (``exporter``, ``endpoint``), the service's name, the sampled share."""
    exporter: str = "otlp"
    endpoint: str | None = None  # None: the OTEL_EXPORTER_OTLP_* variables, else http://localhost:4318
    service_name: str | None = None  # None: $OTEL_SERVICE_NAME, else the config's name
    sample_ratio: float = 1.0


@dataclass(frozen=True)
class Settings:
    """The observability keys of one pym-config, checked (see the module docstring for each)."""
    tracing: Tracing | None = None
    metrics: bool = False
    metrics_token: str | None = None
    metrics_port: int | None = None
    log_format: str = "text"
    access_log: bool = False
    gzip: bool = False
    gzip_min_size: int = 1024
    gzip_level: int = 6
    shutdown_grace: float = 30.0
    name: str = field(default="", compare=False)

    @property
    def observed(self) -> bool:
        """Whether each request goes through :mod:`pymacaron.observability.observe` (tracing, metrics or access log)."""
        return self.tracing is not None or self.metrics or self.access_log


def _where(config: Any, key: str) -> str:
    where = getattr(config, "_where", None)
    if callable(where):
        return where(key)
    return getattr(config, "config_path", None) or "pym-config.yaml"


def _bool(config: Any, key: str, default: bool) -> bool:
    value = config.get(key, default) if config is not None else default
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(f"{_where(config, key)}: {key} must be true or false, got {value!r}")
    return value


def _number(config: Any, key: str, default: Any, minimum: float, maximum: float | None = None,
            integer: bool = True) -> Any:
    value = config.get(key, default) if config is not None else default
    if value is None:
        return default
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum or \
            (maximum is not None and value > maximum):
        what = "a whole number" if integer else "a number"
        bound = f" from {minimum} to {maximum}" if maximum is not None else f" >= {minimum}"
        raise ConfigError(f"{_where(config, key)}: {key} must be {what}{bound}, got {value!r}")
    return value


def _tracing(config: Any) -> Tracing | None:
    value = config.get("tracing", False) if config is not None else False
    if value in (None, False):
        return None
    if value is True:
        return Tracing()
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(config, 'tracing')}: tracing must be true, false or a mapping such as "
                          "{exporter: otlp, endpoint: 'http://collector:4318'}, got " + repr(value))
    unknown = sorted(set(value) - {"exporter", "endpoint", "service_name", "sample_ratio"})
    if unknown:
        raise ConfigError(f"{_where(config, 'tracing')}: tracing has no key {unknown[0]!r} (known: exporter, "
                          "endpoint, service_name, sample_ratio)")
    exporter = value.get("exporter", "otlp")
    if exporter not in EXPORTERS:
        raise ConfigError(f"{_where(config, 'tracing')}: tracing.exporter must be one of {', '.join(EXPORTERS)}, "
                          f"got {exporter!r}")
    endpoint = value.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://"))):
        raise ConfigError(f"{_where(config, 'tracing')}: tracing.endpoint must be the collector's http(s) URL, "
                          f"e.g. http://otel-collector:4318, got {endpoint!r}")
    name = value.get("service_name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ConfigError(f"{_where(config, 'tracing')}: tracing.service_name must be a non-empty string")
    ratio = value.get("sample_ratio", 1.0)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
        raise ConfigError(f"{_where(config, 'tracing')}: tracing.sample_ratio must be a number from 0 to 1, "
                          f"got {ratio!r}")
    return Tracing(exporter=exporter, endpoint=endpoint, service_name=name, sample_ratio=float(ratio))


def settings_from_config(config: PyMacaronConfig | None) -> Settings:
    """-> :class:`Settings` (a ConfigError names the file, the line and what to write instead)."""
    if config is None:
        return Settings()
    log_format = config.get("log_format", "text") or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"{_where(config, 'log_format')}: log_format must be text or json, got {log_format!r}")
    token = config.get("metrics_token")
    if token is not None and (not isinstance(token, str) or len(token) < 16):
        raise ConfigError(f"{_where(config, 'metrics_token')}: metrics_token must be a string of at least 16 "
                          "characters (list its environment variable in env_secrets, e.g. metrics_token: "
                          "PYM_METRICS_TOKEN)")
    port = config.get("metrics_port")
    if port is not None:
        port = _number(config, "metrics_port", None, 1, 65535)
    return Settings(
        tracing=_tracing(config),
        metrics=_bool(config, "metrics", False),
        metrics_token=token,
        metrics_port=port,
        log_format=log_format,
        access_log=_bool(config, "access_log", log_format == "json"),
        gzip=_bool(config, "gzip", False),
        gzip_min_size=_number(config, "gzip_min_size", 1024, 0),
        gzip_level=_number(config, "gzip_level", 6, 1, 9),
        shutdown_grace=float(_number(config, "shutdown_grace", 30, 0, 3600, integer=False)),
        name=str(config.get("name", "") or ""),
    )

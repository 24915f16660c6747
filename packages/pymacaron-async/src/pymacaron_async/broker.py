"""Which broker carries the tasks: ``celery_broker_url`` in pym-config.yaml, else the embedded one.

``celery_broker_url: redis://127.0.0.1:6379/0`` (any kombu URL: redis, rediss,
amqp, sqs...) selects a broker server. A URL holding a password belongs in an
environment variable listed in ``env_secrets`` (``celery_broker_url:
PYM_BROKER_URL``): it is then masked in logs and reports.

Without the key, tasks go through the embedded broker: files under
``<project>/.pym/celery/`` (``<project>`` is the folder of pym-config.yaml),
read by :mod:`pymacaron_async.fsbroker`. It needs no server, so ``python
server.py`` just works on a laptop; it suits one machine only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pymacaron_async.delivery import redis_restore_options, visibility_timeout
from pymacaron_async.exceptions import AsyncConfigError

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig

CONFIG_KEY = "celery_broker_url"
EMBEDDED_URL = "filesystem://localhost//"
EMBEDDED_TRANSPORT = "pymacaron_async.fsbroker:Transport"
STATE_FOLDER = ".pym"
POLLING_INTERVAL = 0.1  # seconds between two looks at the embedded queue folder


@dataclass(frozen=True)
class Broker:
    """How to reach the broker: what Celery needs, and a description safe to log."""

    url: str = field(repr=False)
    transport: str | None
    transport_options: dict = field(repr=False, hash=False, compare=False)
    description: str
    folder: str | None = None  # the embedded broker's folder

    @property
    def embedded(self) -> bool:
        """True for the embedded (filesystem) broker."""
        return self.folder is not None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """What identifies the broker: two equal keys reach the same one."""
        return (self.url, self.transport, self.folder)


def project_folder(config: PyMacaronConfig | None) -> str:
    """The service's folder: where pym-config.yaml is, else the current directory."""
    path = config.get("config_path") if config is not None else None
    return os.path.dirname(os.path.abspath(path)) if path else os.getcwd()


def embedded_folder(config: PyMacaronConfig | None) -> str:
    """The embedded broker's folder: ``.pym/celery`` in the service's folder."""
    return os.path.join(project_folder(config), STATE_FOLDER, "celery")


def broker_for(config: PyMacaronConfig | None) -> Broker:
    """The :class:`Broker` that ``config`` (a PyMacaronConfig) selects."""
    url = config.get(CONFIG_KEY) if config is not None else None
    if url in (None, ""):
        return _embedded(embedded_folder(config))
    assert config is not None  # a URL came from it
    where = f"{CONFIG_KEY} in {config.get('config_path') or 'pym-config'}"
    if not isinstance(url, str):
        raise AsyncConfigError(f"{where} must be a URL string such as redis://127.0.0.1:6379/0, "
                               f"got {type(url).__name__}")
    scheme = urlsplit(url).scheme
    if not scheme:
        raise AsyncConfigError(f"{where} is not a broker URL (expected e.g. redis://127.0.0.1:6379/0); remove the "
                               "key to use the embedded broker under .pym/")
    transport = scheme.split("+", 1)[0]
    from kombu.transport import TRANSPORT_ALIASES

    if transport not in TRANSPORT_ALIASES:
        known = ", ".join(sorted(k for k in TRANSPORT_ALIASES if k in ("redis", "rediss", "amqp", "sqs", "memory")))
        raise AsyncConfigError(f"{where}: unknown broker scheme {scheme!r}; use one of {known} "
                               "(e.g. redis://127.0.0.1:6379/0), or remove the key for the embedded broker")
    if transport == "filesystem":
        folder = os.path.join(project_folder(config), STATE_FOLDER, "celery")
        return _embedded(folder)
    # redis/sqs: a task not acknowledged within that time is delivered again (pymacaron_async.delivery)
    options: dict[str, Any] = {}
    if transport in ("redis", "rediss", "sqs"):
        options["visibility_timeout"] = visibility_timeout(config)
    if transport in ("redis", "rediss"):
        options.update(redis_restore_options(options["visibility_timeout"]))
    return Broker(url=url, transport=None, transport_options=options, description=_describe(url))


def _describe(url):
    """``url`` without its user and password (what may be logged)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _embedded(folder):
    queue = os.path.join(folder, "queue")
    options = {
        "data_folder_in": queue,
        "data_folder_out": queue,
        "processed_folder": os.path.join(folder, "processing"),
        "control_folder": os.path.join(folder, "control"),
        "polling_interval": POLLING_INTERVAL,
    }
    return Broker(url=EMBEDDED_URL, transport=EMBEDDED_TRANSPORT, transport_options=options,
                  description=f"embedded broker in {folder}", folder=folder)


def prepare(broker: Broker) -> None:
    """Create the embedded broker's folders (private to the user: messages hold callers' tokens)."""
    if not broker.embedded:
        return
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        try:
            os.makedirs(broker.transport_options[key], mode=0o700, exist_ok=True)
        except OSError as e:
            raise AsyncConfigError(f"cannot create the embedded broker's folder {broker.transport_options[key]}: "
                                   f"{e.strerror}; make the service folder writable, or set {CONFIG_KEY} to "
                                   "a broker server (e.g. redis://127.0.0.1:6379/0)") from None

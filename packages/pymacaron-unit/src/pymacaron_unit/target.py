"""Where the service under test is: ``PYM_SERVER_HOST``, ``PYM_SERVER_PORT`` and ``PYM_JWT_TOKEN``.

``pymacaron test`` sets them for the tests it runs; set them yourself to run ``pytest testaccept``
by hand. The host may be written as a URL (``http://``, ``https://`` and a trailing ``/`` are
stripped).
"""

from __future__ import annotations

from collections.abc import Mapping

import os
from typing import NamedTuple

from pymacaron_unit._http import base_url

HOST_VAR = "PYM_SERVER_HOST"
PORT_VAR = "PYM_SERVER_PORT"
TOKEN_VAR = "PYM_JWT_TOKEN"


class TargetError(Exception):
    """The target is not set, or not usable: the message says which variable and how to fix it."""


class Target(NamedTuple):
    """The service under test: host, port and the JWT to send (or None)."""

    host: str
    port: int
    token: str | None = None

    @property
    def base_url(self) -> str:
        """``http(s)://host:port`` (https on port 443)."""
        return base_url(self.host, self.port)


def clean_host(host: str) -> str:
    """``https://api.example.com/`` -> ``api.example.com``."""
    host = host.strip()
    for prefix in ("http://", "https://"):
        if host.lower().startswith(prefix):
            host = host[len(prefix):]
    return host.rstrip("/")


def parse_port(value: object, what: str = PORT_VAR) -> int:
    """``value`` as a port number (1..65535); TargetError naming ``what`` otherwise."""
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise TargetError(f"{what}={value!r} is not a port number (1-65535)")
    return port


def target_from_env(environ: Mapping[str, str] | None = None, host: str | None = None,
                    port: int | str | None = None) -> Target:
    """The target from the environment (``host``/``port`` arguments win); TargetError if incomplete."""
    environ = os.environ if environ is None else environ
    host = host or environ.get(HOST_VAR)
    port = port or environ.get(PORT_VAR)
    missing = [name for name, value in ((HOST_VAR, host), (PORT_VAR, port)) if not value]
    if missing:
        raise TargetError(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: run the "
                          "acceptance tests with 'pymacaron test' (or pymtest), or export PYM_SERVER_HOST and "
                          "PYM_SERVER_PORT (e.g. 127.0.0.1 and 8080) for a running service")
    host = clean_host(str(host))
    if not host:
        raise TargetError(f"{HOST_VAR} is empty once 'http(s)://' is removed: set it to a host name or address")
    return Target(host=host, port=parse_port(port), token=environ.get(TOKEN_VAR) or None)

"""Small helpers kept from pymacaron v1."""

from __future__ import annotations

import datetime
import os

VERSION_FILE = "/pym/VERSION"


def timenow() -> datetime.datetime:
    """Now, as an aware UTC datetime."""
    return datetime.datetime.now(datetime.timezone.utc)


def to_epoch(t: datetime.datetime | str) -> int:
    """A datetime (or ISO string; naive means UTC) -> integer seconds since the epoch."""
    if isinstance(t, str):
        t = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp())


def to_datetime(epoch: float | str) -> datetime.datetime:
    """Seconds since the epoch (a number or its text; fractions dropped) -> an aware UTC datetime."""
    return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)


def get_container_version() -> str:
    """The Docker image version (/pym/VERSION), or 'local' outside a container."""
    try:
        with open(os.environ.get("PYM_VERSION_FILE", VERSION_FILE)) as f:
            return f.read().strip()
    except OSError:
        return "local"


def get_app_name() -> str:
    """The service's ``name`` in the loaded pym-config."""
    from pymacaron.config import get_config

    return get_config().name

"""``~/.env.secrets``: read when ``AWS_SECRET_ACCESS_KEY`` is unset, as the original pymtest did.

Only ``NAME=value`` and ``export NAME=value`` lines are read (quotes around the value are removed;
no shell expansion); blank lines and ``#`` comments are skipped. Variables already set win. Values
are never printed.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import os
import re

TRIGGER = "AWS_SECRET_ACCESS_KEY"
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def parse(text: str) -> dict[str, str]:
    """``{name: value}`` of the assignment lines of ``text``."""
    found = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[m.group(1)] = value
    return found


def secrets_path(environ: Mapping[str, str]) -> str:
    """``~/.env.secrets`` (HOME of ``environ``)."""
    return os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".env.secrets")


def load_secrets(environ: MutableMapping[str, str]) -> list[str]:
    """Add ~/.env.secrets' variables to ``environ`` (a dict) when it lacks AWS_SECRET_ACCESS_KEY.

    Returns the names added (for a message), never the values.
    """
    if environ.get(TRIGGER):
        return []
    path = secrets_path(environ)
    try:
        with open(path, encoding="utf-8") as f:
            values = parse(f.read())
    except (OSError, UnicodeDecodeError):
        return []
    added = [name for name in values if name not in environ]
    for name in added:
        environ[name] = values[name]
    return added

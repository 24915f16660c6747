"""Load a service's Flask app in this process, as its unit tests do (``import server``)."""

from __future__ import annotations

import importlib
import os
import sys

from pymacaron.cli._common import CommandError


def load_app(folder, env=None):
    """Import ``server.py`` of ``folder`` (letsgo builds the app, serves nothing) -> the Flask app.

    The folder goes first on sys.path and becomes the current folder; ``PYM_CONFIG`` points at it
    unless set. Spec and config problems become a CommandError with pymacaron's message.
    """
    from pymacaron_core.exceptions import SpecError

    from pymacaron.config import ConfigError

    if not os.path.isfile(os.path.join(folder, "server.py")):
        raise CommandError(f"no server.py in {folder}: run this from the service's folder, or pass --path DIR")
    if env:
        os.environ["PYM_ENV"] = env
    os.environ.setdefault("PYM_CONFIG", folder)
    os.chdir(folder)
    sys.path.insert(0, folder)
    try:
        server = importlib.import_module("server")
    except (SpecError, ConfigError) as e:
        raise CommandError(f"the service does not load:\n{e}") from None
    app = getattr(server, "app", None)
    if app is None:
        raise CommandError(f"{folder}/server.py has no 'app' (keep the Flask app in a variable named 'app')")
    return app


def served_apis(app):
    """The pymacaron_core APIs the app serves, by name."""
    from pymacaron_core.api import APP_EXTENSION

    return dict(app.extensions.get(APP_EXTENSION, {}).get("apis", {}))

"""Loading the service inside a worker, the way gunicorn does: ``import server``.

``server.py`` ends with ``letsgo(__name__, callback=start)``; imported (not
run as a script), ``letsgo`` calls ``start()``, which loads the config, the
specs, the error reporter and the Flask app, and serves nothing. Tasks then
run with the same APIs, models, config and reporter as the endpoints.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

from typing import TYPE_CHECKING, Any

from pymacaron_async.exceptions import AsyncConfigError

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("pymacaron_async")

DEFAULT_MODULE = "server"
_service: dict[str, Any] = {"app": None, "module": None}


def loaded_service_app() -> Flask | None:
    """The Flask app of the service this worker loaded (None elsewhere)."""
    return _service["app"]


def _has_config(folder):
    return any(name.startswith("pym-config") and name.endswith((".yaml", ".yml")) for name in os.listdir(folder))


def load_service(service_dir: str | None = None, module: str = DEFAULT_MODULE) -> Flask | None:
    """Import ``<service_dir>/<module>.py`` (default: ./server.py) -> its Flask app.

    Raises AsyncConfigError naming the file when there is nothing to load; the
    service's own start-up errors (config, specs) propagate with their message.
    """
    from pymacaron.bootstrap import runtime

    service_dir = os.path.abspath(service_dir or os.getcwd())
    path = os.path.join(service_dir, f"{module}.py")
    if not os.path.isfile(path):
        raise AsyncConfigError(f"{path} not found: a worker loads the service from its {module}.py; run it in the "
                               "service's folder (where server.py and pym-config.yaml are) or pass --service-dir")
    if service_dir not in sys.path:
        sys.path.insert(0, service_dir)
    if not os.environ.get("PYM_CONFIG") and _has_config(service_dir):
        os.environ["PYM_CONFIG"] = service_dir  # the config search must not depend on the worker's argv[0]
    if not os.environ.get("PORT") and not os.environ.get("PYM_SERVER_PORT") and os.environ.get("PYM_CELERY_PORT"):
        os.environ["PYM_SERVER_PORT"] = os.environ["PYM_CELERY_PORT"]
    runtime.serve = False
    mod = importlib.import_module(module)
    app = getattr(mod, "app", None)
    if app is None:
        from flask import current_app

        try:
            app = current_app._get_current_object()
        except RuntimeError:
            app = None
    _service.update(app=app, module=mod)
    log.info("pymacaron-async: loaded the service from %s", path)
    return app


def check_async_enabled() -> None:
    """Warn when the loaded config does not set with_async (the web side then runs tasks inline)."""
    from pymacaron.config import config_loaded, get_config

    if config_loaded() and not get_config().get("with_async"):
        log.warning("with_async is not true in %s: the service runs its tasks inline and will send none to this "
                    "worker", get_config().get("config_path") or "pym-config.yaml")

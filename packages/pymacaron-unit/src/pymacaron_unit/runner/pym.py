"""What the runner asks pymacaron, through its versioned surface ``pymacaron.unit_api`` only.

pymacaron-unit does not depend on pymacaron: it is imported lazily, for test tokens
(``--gen-token``), the deployed host and port of an environment (``--env``), the ``env_secrets``
and ``include_links`` of pym-config.yaml, and the specs to fuzz as the service loads them. Each
function turns pymacaron's errors into a RunnerError; a missing pymacaron, or one whose
``unit_api`` is not the version this runner speaks, is one too, saying what to install.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import contextlib
import os

from pymacaron_unit.runner.errors import RunnerError

INSTALL_HINT = "install it with: pip install pymacaron (or pymacaron[unit])"
UNIT_API_VERSION = 1  # the version of pymacaron.unit_api this runner uses


def available() -> bool:
    """True when pymacaron can be imported."""
    import importlib.util

    try:
        return importlib.util.find_spec("pymacaron") is not None
    except (ImportError, ValueError):  # a broken install, or a module blocked by sys.modules[name] = None
        return False


def _api(feature):
    """pymacaron.unit_api, checked; RunnerError naming what to install otherwise."""
    if not available():
        raise RunnerError(f"{feature} needs pymacaron, which is not installed: {INSTALL_HINT}")
    import importlib

    try:
        unit_api = importlib.import_module("pymacaron.unit_api")
    except ImportError:
        unit_api = None
    found = getattr(unit_api, "VERSION", None)
    if found != UNIT_API_VERSION:
        import importlib.metadata

        try:
            installed = f"pymacaron {importlib.metadata.version('pymacaron')}"
        except importlib.metadata.PackageNotFoundError:
            installed = "the pymacaron found here"
        have = f"version {found} of pymacaron.unit_api" if found is not None else "no pymacaron.unit_api"
        raise RunnerError(f"{feature} needs pymacaron.unit_api version {UNIT_API_VERSION}, and {installed} has "
                          f"{have}: install a pymacaron that matches this pymacaron-unit (pip install -U "
                          "pymacaron pymacaron-unit)")
    return unit_api


@contextlib.contextmanager
def _environ(environ):
    """Run with ``os.environ`` equal to ``environ`` (pymacaron reads its env secrets from there)."""
    if environ is None:
        yield
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def make_token(folder: str, env_name: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A test JWT (``sub`` = test-jwt-token) signed with the service's JWT settings."""
    api = _api("--gen-token")
    with _environ(environ):
        try:
            return api.make_token(folder, env=env_name)
        except api.CommandError as e:
            raise RunnerError(f"--gen-token: {e}") from None
        finally:
            api.reset_config()


def config_value(flag: str, folder: str, env_name: str | None = None) -> Any:
    """What ``pymconfig [--env ENV] <flag>`` prints, read in ``folder`` (text or list)."""
    api = _api(f"reading pym-config.yaml ({flag})")
    try:
        return api.config_value(flag, folder, env=env_name)
    except api.CommandError as e:
        raise RunnerError(str(e)) from None


def optional_config_list(flag: str, folder: str, env_name: str | None = None) -> list[str]:
    """A list value of pym-config (``--env-secrets``, ``--include-links``), [] without pymacaron or a file."""
    if not available():
        return []
    api = _api(f"reading pym-config.yaml ({flag})")
    here = os.path.abspath(folder)
    if not any(os.path.isfile(os.path.join(here, name)) for name in api.config_file_names(env_name)):
        return []
    return list(config_value(flag, folder, env_name) or [])


def live_target(folder: str, env_name: str) -> tuple[str, int]:
    """(host, port) of the deployed ``env_name``: live_url (or live_host) of pym-config.<env>.yaml."""
    _api(f"--env {env_name} (the live_url of pym-config.{env_name}.yaml)")
    host = config_value("--host", folder, env_name)
    port = config_value("--port", folder, env_name)
    return host, int(port)


def builtin_spec_path() -> str | None:
    """The path of pymacaron's built-in ping API spec, or None without pymacaron."""
    if not available():
        return None
    path = _api("the built-in ping API's spec").builtin_spec_path()
    return path if os.path.isfile(path) else None


def load_spec(path: str) -> dict[str, Any]:
    """A spec as the service loads it (external refs pulled in, built-in Error/Ok added when referenced).

    Without pymacaron: the yaml as it is. Returns a dict; RunnerError naming the file otherwise.
    """
    if available():
        api = _api(f"fuzzing {path}")
        try:
            return api.load_spec(path)
        except api.CommandError as e:
            raise RunnerError(f"cannot fuzz {path}: {e}") from None
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise RunnerError(f"cannot read the spec {path}: {e}") from None
    if not isinstance(data, dict):
        raise RunnerError(f"{path} is not a Swagger/OpenAPI document (a YAML mapping)")
    return data

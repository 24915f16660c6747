"""What the runner asks pymacaron (imported lazily: pymacaron-unit does not depend on it).

Test tokens (``--gen-token``), the deployed host and port of an environment (``--env``), the
``env_secrets`` and ``include_links`` of pym-config.yaml, and the built-in ping API's spec.
Each function turns pymacaron's errors into a RunnerError; a missing pymacaron is one too,
saying what to install.
"""

from __future__ import annotations

import contextlib
import os

from pymacaron_unit.runner.errors import RunnerError

INSTALL_HINT = "install it with: pip install pymacaron (or pymacaron[unit])"


def available():
    """True when pymacaron can be imported."""
    import importlib.util

    try:
        return importlib.util.find_spec("pymacaron") is not None
    except (ImportError, ValueError):  # a broken install, or a module blocked by sys.modules[name] = None
        return False


def _require(feature):
    if not available():
        raise RunnerError(f"{feature} needs pymacaron, which is not installed: {INSTALL_HINT}")


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


def _command_error():
    from pymacaron.cli import CommandError

    return CommandError


def make_token(folder, env_name=None, environ=None):
    """A test JWT (``sub`` = test-jwt-token) signed with the service's JWT settings."""
    _require("--gen-token")
    from pymacaron.cli.token import make_token as pym_make_token

    with _environ(environ):
        try:
            return pym_make_token(env=env_name, cwd=folder)
        except _command_error() as e:
            raise RunnerError(f"--gen-token: {e}") from None
        finally:
            _reset_config()


def _reset_config():
    try:
        from pymacaron.config import reset_config
    except ImportError:  # pragma: no cover - an older pymacaron
        return
    reset_config()


def config_value(flag, folder, env_name=None):
    """What ``pymconfig [--env ENV] <flag>`` prints, read in ``folder`` (text or list)."""
    _require(f"reading pym-config.yaml ({flag})")
    from pymacaron.cli.config import config_value as pym_config_value

    try:
        return pym_config_value(flag, env=env_name, cwd=folder)
    except _command_error() as e:
        raise RunnerError(str(e)) from None


def optional_config_list(flag, folder, env_name=None):
    """A list value of pym-config (``--env-secrets``, ``--include-links``), [] without pymacaron or a file."""
    if not available():
        return []
    from pymacaron.cli._common import config_file_names

    here = os.path.abspath(folder)
    if not any(os.path.isfile(os.path.join(here, name)) for name in config_file_names(env_name)):
        return []
    return list(config_value(flag, folder, env_name) or [])


def live_target(folder, env_name):
    """(host, port) of the deployed ``env_name``: live_url (or live_host) of pym-config.<env>.yaml."""
    _require(f"--env {env_name} (the live_url of pym-config.{env_name}.yaml)")
    host = config_value("--host", folder, env_name)
    port = config_value("--port", folder, env_name)
    return host, int(port)


def builtin_spec_path():
    """The path of pymacaron's built-in ping API spec, or None without pymacaron."""
    if not available():
        return None
    from importlib import resources

    path = resources.files("pymacaron").joinpath("apis", "ping.yaml")
    return str(path) if path.is_file() else None


def load_spec(path):
    """A spec as the service loads it (external refs pulled in, built-in Error/Ok added when referenced).

    Without pymacaron: the yaml as it is. Returns a dict; RunnerError naming the file otherwise.
    """
    if available():
        from pymacaron.bootstrap import builtin_definitions
        from pymacaron_core.exceptions import SpecError
        from pymacaron_core.spec.document import load_document

        try:
            return load_document(yaml_path=path, default_definitions=builtin_definitions()).data
        except SpecError as e:
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

"""What pymacaron-unit uses of pymacaron: a small public surface, versioned.

pymacaron-unit tests services over HTTP and does not depend on pymacaron; when pymacaron is
installed, its acceptance runner (``pymacaron test``) also makes test tokens, reads
pym-config.yaml and loads specs as the service does. It imports this module only (lazily), and
checks ``VERSION`` before using it: a change that breaks a caller of this module bumps it, and
pymacaron-unit says which pymacaron it needs instead of failing on a missing name.

- ``VERSION``: 1
- ``CommandError``: what every function raises, with a message for the user
- ``config_file_names(env=None)``: the pym-config files looked for, most specific first
- ``config_value(flag, folder, env=None)``: what ``pymconfig [--env ENV] <flag>`` prints, read in ``folder``
- ``make_token(folder, env=None)``: a test JWT signed with the service's JWT settings
- ``reset_config()``: forget the configuration ``make_token`` loaded
- ``load_spec(path)``: a spec as the service loads it (a dict: external refs pulled in, the
  built-in Error and Ok added when referenced)
- ``builtin_spec_path()``: the path of the built-in ping API's spec
"""

from __future__ import annotations

import os
from typing import Any

from pymacaron.cli._common import CommandError, config_file_names

VERSION = 1

__all__ = ["VERSION", "CommandError", "builtin_spec_path", "config_file_names", "config_value", "load_spec",
           "make_token", "reset_config"]


def config_value(flag: str | None, folder: str, env: str | None = None) -> str | list[str] | None:
    """What ``pymconfig [--env ENV] <flag>`` prints, read in ``folder`` (a list: one line per item)."""
    from pymacaron.cli.config import config_value as value

    return value(flag, env=env, cwd=folder)


def make_token(folder: str, env: str | None = None) -> str:
    """A test JWT signed with the JWT settings of the service in ``folder`` (its pym-config loaded)."""
    from pymacaron.cli.token import make_token as token

    return token(env=env, cwd=folder)


def reset_config() -> None:
    """Forget the configuration ``make_token`` loaded."""
    from pymacaron.config import reset_config as reset

    reset()


def load_spec(path: str) -> dict[str, Any]:
    """The spec at ``path`` as the service loads it: external refs pulled in, built-in Error and Ok added."""
    from pymacaron_core.exceptions import SpecError
    from pymacaron_core.spec.document import load_document

    from pymacaron.bootstrap import builtin_definitions

    try:
        return load_document(yaml_path=path, default_definitions=builtin_definitions()).data
    except SpecError as e:
        raise CommandError(str(e)) from None


def builtin_spec_path() -> str:
    """The path of the built-in ping API's spec."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis", "ping.yaml")  # bootstrap.BUILTIN_DIR

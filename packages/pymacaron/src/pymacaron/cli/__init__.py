"""The ``pymacaron`` command line: argparse subcommands, extended by plug-ins.

Commands shipped here: ``run``, ``config`` (alias ``pymconfig``), ``version`` (alias ``pymversion``),
``token`` (alias ``get_test_jwt_token``), ``docker``, ``deploy``, ``lint``, ``convert`` (Swagger 2.0 ->
OpenAPI 3), ``new`` (a service folder), ``routes``, ``mock`` (a mock server from a spec) and ``stubs``
(typed stubs of the models and clients). Extensions add theirs (``test``, ``worker``, ``aws``, ...) without pymacaron depending
on them; deploy targets plug into ``deploy``.

Plug-in contract
----------------
A distribution declares one entry point per command in the group ``pymacaron.commands``::

    [project.entry-points."pymacaron.commands"]
    worker = "pymacaron_async.cli:register"

The entry point's name is the command's name; it loads to a function ``register(subparsers)``
that adds ONE subparser and sets the function to run::

    def register(subparsers):
        p = subparsers.add_parser("worker", help="start the Celery worker of the service")
        p.add_argument("--level", default="info")
        p.set_defaults(func=run_worker)

    def run_worker(args):           # args: the argparse Namespace
        ...                         # return an exit code (None means 0)

Rules:
- ``func(args)`` returns the exit code (int, or None for 0). To fail, raise
  :class:`CommandError` ``(message, exit_code=1)``: the CLI prints ``ERROR: <message>`` on stderr.
  Bad usage: ``p.error("...")`` (usage on stderr, exit 2). Ctrl-C exits 130.
- The module holding ``register`` is imported on every ``pymacaron`` call: keep its top-level
  imports light and import heavy libraries inside ``func``.
- A plug-in that fails to import, is not callable, raises in ``register`` or reuses an existing
  command name is skipped with one warning on stderr naming its distribution; the other
  commands keep working.
- A console-script alias (e.g. ``pymasync``) is one line in the plug-in's pyproject, pointing to a
  function that calls :func:`alias_main`::

      def pymasync():
          return alias_main("worker", "pymasync", register=register)

Commands that live inside the ``pymacaron`` distribution itself are listed in
``BUILTIN_COMMANDS`` (module paths; each module has ``register(subparsers)``), so they do not depend
on installed metadata. Deploy targets are found through the entry-point group
``pymacaron.deploy_targets`` (``DEPLOY_TARGETS_GROUP``); ``pymacaron config --deploy-target`` accepts
their names.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from typing import Any

from pymacaron.cli._common import CommandError, find_config_file, git, git_root, read_config_file
from pymacaron.cli._plugins import COMMANDS_GROUP, DEPLOY_TARGETS_GROUP, entry_points, register_plugins

__all__ = [
    "BUILTIN_COMMANDS",
    "COMMANDS_GROUP",
    "CommandError",
    "DEPLOY_TARGETS_GROUP",
    "alias_main",
    "build_parser",
    "entry_points",
    "find_config_file",
    "git",
    "git_root",
    "main",
    "read_config_file",
    "run_command",
]

BUILTIN_COMMANDS = (
    "pymacaron.cli.run",
    "pymacaron.cli.config",
    "pymacaron.cli.version",
    "pymacaron.cli.token",
    "pymacaron.cli.docker",
    "pymacaron.cli.deploy",
    "pymacaron.cli.lint",
    "pymacaron.cli.convert",
    "pymacaron.cli.new",
    "pymacaron.cli.routes",
    "pymacaron.cli.mock",
    "pymacaron.cli.stubs",
)


def _version_string() -> str:
    from pymacaron.__about__ import __version__

    return f"pymacaron {__version__}"


def build_parser(plugins: Iterable[metadata.EntryPoint] | None = None, prog: str = "pymacaron") -> argparse.ArgumentParser:
    """The top-level parser: built-in commands, then plug-ins (``plugins``: entry points; default: installed)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="PyMacaron: run, configure, test and deploy spec-first microservices.",
        epilog=f"Extensions add commands through the entry-point group '{COMMANDS_GROUP}'.")
    parser.add_argument("--version", action="version", version=_version_string(),
                        help="print the pymacaron version and exit (the repo's version tag: 'pymacaron version')")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in BUILTIN_COMMANDS:
        importlib.import_module(module).register(subparsers)
    register_plugins(subparsers, entry_points(COMMANDS_GROUP) if plugins is None else plugins)
    parser.pym_subparsers = subparsers  # type: ignore[attr-defined]  # read back by _parse
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args, extras = parser.parse_known_args(argv)
    if extras:
        sub = parser.pym_subparsers.choices.get(getattr(args, "command", None), parser)  # type: ignore[attr-defined]
        sub.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def run_command(args: argparse.Namespace) -> int:
    """Run ``args.func(args)`` -> exit code (CommandError -> 'ERROR: ...' on stderr)."""
    func = getattr(args, "func", None)
    if func is None:
        raise SystemExit(f"pymacaron: the '{getattr(args, 'command', '?')}' command did not set_defaults(func=...)")
    try:
        code = func(args)
    except CommandError as e:
        sys.stderr.write(f"ERROR: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:  # `pymacaron routes | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit, when stdout is flushed
        return 141
    return 0 if code is None else int(code)


def main(argv: Sequence[str] | None = None, plugins: Iterable[metadata.EntryPoint] | None = None) -> int:
    """``pymacaron [COMMAND] ...`` -> exit code (console scripts pass it to sys.exit)."""
    parser = build_parser(plugins=plugins)
    return run_command(_parse(parser, sys.argv[1:] if argv is None else list(argv)))


def _find_register(command: str) -> Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], Any]:
    for module in BUILTIN_COMMANDS:
        mod = importlib.import_module(module)
        if getattr(mod, "COMMAND", None) == command:
            return mod.register
    for ep in entry_points(COMMANDS_GROUP):
        if ep.name == command:
            return ep.load()
    raise SystemExit(f"pymacaron: no command named '{command}' is installed")


def alias_main(command: str, prog: str, argv: Sequence[str] | None = None,
               register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], Any] | None = None) -> int:
    """Run ``pymacaron <command>`` under another program name (``pymconfig`` = ``pymacaron config``).

    Only that command is loaded (no other plug-in), and usage/errors show ``prog``.
    """
    register = register or _find_register(command)
    parser = argparse.ArgumentParser(prog=prog, add_help=False)
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    if command not in subparsers.choices:
        raise SystemExit(f"pymacaron: register() did not add a '{command}' subparser")
    subparsers.choices[command].prog = prog
    parser.pym_subparsers = subparsers  # type: ignore[attr-defined]  # read back by _parse
    return run_command(_parse(parser, [command, *(sys.argv[1:] if argv is None else list(argv))]))

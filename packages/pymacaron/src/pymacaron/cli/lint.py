"""``pymacaron lint``: check specs strictly; exit 1 when any has a problem.

Checks each spec as start-up does (structure, ``$ref`` s, operations, security
declarations), with the problems pymacaron v1 tolerated, which start-up only warns about
(a missing ``info.title``, a ``type:`` directly under a response...), counted as errors.
Without arguments, every ``*.yaml`` of ``./apis``; otherwise the files and folders given.
Handlers are not imported (start the service, or run its tests, for that).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from pymacaron.cli._common import CommandError, summary

COMMAND = "lint"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``lint`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="check specs strictly (exit 1 on any problem)",
                              description=summary(__doc__))
    p.add_argument("specs", nargs="*", metavar="SPEC", help="spec files or folders of specs (default: ./apis)")
    p.set_defaults(func=run)
    return p


def spec_files(paths: list[str] | None) -> list[str]:
    """The yaml files named by ``paths`` (folders walked, sorted); CommandError for a missing path."""
    files = []
    for path in paths or ["apis"]:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files += [os.path.join(root, n) for n in sorted(names)
                          if n.endswith((".yaml", ".yml")) and not n.startswith((".", "#")) and
                          not n.startswith("pym-config")]
        elif os.path.isfile(path):
            files.append(path)
        else:
            hint = " (run it in the service's folder, or name the specs)" if not paths else ""
            raise CommandError(f"{path}: no such file or folder{hint}")
    if not files:
        raise CommandError(f"no spec (*.yaml) found in {', '.join(paths or ['apis'])}")
    return files


def run(args: argparse.Namespace) -> int:
    """Lint the specs ``args.specs`` names and print each problem; exit code 0 when none (else CommandError, 1)."""
    from pymacaron_core.spec.lint import lint_spec

    from pymacaron.bootstrap import builtin_definitions

    files = spec_files(args.specs)
    problems: list[Any] = []
    for path in files:
        problems += lint_spec(path, default_definitions=builtin_definitions())
    for problem in problems:
        print(problem)
    if problems:
        raise CommandError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in "
                           f"{len({p.file for p in problems})} of {len(files)} spec{'s' if len(files) > 1 else ''}")
    print(f"{len(files)} spec{'s' if len(files) > 1 else ''} checked: no problem")
    return 0

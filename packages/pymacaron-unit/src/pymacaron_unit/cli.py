"""The runner's command line: ``pymacaron test`` (plug-in), ``pymtest`` and ``run_acceptance_tests``.

``register`` is the ``pymacaron.commands`` entry point (see ``pymacaron.cli``): it only adds the
subparser, and the runner is imported when the command runs. ``pymtest`` and
``run_acceptance_tests`` work without pymacaron installed (then --gen-token, --env and the
built-in spec of --fuzz are unavailable, each saying so). ``run_acceptance_tests`` is the seed's
name: it always tries to set a test token, and accepts ``--local``.
"""

from __future__ import annotations

import argparse

import sys

from pymacaron_unit.runner.options import DESCRIPTION, add_arguments, new_parser

COMMAND = "test"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``pymacaron test`` (the CLI plug-in hook)."""
    p = subparsers.add_parser(COMMAND, help="run the service's acceptance tests (testaccept/) against a target",
                              description=DESCRIPTION)
    add_arguments(p)
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    """Run ``args`` -> exit status; an error prints ``ERROR: <what to do>`` on stderr."""
    from pymacaron_unit.runner.core import run
    from pymacaron_unit.runner.errors import RunnerError

    try:
        return run(args)
    except RunnerError as e:
        sys.stdout.flush()
        sys.stderr.write(f"ERROR: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130


def main(argv: list[str] | None = None, prog: str = "pymacaron test", always_token: bool = False) -> int:
    """Parse ``argv`` (default: sys.argv[1:]) and run -> exit status."""
    args = new_parser(prog).parse_args(sys.argv[1:] if argv is None else list(argv))
    args.always_token = always_token
    return run_command(args)


def pymtest(argv: list[str] | None = None) -> int:
    """Console script ``pymtest``."""
    return main(argv, prog="pymtest")


def run_acceptance_tests(argv: list[str] | None = None) -> int:
    """Console script ``run_acceptance_tests`` (the seed's name): like pymtest, and always a test token."""
    return main(argv, prog="run_acceptance_tests", always_token=True)

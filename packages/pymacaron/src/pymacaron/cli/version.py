"""``pymacaron version`` (alias ``pymversion``): the repo's version tag, ``YYMMDD-HHMM-<commits>-<sha6>``.

The tag names Docker images and deploys (e.g. ``200415-0819-953-b3548e``): the current time
(UTC, so every machine produces tags that sort the same way), the number of commits reachable from
HEAD and the first 6 characters of HEAD's hash.
"""

from __future__ import annotations

import argparse
import datetime

from pymacaron.cli._common import CommandError, git, git_root, summary

COMMAND = "version"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``version`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="print the version tag of the current git clone",
                              description=summary(__doc__))
    p.set_defaults(func=run)
    return p


def version_tag(cwd: str | None = None, now: datetime.datetime | None = None) -> str:
    """The version tag of the git clone holding ``cwd`` (CommandError outside git or without commits)."""
    root = git_root(cwd)
    try:
        sha = git("rev-parse", "--verify", "HEAD", cwd=root)
    except CommandError:
        raise CommandError(f"the git repository {root} has no commit yet: commit something first "
                           "(the version tag counts commits)") from None
    count = git("rev-list", "--count", "HEAD", cwd=root)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return f"{now:%y%m%d-%H%M}-{count}-{sha[:6]}"


def run(args: argparse.Namespace) -> int:
    """Print the version tag of the git clone holding the current folder; exit code 0."""
    print(version_tag())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script ``pymversion``."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "pymversion", argv=argv, register=register)

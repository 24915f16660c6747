"""``pymacaron docker`` (alias ``pymdocker``): build the service's Docker image, and push it.

The image ``<docker_repo>/<name>:<version>`` is built from the git HEAD of the service's clone
(tests left out, apis/ and include_links in, requirements.txt installed, Dockerfile.extra
inserted), with the pymacaron packages installed here pinned into it. ``--output DIR`` keeps the
build context (Dockerfile, app/, wheels/); with ``--no-build`` nothing else is done, so it works
without a Docker engine. Exit status 3: no Docker engine answers.
"""

from __future__ import annotations

import argparse

from pymacaron.cli._common import CommandError, summary

COMMAND = "docker"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``docker`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="build (and push) the service's Docker image",
                              description=summary(__doc__))
    p.add_argument("--version", dest="image_version", default=None, metavar="V",
                   help="the image tag (default: 'pymacaron version', YYMMDD-HHMM-<commits>-<sha6>)")
    p.add_argument("--env", default=None, metavar="ENV",
                   help="read pym-config.ENV.yaml, and set PYM_ENV=ENV in the image")
    p.add_argument("--no-build", action="store_true",
                   help="do not build: push an existing local image (--push), or only write the context (--output)")
    p.add_argument("--push", action="store_true", help="push the image to its registry")
    p.add_argument("--registry", default=None, metavar="R",
                   help="registry to push to (default docker.io; e.g. gcr.io, ghcr.io/org, an ECR host)")
    p.add_argument("--output", default=None, metavar="DIR", help="write the build context to DIR and keep it")
    p.add_argument("--debug", action="store_true", help="print every docker command")
    p.set_defaults(func=run, parser=p)
    return p


def run(args: argparse.Namespace) -> int:
    """Build (and push) the image as ``args`` says and print its name (the pushed one when pushed); exit code 0."""
    from pymacaron.docker import DockerError, package

    if args.no_build and not (args.push or args.output):
        args.parser.error("--no-build does nothing alone: add --push (push an existing image) or --output DIR")
    if args.registry and not args.push:
        args.parser.error("--registry R is where --push pushes: add --push")
    try:
        result = package(version=args.image_version, env=args.env, build=not args.no_build, push=args.push,
                         registry=args.registry, output=args.output, debug=args.debug)
    except DockerError as e:
        raise CommandError(str(e), exit_code=e.exit_code) from None
    print(result.pushed[-1] if result.pushed else result.image)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script ``pymdocker``."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "pymdocker", argv=argv, register=register)

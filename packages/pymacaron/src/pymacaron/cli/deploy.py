"""``pymacaron deploy`` (aliases ``pymdeploy``, and ``deploy_pipeline`` of the seeds): test, build, push, deploy.

Unit tests (pytest test/), the Docker image (pymacaron docker), acceptance tests against the
image (pymacaron test --image), push, deploy through the target named by deploy_target in
pym-config.yaml (installed plug-ins: pymacaron-aws, pymacaron-gcp), then acceptance tests
against the live service. Each step can be skipped; --dry-run prints the plan and changes
nothing. A failing step stops the pipeline (exit status 1).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pymacaron.cli._common import CommandError, summary

if TYPE_CHECKING:
    from pymacaron.deploy.pipeline import Options

COMMAND = "deploy"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``deploy`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="test, build, push and deploy the service", description=summary(__doc__))
    p.add_argument("--env", default=None, metavar="ENV", help="use pym-config.ENV.yaml, and PYM_ENV=ENV in tests")
    p.add_argument("--version", dest="image_version", default=None, metavar="V",
                   help="the image tag (default: 'pymacaron version')")
    p.add_argument("--no-test", action="store_true", help="run no test at all (unit nor acceptance)")
    p.add_argument("--no-unittest", action="store_true", help="do not run the unit tests (test/)")
    p.add_argument("--force-build", action="store_true",
                   help="build the image even if a local image of this commit exists")
    p.add_argument("--no-push", action="store_true", help="do not push the image")
    p.add_argument("--no-deploy", action="store_true", help="do not deploy (nor test the live service)")
    p.add_argument("--registry", default=None, metavar="R",
                   help="registry to push to (default: docker_registry in pym-config.yaml, else the target's, "
                        "else docker.io)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    p.add_argument("--debug", action="store_true", help="print every command run")
    p.set_defaults(func=run)
    return p


def options_from(args: argparse.Namespace) -> Options:
    """The pipeline Options that the ``pymacaron deploy`` flags in ``args`` ask for."""
    from pymacaron.deploy.pipeline import Options

    return Options(env=args.env, version=args.image_version, unit_tests=not (args.no_test or args.no_unittest),
                   acceptance_tests=not args.no_test, force_build=args.force_build, push=not args.no_push,
                   deploy=not args.no_deploy, registry=args.registry, dry_run=args.dry_run, debug=args.debug)


def execute(options: Options) -> int:
    """Run the deploy pipeline with ``options``; exit code 0, or CommandError naming the failed step."""
    from pymacaron.deploy import DeployError
    from pymacaron.deploy.pipeline import run_pipeline

    try:
        run_pipeline(options)
    except DeployError as e:
        raise CommandError(str(e)) from None
    return 0


def run(args: argparse.Namespace) -> int:
    """``pymacaron deploy``: run the pipeline the flags in ``args`` describe; exit code 0."""
    return execute(options_from(args))


def main(argv: list[str] | None = None) -> int:
    """Console script ``pymdeploy``."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "pymdeploy", argv=argv, register=register)


def deploy_pipeline(argv: list[str] | None = None) -> int:
    """Console script ``deploy_pipeline`` (the seeds' name): pushing and deploying are opt-in.

    ``deploy_pipeline --push --deploy`` runs the whole pipeline; without them it tests and builds.
    """
    import sys

    from pymacaron.cli import run_command
    from pymacaron.deploy.pipeline import Options

    p = argparse.ArgumentParser(prog="deploy_pipeline", description=(deploy_pipeline.__doc__ or "").split("\n\n")[0])
    p.add_argument("--push", action="store_true", help="push the image (opt-in)")
    p.add_argument("--deploy", action="store_true", help="deploy it, then test the live service (opt-in)")
    p.add_argument("--no-build", action="store_true", help="reuse the newest local image instead of building")
    p.add_argument("--no-tests", action="store_true", help="run no test")
    p.add_argument("--with-downtime", action="store_true",
                   help="accepted for compatibility; deploy targets always deploy without downtime")
    p.add_argument("--env", default=None, metavar="ENV", help="use pym-config.ENV.yaml")
    p.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    p.add_argument("--debug", action="store_true", help="print every command run")
    args = p.parse_args(sys.argv[1:] if argv is None else list(argv))
    options = Options(env=args.env, unit_tests=not args.no_tests, acceptance_tests=not args.no_tests,
                      build=not args.no_build, push=args.push, deploy=args.deploy, dry_run=args.dry_run,
                      debug=args.debug)
    if args.with_downtime:
        sys.stderr.write("deploy_pipeline: note: --with-downtime is ignored (deploys replace the service without "
                         "downtime)\n")
    args.func = lambda _: execute(options)
    args.command = "deploy_pipeline"
    return run_command(args)

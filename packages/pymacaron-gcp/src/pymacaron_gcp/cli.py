"""``pymacaron gcp ...``: Cloud Run and GKE deploys (a ``pymacaron.commands`` plug-in).

    pymacaron gcp run <version> [--no-test] [--dry-run]          alias: pymgcr <version> ...
    pymacaron gcp run --live-url | --staging-url                 print a service's URL
    pymacaron gcp gke <version> [--env E] [--no-test] [--dry-run] alias: pymgke <version> ...
    pymacaron gcp gke --rollback | --ip | --write-manifests DIR  roll back, print the Ingress IP, write the YAML

Both deploy the image ``<docker_repo>/<name>:<version>`` (``--image`` to give another), pushed
beforehand. They read pym-config.yaml (``pym-config.<env>.yaml`` with ``--env``) from the current
folder or a parent up to the git root, without substituting secrets; the values of ``env_secrets``
come from the environment and go only to Secret Manager or the Kubernetes Secret, never printed.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Callable

from pymacaron.cli._common import CommandError, find_config_file, read_config_file, summary

if TYPE_CHECKING:
    from pymacaron_gcp.cloudrun import CloudRunTarget
    from pymacaron_gcp.gke import GkeTarget

COMMAND = "gcp"


def _minutes(text):
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of minutes")
    return int(text)


def _common(p, target):
    p.add_argument("version", nargs="?", help="the version (image tag) to deploy, e.g. as `pymacaron version` prints")
    p.add_argument("--no-test", action="store_true", help="skip the acceptance tests")
    p.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    p.add_argument("--image", help="deploy this image instead of <docker_repo>/<name>:<version>")
    p.add_argument("--timeout", type=_minutes, metavar="MIN", help="minutes to wait for each step (default: config)")
    p.add_argument("--debug", action="store_true", help="accepted for compatibility with v1 (no effect)")
    p.set_defaults(target=target)


def add_run_arguments(p: argparse.ArgumentParser, target: CloudRunTarget | None = None) -> None:
    """The arguments of ``pymacaron gcp run`` (``target``: the target to use instead of a new one)."""
    _common(p, target)
    urls = p.add_mutually_exclusive_group()
    urls.add_argument("--live-url", action="store_true", help="print the URL of <name>-live and exit")
    urls.add_argument("--staging-url", action="store_true", help="print the URL of <name>-staging and exit")
    p.set_defaults(func=run_cloudrun)


def add_gke_arguments(p: argparse.ArgumentParser, target: GkeTarget | None = None) -> None:
    """The arguments of ``pymacaron gcp gke``."""
    _common(p, target)
    p.add_argument("--env", help="deploy to the cluster <name>-<env> with PYM_ENV=<env> and pym-config.<env>.yaml")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--rollback", action="store_true", help="put back the image the last deploy replaced")
    what.add_argument("--ip", action="store_true", help="print the IP of the service's Ingress and exit")
    what.add_argument("--write-manifests", metavar="DIR",
                      help="write the Kubernetes manifests (no secret value) to DIR/<cluster>.yaml and exit")
    p.set_defaults(func=run_gke)


SUBCOMMANDS: dict[str, tuple[str, Callable[..., None]]] = {
    "run": ("deploy to Google Cloud Run: <name>-staging, acceptance tests, then <name>-live (alias pymgcr)",
            add_run_arguments),
    "gke": ("deploy to Google Kubernetes Engine: apply, wait for the rollout, test (alias pymgke)",
            add_gke_arguments),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``pymacaron gcp`` and its subcommands (the CLI plug-in hook)."""
    p = subparsers.add_parser(COMMAND, help="Google Cloud: deploy to Cloud Run or GKE (pymacaron-gcp)",
                              description=summary(__doc__))
    sub = p.add_subparsers(dest="gcp_command", metavar="SUBCOMMAND", required=True)
    for name, (text, add) in SUBCOMMANDS.items():
        add(sub.add_parser(name, help=text, description=text))
    return p


# -- shared ----------------------------------------------------------------------


def _config(env):
    """The raw pym-config (no secret substituted: no deploy setting is a secret) and its folder."""
    path = find_config_file(env=env)
    data = dict(read_config_file(path))
    data["config_path"] = path
    return data


def _context(args, config, env=None):
    from pymacaron.deploy.targets import DeployContext, Progress
    from pymacaron_gcp._settings import SettingsError, secret_names

    try:
        names = secret_names(config)
    except SettingsError as e:
        raise CommandError(str(e)) from None
    return DeployContext(folder=os.path.dirname(config["config_path"]), config=config, version=args.version or "",
                         image=args.image or "", env=env, dry_run=args.dry_run, run_tests=not args.no_test,
                         progress=Progress(), secrets={name: os.environ.get(name, "") for name in names})


def _need_version(args, what):
    if not args.version:
        raise CommandError(f"which version to {what}? Pass the image tag, e.g. 1.4.2 or \"$(pymacaron version)\"",
                           exit_code=2)


def _print_plan(target, ctx, where):
    print(f"Plan for deploying {ctx.image or ctx.version} on {where} (dry run, nothing is changed):")
    for n, step in enumerate(target.plan(ctx), 1):
        print(f"  {n}. {step}")
    unset = [name for name, value in ctx.secrets.items() if not value]
    if unset:
        print(f"Note: env_secrets not set here: {', '.join(unset)}")
    return 0


# -- commands ----------------------------------------------------------------------


def run_cloudrun(args: argparse.Namespace) -> int:
    """``pymacaron gcp run``: print a URL, the plan (--dry-run), or deploy; 0 when done."""
    from pymacaron.deploy.targets import DeployError
    from pymacaron_gcp.cloudrun import CloudRunTarget

    config = _config(None)
    target = args.target or CloudRunTarget()
    if args.timeout:
        target.timeout = args.timeout * 60
    try:
        if args.live_url or args.staging_url:
            print(target.service_url(config, "live" if args.live_url else "staging"))
            return 0
        _need_version(args, "deploy")
        ctx = _context(args, config)
        if args.dry_run:
            return _print_plan(target, ctx, "Google Cloud Run")
        result = target.deploy(ctx)
    except DeployError as e:
        raise CommandError(str(e)) from None
    print(f"deployed {args.version}: live at {result.live_url}")
    return 0


def run_gke(args: argparse.Namespace) -> int:
    """``pymacaron gcp gke``: print the Ingress IP, write the manifests, roll back, plan or deploy."""
    from pymacaron.deploy.targets import DeployError
    from pymacaron_gcp.gke import GkeTarget

    config = _config(args.env)
    target = args.target or GkeTarget()
    if args.timeout:
        target.timeout = args.timeout * 60
    try:
        if args.ip:
            print(target.ingress_address(config, args.env))
            return 0
        ctx = _context(args, config, env=args.env)
        if args.rollback:
            result = target.rollback(ctx)
            print(f"rolled back to {result.details['image']}")
            return 0
        _need_version(args, "deploy")
        if args.write_manifests:
            return _write_manifests(target, ctx, args.write_manifests)
        if args.dry_run:
            return _print_plan(target, ctx, "GKE")
        result = target.deploy(ctx)
    except DeployError as e:
        raise CommandError(str(e)) from None
    print(f"deployed {args.version}: live at {result.live_url}")
    return 0


def _write_manifests(target, ctx, folder):
    from pymacaron_gcp.manifests import to_yaml

    objects = target.manifests(ctx)
    cluster = target.settings(ctx.config, ctx.env).cluster
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{cluster}.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Written by pymacaron gcp gke --write-manifests. The Secret has no data here: a deploy\n"
                "# sends the env_secrets values to the Kubernetes API only.\n")
        f.write(to_yaml(objects))
    print(path)
    return 0


# -- console-script aliases --------------------------------------------------------


def _alias_main(sub, prog, argv, target):
    from pymacaron.cli import alias_main

    command = f"gcp-{sub}"

    def register_alias(subparsers):
        SUBCOMMANDS[sub][1](subparsers.add_parser(command, description=SUBCOMMANDS[sub][0]), target=target)

    return alias_main(command, prog, argv=argv, register=register_alias)


def pymgcr(argv: list[str] | None = None, target: CloudRunTarget | None = None) -> int:
    """Console script ``pymgcr <version> [--no-test] [--live-url] [--staging-url] ...`` (= pymacaron gcp run)."""
    return _alias_main("run", "pymgcr", argv, target)


def pymgke(argv: list[str] | None = None, target: GkeTarget | None = None) -> int:
    """Console script ``pymgke <version> [--env E] [--no-test] [--rollback] [--ip] ...`` (= pymacaron gcp gke)."""
    return _alias_main("gke", "pymgke", argv, target)

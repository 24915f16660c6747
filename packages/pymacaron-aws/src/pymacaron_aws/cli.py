"""``pymacaron aws ...``: Elastic Beanstalk commands (a ``pymacaron.commands`` plug-in).

    pymacaron aws deploy <version> [--no-test] [--dry-run]    alias: pymaws <version> ...
    pymacaron aws clean [--live] [--keep N]                   alias: beanstalk_cleaner ...
    pymacaron aws live [--cname]                              alias: get_live_environment ...

``deploy`` deploys an image already pushed as ``<docker_repo>/<name>:<version>`` (blue/green, see
:mod:`pymacaron_aws.beanstalk`). ``clean`` lists the swapped-out environments and, with ``--live``
only, terminates them (a dry run by default). ``live`` prints the live environment (or its CNAME).
All read pym-config.yaml (``pym-config.<env>.yaml`` with ``--env``) from the current folder or a
parent up to the git root. Secret values are never printed.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Callable

from pymacaron.cli._common import CommandError, find_config_file, read_config_file, summary

COMMAND = "aws"
_CREDENTIAL_KEYS = ("aws_access_key_id", "aws_secret_access_key")


def _positive_minutes(text):
    import argparse

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of minutes")
    return int(text)


def _seconds(text):
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 600")
    return value


def _count(text):
    import argparse

    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (0 or more)")
    return int(text)


def _common(p):
    p.add_argument("--env", default=None, metavar="ENV",
                   help="use pym-config.<ENV>.yaml (default: $PYM_ENV, else pym-config.yaml)")
    p.add_argument("--aws-profile", default=None, metavar="P",
                   help="AWS profile to use (default: aws_user when that profile exists, else the config's "
                        "aws_access_key_id/aws_secret_access_key, else the default credentials)")


def add_deploy_arguments(p: argparse.ArgumentParser, session: Any = None) -> None:
    """The arguments of ``pymacaron aws deploy`` (``session``: a boto3 session to use instead of one
    made from the config)."""
    p.add_argument("version", help="the version tag of an image already pushed (<docker_repo>/<name>:<version>)")
    p.add_argument("--no-test", action="store_true", help="skip the acceptance tests against the new environment")
    p.add_argument("--dry-run", action="store_true", help="print the plan and exit (no AWS call)")
    p.add_argument("--image", default=None, metavar="IMAGE",
                   help="deploy this image reference instead of <docker_repo>/<name>:<version>")
    p.add_argument("--timeout", type=_positive_minutes, default=None, metavar="MIN",
                   help="minutes to wait for each environment change (default: aws_deploy_timeout, else 20)")
    p.add_argument("--poll-interval", type=_seconds, default=10.0, metavar="S",
                   help="seconds between two status polls while waiting (default 10)")
    _common(p)
    p.set_defaults(func=run_deploy, session=session)


def add_clean_arguments(p: argparse.ArgumentParser, session: Any = None) -> None:
    """The arguments of ``pymacaron aws clean``."""
    live = p.add_mutually_exclusive_group()
    live.add_argument("--live", dest="live", action="store_true",
                      help="really terminate the old environments (default: dry run, list them only)")
    live.add_argument("--no-live", dest="live", action="store_false", help="dry run (the default)")
    p.add_argument("--keep", type=_count, default=0, metavar="N",
                   help="keep the N newest swapped-out environments (default 0)")
    _common(p)
    p.set_defaults(func=run_clean, session=session, live=False)


def add_live_arguments(p: argparse.ArgumentParser, session: Any = None) -> None:
    """The arguments of ``pymacaron aws live``."""
    p.add_argument("--cname", action="store_true", help="print the live environment's CNAME instead of its name")
    _common(p)
    p.set_defaults(func=run_live, session=session)


SUBCOMMANDS: dict[str, tuple[str, Callable[..., None]]] = {
    "deploy": ("blue/green deploy of a version on Elastic Beanstalk (alias pymaws)", add_deploy_arguments),
    "clean": ("terminate swapped-out environments (dry run unless --live; alias beanstalk_cleaner)",
              add_clean_arguments),
    "live": ("print the live environment (alias get_live_environment)", add_live_arguments),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``pymacaron aws`` and its subcommands (the CLI plug-in hook)."""
    p = subparsers.add_parser(COMMAND, help="Elastic Beanstalk: deploy, clean, live (pymacaron-aws)",
                              description=summary(__doc__))
    sub = p.add_subparsers(dest="aws_command", metavar="SUBCOMMAND", required=True)
    for name, (text, add) in SUBCOMMANDS.items():
        add(sub.add_parser(name, help=text, description=text))
    return p


# -- configuration ---------------------------------------------------------------


def _full_config(env):
    """The service's configuration with its env secrets (the deploy ships them)."""
    from pymacaron.config import ConfigError, load_config

    path = find_config_file(env=env)
    try:
        return load_config(path=path, env=env)
    except ConfigError as e:
        raise CommandError(str(e)) from None


def _light_config(env):
    """The raw pym-config, with only the AWS credential keys substituted (no other secret is needed)."""
    path = find_config_file(env=env)
    data = dict(read_config_file(path))
    names = _secret_names(data)
    for key in _CREDENTIAL_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value in names:
            if not os.environ.get(value):
                raise CommandError(f"{path}: '{key}' comes from ${value}, which is not set: export it, or remove "
                                   f"'{key}' to use the default AWS credentials")
            data[key] = os.environ[value]
    data["config_path"] = path
    return data


def _secret_names(config):
    names = (config.get("env_secrets") if isinstance(config, dict) else getattr(config, "env_secrets", None)) or []
    return [names] if isinstance(names, str) else list(names)


def _session(args, config):
    from pymacaron_aws._session import AwsConfigError, make_session

    if args.session is not None:
        return args.session
    try:
        return make_session(config, profile=args.aws_profile)
    except AwsConfigError as e:
        raise CommandError(str(e)) from None


# -- commands --------------------------------------------------------------------


def run_deploy(args: argparse.Namespace) -> int:
    """``pymacaron aws deploy``: print the plan (--dry-run) or deploy; 0 when done."""
    from pymacaron.deploy.targets import DeployContext, DeployError, Progress
    from pymacaron_aws._settings import BeanstalkSettings, SettingsError
    from pymacaron_aws.beanstalk import BeanstalkTarget

    # a dry run needs no secret value: the raw file is enough (the plan names the secrets only)
    config = _light_config(args.env) if args.dry_run else _full_config(args.env)
    try:
        settings = BeanstalkSettings.from_config(config, need_image=not args.image)
    except SettingsError as e:
        raise CommandError(str(e)) from None
    names = _secret_names(config)
    secrets = {name: os.environ.get(name, "") for name in names}
    path = config["config_path"] if isinstance(config, dict) else config.config_path
    ctx = DeployContext(folder=os.path.dirname(path), config=config, version=args.version,
                        image=args.image or settings.image(args.version), env=args.env, dry_run=args.dry_run,
                        run_tests=not args.no_test, progress=Progress(), secrets=secrets)
    target = BeanstalkTarget(session=args.session, profile=args.aws_profile, poll_interval=args.poll_interval,
                             timeout=args.timeout * 60 if args.timeout else None)
    try:
        if args.dry_run:
            print(f"Plan for deploying {ctx.image} on Elastic Beanstalk (dry run, nothing is changed):")
            for n, step in enumerate(target.plan(ctx), 1):
                print(f"  {n}. {step}")
            unset = [name for name in names if not secrets[name]]
            if unset:
                print(f"Note: env_secrets not set here (a real deploy needs them): {', '.join(unset)}")
            return 0
        result = target.deploy(ctx)
    except DeployError as e:
        raise CommandError(str(e)) from None
    print(f"deployed {args.version}: live at {result.live_url}")
    return 0


def run_clean(args: argparse.Namespace) -> int:
    """``pymacaron aws clean``: list (or with --live, terminate) the old environments."""
    from pymacaron.deploy.targets import Progress
    from pymacaron_aws._session import client_config, quiet_sdk_logs
    from pymacaron_aws._settings import SettingsError, live_prefix
    from pymacaron_aws.cleaner import clean_environments

    config = _light_config(args.env)
    try:
        prefix = live_prefix(config)
    except SettingsError as e:
        raise CommandError(str(e)) from None
    eb = _session(args, config).client("elasticbeanstalk", config=client_config())
    progress = Progress()
    progress.step(f"old environments of {config['name']}" + ("" if args.live else " (dry run)"))
    with quiet_sdk_logs():
        clean_environments(eb, str(config["name"]), prefix, progress, keep=args.keep, dry_run=not args.live)
    return 0


def run_live(args: argparse.Namespace) -> int:
    """``pymacaron aws live``: print the live environment's name (or CNAME)."""
    from pymacaron_aws._environments import find_live, list_environments
    from pymacaron_aws._session import client_config, quiet_sdk_logs
    from pymacaron_aws._settings import SettingsError, live_prefix

    config = _light_config(args.env)
    try:
        prefix = live_prefix(config)
    except SettingsError as e:
        raise CommandError(str(e)) from None
    eb = _session(args, config).client("elasticbeanstalk", config=client_config())
    with quiet_sdk_logs():
        live = find_live(list_environments(eb, str(config["name"])), prefix)
    if live is None:
        raise CommandError(f"no environment of application {config['name']!r} holds the CNAME prefix {prefix!r}")
    print(live.get("CNAME") if args.cname else live["EnvironmentName"])
    return 0


# -- console-script aliases ------------------------------------------------------


def _alias(name, add, session):
    def register_alias(subparsers):
        add(subparsers.add_parser(name, description=SUBCOMMANDS[name.split("-", 1)[1]][0]), session=session)
    return register_alias


def _alias_main(sub, prog, argv, session):
    from pymacaron.cli import alias_main

    command = f"aws-{sub}"
    return alias_main(command, prog, argv=argv, register=_alias(command, SUBCOMMANDS[sub][1], session))


def pymaws(argv: list[str] | None = None, session: Any = None) -> int:
    """Console script ``pymaws <version> [--no-test] [--dry-run] ...`` (= pymacaron aws deploy)."""
    return _alias_main("deploy", "pymaws", argv, session)


def beanstalk_cleaner(argv: list[str] | None = None, session: Any = None) -> int:
    """Console script ``beanstalk_cleaner [--live] ...`` (= pymacaron aws clean; a dry run by default)."""
    return _alias_main("clean", "beanstalk_cleaner", argv, session)


def get_live_environment(argv: list[str] | None = None, session: Any = None) -> int:
    """Console script ``get_live_environment [--cname]`` (= pymacaron aws live)."""
    return _alias_main("live", "get_live_environment", argv, session)

"""``pymacaron config`` (alias ``pymconfig``): print one pym-config value, for shell scripts.

    NAME=$(pymconfig --name)
    for s in $(pymconfig --env-secrets); do ...; done

The file is ``pym-config.<env>.yaml`` (``--env``, else ``$PYM_ENV``) or ``pym-config.yaml``, in the
current folder or a parent up to the git root. Values are printed as written in the file: an
``env_secrets`` variable is never substituted, so secret values are never printed
(``--env-secrets`` prints the variable NAMES, one per line). Without a flag, the file is only
checked (exit 0 when it is usable). A missing file prints ``ERROR: cannot find config file``
and exits 1; so does a missing required key, naming it.

``--debug`` prints the whole file readably: which file, each ``env_secrets`` variable and whether
it is set in this environment, then every key with its value as written. A key whose value is an
``env_secrets`` variable shows ``$VARIABLE``; a literal value under a secret-looking key
(``*secret*``, ``*password*``, ``*_key``...) shows ``****``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import SplitResult, urlsplit

from pymacaron.cli._common import CommandError, find_config_file, git_root, read_config_file, summary
from pymacaron.cli._plugins import DEPLOY_TARGETS_GROUP, entry_points

COMMAND = "config"
BUILTIN_DEPLOY_TARGETS = ("aws-beanstalk", "gcp-cloud-run", "gke")
REQUIRED = object()  # no default: a missing key is an error
EMPTY = ""           # printed as an empty line when unset

# flag -> (key, default): the value is printed as written in the file, else the default.
PLAIN = {
    "--name": ("name", REQUIRED),
    "--docker-repo": ("docker_repo", REQUIRED),
    "--docker-bucket": ("docker_bucket", REQUIRED),
    "--docker-base": ("docker_base", EMPTY),
    "--aws-user": ("aws_user", REQUIRED),
    "--aws-region": ("aws_region", REQUIRED),
    "--aws-keypair": ("aws_keypair", REQUIRED),
    "--aws-instance-type": ("aws_instance_type", REQUIRED),
    "--aws-cert-arn": ("aws_cert_arn", EMPTY),
    "--aws-zone-id": ("aws_zone_id", EMPTY),
    "--aws-hosts-min": ("aws_hosts_min", 1),
    "--aws-hosts-max": ("aws_hosts_max", 4),
    "--gcp-region": ("gcp_region", "europe-west1"),
    "--gcp-memory": ("gcp_memory", "512Mi"),
    "--gcp-request-concurrency": ("gcp_request_concurrency", 10),
}
LISTS = {"--env-secrets": "env_secrets", "--include-links": "include_links"}
COMPUTED_HELP = {
    "--host": "the live host: host of live_url, else live_host",
    "--port": "the live port: live_url's (443 for https, 80 for http); without live_url 443 if aws_cert_arn is set, "
              "else 80",
    "--git-root": "the top folder of the git clone",
    "--deploy-target": f"deploy_target (default aws-beanstalk; one of {', '.join(BUILTIN_DEPLOY_TARGETS)} or an "
                       "installed target)",
    "--with-async": "'true' when with_async is set, else an empty line",
    "--env-jwt-secret": "the variable holding the JWT secret (legacy env_jwt_secret, else jwt_secret's variable "
                        "if listed in env_secrets)",
    "--env-jwt-audience": "the variable holding the JWT audience (legacy env_jwt_audience, else jwt_audience's "
                          "variable if listed in env_secrets)",
    "--memory-limit": "memory in MiB for the web and Celery workers (from worker_count and cpu_count)",
    "--gunicorn-worker-count": "web workers: cpu_count * 2 + 1",
    "--celery-worker-count": "Celery workers: worker_count, else cpu_count * 2 (at least 2)",
    "--cpu-count": "cpu_count (default 1)",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``config`` subcommand (one mutually exclusive flag per value) to ``subparsers``; returns it."""
    p = subparsers.add_parser(COMMAND, help="print one pym-config value (for shell scripts)",
                              usage="%(prog)s [-h] [--env ENV] [--name | --host | --port | ... (one value flag)]",
                              description=summary(__doc__),
                              epilog="Give at most one of the value flags.")
    p.add_argument("--env", default=None, metavar="ENV",
                   help="read pym-config.<ENV>.yaml (default: $PYM_ENV; falls back to pym-config.yaml)")
    flags = p.add_mutually_exclusive_group()
    for flag, (key, default) in PLAIN.items():
        note = "required" if default is REQUIRED else f"default {default!r}"
        flags.add_argument(flag, dest="what", action="store_const", const=flag, help=f"{key} ({note})")
    for flag, key in LISTS.items():
        flags.add_argument(flag, dest="what", action="store_const", const=flag, help=f"{key}, one per line")
    for flag, text in COMPUTED_HELP.items():
        flags.add_argument(flag, dest="what", action="store_const", const=flag, help=text)
    flags.add_argument("--debug", dest="what", action="store_const", const="--debug",
                       help="print the file, its env_secrets (set or not here) and every key, secrets masked")
    p.set_defaults(func=run, what=None)
    return p


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Config:
    """The raw yaml of one file, with errors that name the file and the key."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.data = read_config_file(path)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key)
        if value is None:
            if default is REQUIRED:
                raise CommandError(f"{self.path} has no '{key}' key: add '{key}: ...' to it")
            return default
        if isinstance(value, (dict, list)):
            raise CommandError(f"{self.path}: '{key}' must be a single value, not a {type(value).__name__}")
        return value

    def names(self, key: str) -> list[str]:
        value = self.data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise CommandError(f"{self.path}: '{key}' must be a list of names, e.g. {key}: [A, B]")
        return value

    def live_url(self) -> SplitResult | None:
        url = self.get("live_url")
        if url is None:
            return None
        parts = urlsplit(str(url))
        try:
            parts.port  # noqa: B018  (raises ValueError for a bad port)
            valid = True
        except ValueError:
            valid = False
        if not valid or parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"{self.path}: live_url {url!r} is not an http(s) URL "
                               "(e.g. live_url: https://api.example.com)")
        return parts

    def count(self, key: str, what: str) -> int | None:
        from pymacaron.resources import ResourceConfigError, as_positive_int

        value = self.get(key)
        try:
            return None if value is None else as_positive_int(value, what)
        except ResourceConfigError as e:
            raise CommandError(f"{self.path}: {e}") from None


def deploy_targets() -> list[str]:
    """The accepted deploy_target values: the built-in names plus installed targets."""
    names = list(BUILTIN_DEPLOY_TARGETS)
    names += [ep.name for ep in entry_points(DEPLOY_TARGETS_GROUP) if ep.name not in names]
    return names


def _deploy_target(conf: _Config) -> str:
    target = _text(conf.get("deploy_target", "aws-beanstalk"))
    allowed = deploy_targets()
    if target not in allowed:
        raise CommandError(f"{conf.path}: deploy_target {target!r} is not supported; use one of: {', '.join(allowed)}")
    return target


def _host(conf: _Config) -> str | None:
    url = conf.live_url()
    if url is not None:
        return url.hostname
    host = conf.get("live_host")
    if not host:
        raise CommandError(f"{conf.path} has neither 'live_url' nor 'live_host': add e.g. "
                           "'live_url: https://api.example.com'")
    return host


def _port(conf: _Config) -> int:
    url = conf.live_url()
    if url is not None:
        return url.port or (443 if url.scheme == "https" else 80)
    return 443 if conf.get("aws_cert_arn") else 80


def _env_variable(conf: _Config, legacy_key: str, key: str) -> str:
    legacy = conf.get(legacy_key)
    if legacy is not None:
        return _text(legacy)
    value = conf.get(key)
    return value if isinstance(value, str) and value in conf.names("env_secrets") else ""


def _resources(conf: _Config, what: str) -> int:
    from pymacaron import resources

    cpu = conf.count("cpu_count", "cpu_count") or 1
    workers = conf.count("worker_count", "worker_count")
    celery = resources.get_celery_worker_count(cpu_count=cpu, config={"worker_count": workers})
    if what == "--memory-limit":
        return resources.get_memory_limit(default_celery_worker_count=celery, cpu_count=cpu)
    if what == "--gunicorn-worker-count":
        return resources.get_gunicorn_worker_count(cpu)
    if what == "--celery-worker-count":
        return celery
    return cpu


COMPUTED = {
    "--host": _host,
    "--port": _port,
    "--git-root": lambda conf: git_root(os.path.dirname(conf.path)),
    "--deploy-target": _deploy_target,
    "--with-async": lambda conf: "true" if conf.get("with_async") is True else _text(conf.get("with_async") or ""),
    "--env-jwt-secret": lambda conf: _env_variable(conf, "env_jwt_secret", "jwt_secret"),
    "--env-jwt-audience": lambda conf: _env_variable(conf, "env_jwt_audience", "jwt_audience"),
    "--memory-limit": lambda conf: _resources(conf, "--memory-limit"),
    "--gunicorn-worker-count": lambda conf: _resources(conf, "--gunicorn-worker-count"),
    "--celery-worker-count": lambda conf: _resources(conf, "--celery-worker-count"),
    "--cpu-count": lambda conf: _resources(conf, "--cpu-count"),
}


_PLAIN_SECTIONS = frozenset({"security_verifiers"})  # their keys name schemes, their values functions


def _debug_scalar(value: Any, secrets: set[str], key: Any, masked: bool) -> str:
    from pymacaron.config import MASK, is_secret_key

    if isinstance(value, str) and value in secrets:
        return f"${value}"
    if masked and key is not None and is_secret_key(key) and value not in (None, ""):
        return MASK
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _debug_lines(key: Any, value: Any, secrets: set[str], pad: str, masked: bool) -> list[str]:
    """Lines showing ``key: value`` (nested mappings and lists indented, YAML-like)."""
    if isinstance(value, dict):
        lines = [f"{pad}{key}:"]
        for k, v in value.items():
            lines += _debug_lines(k, v, secrets, pad + "  ", masked)
        return lines
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [f"{pad}{key}: [{', '.join(_debug_scalar(v, secrets, key, masked) for v in value)}]"]
        lines = [f"{pad}{key}:"]
        for item in value:
            if isinstance(item, dict) and item:
                sub = [line for k, v in item.items() for line in _debug_lines(k, v, secrets, pad + "    ", masked)]
                lines += [f"{pad}  - {sub[0].lstrip()}"] + sub[1:]
            elif isinstance(item, (list, dict)):
                lines.append(f"{pad}  - ({type(item).__name__} of {len(item)} not shown)")
            else:
                lines.append(f"{pad}  - {_debug_scalar(item, secrets, key, masked)}")
        return lines
    return [f"{pad}{key}: {_debug_scalar(value, secrets, key, masked)}"]


def debug_lines(conf: _Config) -> list[str]:
    """``pymconfig --debug``: the file, its env_secrets, every key (see the module docstring)."""
    secrets = conf.names("env_secrets")
    lines = [f"file: {conf.path}", f"PYM_ENV: {os.environ.get('PYM_ENV') or '(not set)'}"]
    lines.append("env_secrets:" if secrets else "env_secrets: none")
    width = max((len(name) for name in secrets), default=0)
    for name in secrets:
        lines.append(f"  {name.ljust(width)}  {'set' if os.environ.get(name) else 'NOT SET in this environment'}")
    lines.append("keys:")
    for key in sorted(k for k in conf.data if k != "env_secrets"):
        lines += _debug_lines(key, conf.data[key], set(secrets), "  ", masked=key not in _PLAIN_SECTIONS)
    return lines


def config_value(what: str | None, env: str | None = None, cwd: str | None = None) -> str | list[str] | None:
    """What ``pymconfig <what>`` prints: a text, a list (one line each), or None (check only)."""
    conf = _Config(find_config_file(env=env, cwd=cwd))
    if what == "--debug":
        return debug_lines(conf)
    if what is None:
        conf.get("name", REQUIRED)
        _deploy_target(conf)
        return None
    if what in PLAIN:
        key, default = PLAIN[what]
        return _text(conf.get(key, default))
    if what in LISTS:
        return conf.names(LISTS[what])
    return _text(COMPUTED[what](conf))


def run(args: argparse.Namespace) -> int:
    """Print the value ``args.what`` asks for (a list: one item per line; no flag: print nothing); exit code 0."""
    value = config_value(args.what, env=args.env)
    if isinstance(value, list):
        for line in value:
            print(line)
    elif value is not None:
        print(value)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script ``pymconfig``."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "pymconfig", argv=argv, register=register)

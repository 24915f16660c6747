"""``pymacaron token`` (alias ``get_test_jwt_token``): a JWT for tests, printed as ``token:<jwt>``.

Loads the service's pym-config (``pym-config.<env>.yaml`` preferred; found in the current folder or
a parent up to the git root) the way the service does: variables listed in ``env_secrets`` (e.g.
the JWT secret) are read from the environment. The secret itself is never printed.
"""

from __future__ import annotations

import argparse

from pymacaron.cli._common import CommandError, find_config_file, summary

COMMAND = "token"
DEFAULT_USER_ID = "test-jwt-token"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``token`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="print a JWT for tests (token:<jwt>)",
                              description=summary(__doc__))
    p.add_argument("--user-id", default=DEFAULT_USER_ID, metavar="ID",
                   help=f"the token's subject (default: {DEFAULT_USER_ID})")
    p.add_argument("--env", default=None, metavar="ENV",
                   help="use pym-config.<ENV>.yaml (default: $PYM_ENV, else pym-config.yaml)")
    p.set_defaults(func=run)
    return p


def make_token(user_id: str = DEFAULT_USER_ID, env: str | None = None, cwd: str | None = None) -> str:
    """A signed JWT for ``user_id`` under the service's JWT settings."""
    if not user_id or not user_id.strip():
        raise CommandError("--user-id must not be empty")
    path = find_config_file(env=env, cwd=cwd)
    from pymacaron.config import ConfigError, load_config

    try:
        load_config(path=path, env=env)
    except ConfigError as e:
        raise CommandError(str(e)) from None
    from pymacaron.auth import AuthConfigError, generate_token  # Flask and the core: only when needed

    try:
        return generate_token(user_id)
    except AuthConfigError as e:
        raise CommandError(f"{path}: {e} (set jwt_secret, jwt_issuer and jwt_audience to make tokens)") from None


def run(args: argparse.Namespace) -> int:
    """Print ``token:<jwt>`` for ``args.user_id`` under the service's JWT settings; exit code 0."""
    print(f"token:{make_token(args.user_id, env=args.env)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Console script ``get_test_jwt_token``."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "get_test_jwt_token", argv=argv, register=register)

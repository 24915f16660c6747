"""``run(args)``: choose the target, prepare the environment, run the tests (and the fuzzing).

The tests' environment: ours, minus any ``PYM_JWT_TOKEN`` (always unset first, as the original
did; ``--gen-token`` makes a fresh one), plus ``~/.env.secrets`` when ``AWS_SECRET_ACCESS_KEY`` is
unset, plus ``PYM_SERVER_HOST``, ``PYM_SERVER_PORT``, ``PYM_ENV`` and ``NO_SSL_CHECK``. Secret
values are never printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import IO, Any

import contextlib
import os
import sys
import time

from pymacaron_unit._http import base_url
from pymacaron_unit.runner import acceptance, envfile, pym
from pymacaron_unit.runner.errors import RunnerError
from pymacaron_unit.runner.options import DEFAULT_PORT
from pymacaron_unit.target import HOST_VAR, PORT_VAR, TOKEN_VAR, TargetError, clean_host, parse_port


def _say(out, text):
    print(f"pymacaron test: {text}", file=out, flush=True)


def service_folder(path: str | None = None) -> str:
    """The absolute service folder (``--path``, default: the current one); RunnerError if missing."""
    folder = os.path.abspath(path or os.getcwd())
    if not os.path.isdir(folder):
        raise RunnerError(f"--path {path}: no such folder")
    return folder


def target_mode(args: argparse.Namespace) -> str:
    """'host', 'image', 'env' or 'local' (SPEC P47's order); --local wins over --env."""
    if args.host:
        return "host"
    if args.image:
        return "image"
    if args.env and not args.local:
        return "env"
    return "local"


def check_options(args: argparse.Namespace) -> None:
    """RunnerError for option combinations that cannot work; implied options set."""
    if args.port == 0 and target_mode(args) != "local":
        raise RunnerError("--port 0 (a free port) only works with --local, where the service is started")
    if args.fuzz_only and not args.fuzz:
        args.fuzz = True
    if args.loop_count and not args.loop:
        raise RunnerError("--loop-count N needs --loop")
    if args.fuzz_only and args.paths:
        raise RunnerError("--fuzz-only runs no acceptance test: drop the test paths, or --fuzz-only")


def base_environ(args: argparse.Namespace, out: IO[str] | None) -> dict[str, str]:
    """The tests' environment: ours without a token, plus ~/.env.secrets when needed."""
    environ = dict(os.environ)
    environ.pop(TOKEN_VAR, None)
    added = envfile.load_secrets(environ)
    if added:
        _say(out, f"read {len(added)} variable(s) from {envfile.secrets_path(environ)}")
    if args.no_ssl_check:
        environ["NO_SSL_CHECK"] = "1"
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


@contextlib.contextmanager
def target(args: argparse.Namespace, folder: str, environ: dict[str, str],
           out: IO[str]) -> Iterator[tuple[str, int, str | None, Any]]:
    """Yields (host, port, pym_env, local_service or None); starts and stops what it must."""
    mode = target_mode(args)
    if mode == "host":
        yield clean_host(args.host), args.port or DEFAULT_PORT, environ.get("PYM_ENV"), None
    elif mode == "image":
        from pymacaron_unit.runner.docker import DockerService

        pym_env: str | None = environ.get("PYM_ENV") or "dev"
        names = pym.optional_config_list("--env-secrets", folder, pym_env)
        with DockerService(args.image, pym_env, names, environ, args.start_timeout, out) as service:
            yield service.host, service.port, pym_env, None
    elif mode == "env":
        host, port = pym.live_target(folder, args.env)
        yield host, args.port or port, args.env, None
    else:
        from pymacaron_unit.runner.local import LocalService

        try:
            port = args.port if args.port is not None else parse_port(environ.get(PORT_VAR) or DEFAULT_PORT)
        except TargetError as e:
            raise RunnerError(str(e)) from None
        host = clean_host(environ.get(HOST_VAR) or "127.0.0.1")
        pym_env = args.env or environ.get("PYM_ENV")
        service_env = dict(environ, **({"PYM_ENV": pym_env} if pym_env else {}))
        with LocalService(folder, host, port, service_env, args.start_timeout, args.debug, out) as service:
            yield service.host, service.port, pym_env, service


def add_token(args: argparse.Namespace, folder: str, environ: dict[str, str], pym_env: str | None,
              out: IO[str]) -> None:
    """Put a test JWT in ``environ`` (--gen-token; run_acceptance_tests when it can)."""
    if args.gen_token:
        environ[TOKEN_VAR] = pym.make_token(folder, pym_env, environ)
        _say(out, f"{TOKEN_VAR} set to a test token (user test-jwt-token)")
    elif args.always_token:  # run_acceptance_tests: a token when the service can make one
        try:
            environ[TOKEN_VAR] = pym.make_token(folder, pym_env, environ)
            _say(out, f"{TOKEN_VAR} set to a test token (user test-jwt-token)")
        except RunnerError as e:
            _say(out, f"warning: no test token ({e})")


def run_once(args: argparse.Namespace, folder: str, paths: list[str], environ: dict[str, str], url: str,
             out: IO[str]) -> int:
    """One run of the acceptance tests (and the fuzzer if asked) -> exit status."""
    status = 0
    if paths:
        status = acceptance.run_pytest(folder, paths, environ, stop_first=not args.no_stop,
                                       nocapture=args.nocapture, debug=args.debug, out=out)
        if status == 5:
            _say(out, f"no test found in {', '.join(paths)}")
    if args.fuzz:
        from pymacaron_unit.runner.fuzz import run_fuzz

        fuzzed = run_fuzz(folder, url, environ, args.fuzz_spec, args.fuzz_exclude, args.fuzz_max_examples,
                          args.fuzz_max_time, args.fuzz_seed, args.no_ssl_check, out)
        status = status or fuzzed
    return status


def run(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    """Run the acceptance tests as ``args`` say -> exit status (RunnerError when they cannot run)."""
    out = out or sys.stdout
    check_options(args)
    folder = service_folder(args.path)
    environ = base_environ(args, out)
    pym_env_hint = args.env or environ.get("PYM_ENV")
    paths = [] if args.fuzz_only else acceptance.find_test_paths(folder, args.paths, pym_env_hint, out)
    if args.fuzz:
        from pymacaron_unit.runner.fuzz import check_installed

        check_installed()  # before starting anything
    with target(args, folder, environ, out) as (host, port, pym_env, service):
        environ[HOST_VAR], environ[PORT_VAR] = host, str(port)
        if pym_env:
            environ["PYM_ENV"] = pym_env
        url = base_url(host, port)
        add_token(args, folder, environ, pym_env, out)
        runs = 0
        while True:
            runs += 1
            _say(out, f"{time.strftime('%Y-%m-%d %H:%M:%S')} testing {url}" + (f" (run {runs})" if args.loop else ""))
            status = run_once(args, folder, paths, environ, url, out)
            _say(out, f"{time.strftime('%Y-%m-%d %H:%M:%S')} {'PASSED' if status == 0 else 'FAILED'}"
                 + (f" (exit status {status})" if status else ""))
            if status and service is not None:
                service.mark_failed()
            if status or not args.loop or (args.loop_count and runs >= args.loop_count):
                return status


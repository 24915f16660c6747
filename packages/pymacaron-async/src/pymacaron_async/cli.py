"""``pymacaron worker`` (alias ``pymasync``): run the service's Celery workers in production.

::

    pymacaron worker [--service-dir DIR] [--concurrency N] [--maxmem KIB] [--level LEVEL] [--debug]
                     [--keep-alive | --no-keep-alive] [--stop-timeout SECONDS] [--port PORT]

One worker: a Celery main process and ``N`` pool processes (``worker_count``
in pym-config.yaml, else 2 per CPU, at least 2), each replaced when it dies or
uses more than ``KIB`` KiB (200 MiB by default). With ``--keep-alive`` (the
default) this command supervises the worker and restarts it if it crashes;
``--no-keep-alive`` runs it in this process, for a process manager
(systemd, Kubernetes...) that restarts it itself. SIGTERM stops it warmly:
tasks under way get ``--stop-timeout`` seconds to finish. Logs go to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys

COMMAND = "worker"
DEFAULT_STOP_TIMEOUT = 60.0
LEVELS = ("debug", "info", "warning", "error", "critical")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``pymacaron worker`` (the CLI plug-in hook)."""
    p = subparsers.add_parser(COMMAND, help="run the service's Celery workers (pymacaron-async)",
                              description=" ".join(__doc__.split("\n\n")[3].replace("``", "").split()))
    p.add_argument("--service-dir", default=".", help="the service's folder, holding server.py (default: .)")
    p.add_argument("--concurrency", type=int, default=None, metavar="N",
                   help="pool processes (default: worker_count in pym-config.yaml, else 2 per CPU, at least 2)")
    p.add_argument("--maxmem", type=int, default=None, metavar="KIB",
                   help="memory per pool process, in KiB, before it is replaced (default: 204800)")
    p.add_argument("--level", default="info", choices=LEVELS, help="log level (default: info)")
    p.add_argument("--debug", action="store_true", help="same as --level debug")
    p.add_argument("--keep-alive", dest="keep_alive", action="store_true", default=True,
                   help="restart the worker when it crashes (default)")
    p.add_argument("--no-keep-alive", dest="keep_alive", action="store_false",
                   help="run the worker in this process, without restarts")
    p.add_argument("--stop-timeout", type=float, default=DEFAULT_STOP_TIMEOUT, metavar="SECONDS",
                   help=f"on SIGTERM, time given to tasks under way (default: {DEFAULT_STOP_TIMEOUT:g})")
    p.add_argument("--port", type=int, default=None, help="the service's port, for its clients ($PYM_CELERY_PORT)")
    p.set_defaults(func=run_worker)


def _check(args):
    from pymacaron.cli import CommandError

    folder = os.path.abspath(args.service_dir)
    if not os.path.isfile(os.path.join(folder, "server.py")):
        raise CommandError(f"{os.path.join(folder, 'server.py')} not found: run 'pymacaron worker' in the service's "
                           "folder, or pass --service-dir")
    for name, value in (("--concurrency", args.concurrency), ("--maxmem", args.maxmem)):
        if value is not None and value < 1:
            raise CommandError(f"{name} must be a positive number, got {value}")
    if args.stop_timeout <= 0:
        raise CommandError(f"--stop-timeout must be a number of seconds > 0, got {args.stop_timeout:g}")
    return folder


def _configured_worker_count(folder):
    """``worker_count`` of the service's pym-config.yaml (read raw: no secret is needed for it)."""
    import yaml

    from pymacaron.cli import CommandError
    from pymacaron.resources import ResourceConfigError, get_celery_worker_count

    path = os.path.join(folder, "pym-config.yaml")
    data = {}
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError) as e:
            raise CommandError(f"{path}: cannot be read: {type(e).__name__}") from None
    try:
        return get_celery_worker_count(config=data if isinstance(data, dict) else {})
    except ResourceConfigError as e:
        raise CommandError(f"{path}: {e}") from None


def worker_argv(args: argparse.Namespace, folder: str) -> list[str]:
    """The ``python -m pymacaron_async`` arguments for the service in ``folder``."""
    level = "debug" if args.debug else args.level
    concurrency = args.concurrency or _configured_worker_count(folder)
    argv = ["--service-dir", folder, "--concurrency", str(concurrency), "--level", level]
    if args.maxmem is not None:
        argv += ["--maxmem", str(args.maxmem)]
    return argv


def run_worker(args: argparse.Namespace) -> int:
    """``pymacaron worker``: run the worker (supervised with --keep-alive) -> its exit code."""
    folder = _check(args)
    argv = worker_argv(args, folder)
    if args.port:
        os.environ["PYM_CELERY_PORT"] = str(args.port)
    os.environ["PYM_CELERY_DEBUG"] = "1" if args.debug else ""
    if not args.keep_alive:
        from pymacaron_async.worker import main

        os.chdir(folder)
        return main(argv)
    import logging

    from pymacaron.log import setup_logger

    from pymacaron_async.supervise import Supervisor

    setup_logger(celery=True, level=logging.DEBUG if args.debug else logging.INFO)
    sup = Supervisor([sys.executable, "-m", "pymacaron_async", *argv], cwd=folder, name="Celery worker",
                     stop_timeout=args.stop_timeout)
    return sup.run_forever()


def pymasync(argv: list[str] | None = None) -> int:
    """The ``pymasync`` console script: ``pymacaron worker`` under its v1 name."""
    from pymacaron.cli import alias_main

    return alias_main(COMMAND, "pymasync", argv=argv, register=register)


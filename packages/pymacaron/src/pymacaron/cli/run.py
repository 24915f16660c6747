"""``pymacaron run``: start the service of a folder (the one holding ``server.py``).

Development (default): ``python server.py [--port P] [--host H] [--debug]`` in that folder, with
the same interpreter, as a child process: the signals pymacaron receives (SIGTERM, SIGINT, SIGHUP,
SIGQUIT, SIGUSR1, SIGUSR2) are passed on, and its exit status is pymacaron's (128+N when killed by
signal N). Ctrl-C in a terminal already reaches the child (same process group), so it is not
sent twice.

``--reload``: the same command, restarted when a Python file, a spec or pym-config changes
(``pymacaron.reload``).

Production (``--production``): ``pymacaron.serving.run_production(folder, app="server:app", ...)``,
the multi-worker production server.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from pymacaron.cli._common import CommandError, summary

COMMAND = "run"
FORWARDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT",
                                                             "SIGUSR1", "SIGUSR2") if hasattr(signal, name))


def _port(text: str) -> int:

    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return port


def _workers(text: str) -> int:

    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of workers")
    return int(text)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``run`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="start the service (development server, or --production)",
                              description=summary(__doc__))
    p.add_argument("--path", default=None, metavar="DIR", help="the service's folder, holding server.py "
                   "(default: the current folder)")
    p.add_argument("--port", type=_port, default=None, metavar="P", help="port (default: $PORT, else 8080)")
    p.add_argument("--host", default=None, metavar="H", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--env", default=None, metavar="E", help="PYM_ENV for the service (selects pym-config.E.yaml)")
    p.add_argument("--debug", action="store_true", help="Flask debug mode (development server only)")
    p.add_argument("--reload", action="store_true", help="restart the development server when a .py file, a spec "
                   "or pym-config changes (watchfiles)")
    p.add_argument("--mock-unbound", action="store_true", help="operations without x-bind-server answer "
                   "examples from the spec (see 'pymacaron mock')")
    p.add_argument("--production", action="store_true", help="run the production server (several workers)")
    p.add_argument("--workers", type=_workers, default=None, metavar="N",
                   help="number of worker processes (--production only)")
    p.set_defaults(func=run, parser=p)
    return p


def service_folder(path: str | None = None) -> str:
    """The absolute folder holding server.py (CommandError saying what to do otherwise)."""
    folder = os.path.abspath(path or os.getcwd())
    if not os.path.isdir(folder):
        raise CommandError(f"--path {path}: no such folder")
    if not os.path.isfile(os.path.join(folder, "server.py")):
        hint = "pass --path DIR" if path is None else "check --path"
        raise CommandError(f"no server.py in {folder}: run this from the service's folder (the one with "
                           f"server.py, apis/ and pym-config.yaml), or {hint}")
    return folder


def run(args: argparse.Namespace) -> int:
    """Start the service of ``args.path``: development server (or ``--reload``), or ``--production``; its exit status."""
    if args.production and args.debug:
        args.parser.error("--debug is for the development server: it cannot be used with --production")
    if args.production and args.reload:
        args.parser.error("--reload is for the development server: it cannot be used with --production")
    if args.workers is not None and not args.production:
        args.parser.error("--workers N only applies to the production server: add --production")
    folder = service_folder(args.path)
    if args.mock_unbound:
        os.environ["PYM_MOCK_UNBOUND"] = "1"  # read by API.start in the service's process(es)
    if args.production:
        return run_production(folder, host=args.host, port=args.port, workers=args.workers, env=args.env)
    if args.reload:
        return run_reload(folder, host=args.host, port=args.port, env=args.env, debug=args.debug)
    return run_dev(folder, host=args.host, port=args.port, env=args.env, debug=args.debug)


def run_reload(folder: str, host: str | None = None, port: int | None = None, env: str | None = None,
               debug: bool = False) -> int:
    """``python server.py`` in ``folder``, restarted when its code, specs or config change (pymacaron.reload)."""
    from pymacaron.reload import serve_reloading

    child_env = dict(os.environ, **({"PYM_ENV": env} if env else {}))
    return serve_reloading(folder, dev_command(host, port, debug), env=child_env)


def run_production(folder: str, host: str | None = None, port: int | None = None, workers: int | None = None,
                   env: str | None = None) -> int:
    """Hand over to ``pymacaron.serving.run_production`` (which normally replaces this process)."""
    try:
        from pymacaron import serving
    except ImportError as e:
        raise CommandError(f"the production server is not available in this pymacaron ({e}); "
                           "run without --production") from None
    if env:
        os.environ["PYM_ENV"] = env
    kwargs: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port), ("workers", workers)) if v is not None}
    serving_error = getattr(serving, "ServingError", CommandError)
    try:
        code: object = serving.run_production(folder, app="server:app", **kwargs)
    except serving_error as e:
        raise CommandError(str(e)) from None
    return code if isinstance(code, int) else 0


def dev_command(host: str | None = None, port: int | None = None, debug: bool = False) -> list[str]:
    """The command line of the development server."""
    cmd = [sys.executable, "server.py"]
    if port is not None:
        cmd += ["--port", str(port)]
    if host:
        cmd += ["--host", host]
    if debug:
        cmd.append("--debug")
    return cmd


def _terminal_sent(signum: int) -> bool:
    """True when SIGINT comes from the terminal: the child, in our foreground group, got it too."""
    if signum != signal.SIGINT:
        return False
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child (Linux): get SIGTERM if pymacaron dies without passing a signal on (SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def exit_status(returncode: int) -> int:
    """A child's return code as a shell exit status (killed by signal N -> 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def run_dev(folder: str, host: str | None = None, port: int | None = None, env: str | None = None,
            debug: bool = False) -> int:
    """Run ``python server.py`` in ``folder`` until it exits -> its exit status."""
    child_env = dict(os.environ)
    if env:
        child_env["PYM_ENV"] = env
    child_env.setdefault("PYTHONUNBUFFERED", "1")  # logs show up at once, even through a pipe
    state: dict[str, Any] = {"proc": None, "pending": []}

    def forward(signum: int, frame: FrameType | None) -> None:
        if _terminal_sent(signum):
            return
        proc = state["proc"]
        if proc is None:
            state["pending"].append(signum)
            return
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    previous = {s: signal.signal(s, forward) for s in FORWARDED_SIGNALS}
    try:
        try:
            state["proc"] = subprocess.Popen(dev_command(host, port, debug), cwd=folder, env=child_env,
                                             preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        except OSError as e:
            raise CommandError(f"cannot start {sys.executable} server.py in {folder}: {e}") from None
        for signum in state["pending"]:
            state["proc"].send_signal(signum)
        return exit_status(state["proc"].wait())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

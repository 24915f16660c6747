"""Production serving: run a service folder under a production WSGI server.

A service folder holds ``server.py`` defining the Flask ``app`` (the tutorial's
layout), ``apis/`` and ``pym-config.yaml``::

    from pymacaron.serving import run_production
    run_production("path/to/service")            # the server replaces this process

    python -m pymacaron.serving path/to/service --port 8080 --workers 4

``pymacaron run --production`` and the Docker image call :func:`run_production`.
``python server.py`` stays the development server.

Servers (``server=``):

- ``granian`` (the default): a Rust HTTP server with worker processes; in each,
  :class:`pymacaron.front.Front` receives requests on an event loop (bodies within
  ``max_body_size`` and ``body_timeout``, ``/ping`` on threads of its own) and runs
  handlers in ``threads`` threads, each within ``handler_timeout``. A worker that
  dies (killed, out of memory) is replaced at once. It won ``nox -s bench -- http``
  (see benchmarks/README.md) and keeps connections alive by itself.
- ``gunicorn``: gthread workers configured by :mod:`pymacaron.gunicorn`
  (``gunicorn -c python:pymacaron.gunicorn server:app`` is the same thing by hand),
  with :class:`pymacaron.guard.Guard` around the app for the same limits.

Settings, first found wins: the arguments, then the environment, then
``pym-config.yaml``, then the defaults:

=========  ===============================  ==================  ==========================
setting    environment                      pym-config.yaml     default
=========  ===============================  ==================  ==========================
host       ``$PYM_HOST``                    -                   ``127.0.0.1``
port       ``$PORT``, ``$PYM_SERVER_PORT``  -                   8080
workers    ``$PYM_WORKERS``                 ``workers``         CPU count, at least 2
           ``$WEB_CONCURRENCY``
threads    ``$PYM_THREADS``                 ``threads``         :data:`DEFAULT_THREADS`
server     ``$PYM_SERVER``                  ``server``          :data:`DEFAULT_SERVER`
grace      ``$PYM_SHUTDOWN_GRACE``          ``shutdown_grace``  :data:`GRACEFUL_TIMEOUT_S`
=========  ===============================  ==================  ==========================

Graceful shutdown: on SIGTERM the server stops accepting connections, gives the requests
under way ``grace`` seconds to be answered (then kills the workers left), and each worker,
before it exits, delivers its queued crash reports, exports its buffered spans and retires
its metrics (:func:`pymacaron.observability.worker_stopping`); the exit status is 0. A
worker still running 1 s before its grace is over logs its threads' stacks
(:func:`pymacaron.stopping.watch_stop`), then it is killed.

``metrics: true``: the workers share a fresh prometheus_client multiprocess folder
(``$PROMETHEUS_MULTIPROC_DIR``, made here unless set), so that /metrics sums all of them;
with ``metrics_port`` the master process serves /metrics on that port.

Errors (:class:`ServingError`) name what is wrong and how to fix it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from pymacaron.limits import DEFAULT_THREADS

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from pymacaron.front import Front
    from pymacaron.guard import Guard

DEFAULT_SERVER = "granian"
SERVERS = ("granian", "gunicorn")
DEFAULT_HOST = "127.0.0.1"
MIN_WORKERS = 2  # one slow request or a worker restart never stalls the whole service
BACKLOG = 2048
# gunicorn's idle keep-alive: above the 60 s idle timeout of the usual load balancers (AWS, GCP), so
# that they never reuse a connection the server is closing at that moment (sporadic 502s)
KEEPALIVE_S = 75
GRACEFUL_TIMEOUT_S = 30

_PIP_NAMES = {"granian": "granian", "gunicorn": "gunicorn"}
APP_ENV = "PYM_WSGI_APP"  # module:variable that load_app() imports in the server's processes
LOADER = "pymacaron.serving:load_app"  # gunicorn: the Flask app, inside a Guard
FRONT_LOADER = "pymacaron.serving:load_front"  # granian: the Flask app behind a Front


class ServingError(Exception):
    """The service cannot be served as asked; the message says what to fix."""


@dataclass
class Command:
    """How to launch a server: ``argv`` run in ``cwd`` with ``env``."""

    server: str
    argv: list
    cwd: str
    env: dict = field(repr=False)
    host: str
    port: int
    workers: int
    threads: int

    @property
    def url(self) -> str:
        """``http://host:port`` to reach the server (a wildcard host as 127.0.0.1, IPv6 in brackets)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"


def cpu_count() -> int:
    """CPUs this process may run on (respects affinity masks, as in containers)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers() -> int:
    """The number of workers when none is set: the CPU count, at least MIN_WORKERS."""
    return max(MIN_WORKERS, cpu_count())


def _positive_int(value: Any, what: str) -> int:
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        n = int(value)
    except (TypeError, ValueError):
        raise ServingError(f"{what} must be a whole number, got {value!r}") from None
    if n < 1:
        raise ServingError(f"{what} must be at least 1, got {n}")
    return n


def _config_values(folder):
    """The serving keys of the folder's pym-config.yaml (raw: no secret is resolved)."""
    from pymacaron.config import get_config_path

    path, _ = get_config_path(path=folder)
    if path is None or not os.path.isfile(path):
        return None, {}
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ServingError(f"{path}: cannot be read: {e}") from None
    if not isinstance(data, dict):
        return path, {}
    return path, {k: data[k] for k in ("workers", "threads", "server", "shutdown_grace", "metrics")
                  if data.get(k) is not None}


def _setting(name, explicit, env_vars, config, config_path, default):
    if explicit is not None:
        return explicit, f"the {name} argument"
    for var in env_vars:
        value = os.environ.get(var)
        if value not in (None, ""):
            return value, f"${var}"
    if name in config:
        return config[name], f"'{name}' in {config_path}"
    return default, None


def _port(port: int | str | None) -> int:
    if port is not None:
        return _valid_port(port, "the port argument")
    for var in ("PORT", "PYM_SERVER_PORT"):
        value = os.environ.get(var)
        if value:
            return _valid_port(value, f"${var}")
    return 8080


def _valid_port(value: int | str, what: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ServingError(f"{what} must be a port number, got {value!r}") from None
    if not 0 <= n <= 65535:
        raise ServingError(f"{what} must be a port number (0-65535), got {n}")
    return n


def _check_app(folder, app):
    if not isinstance(app, str) or app.count(":") != 1 or not all(app.split(":")):
        raise ServingError(f"app={app!r}: expected 'module:variable', e.g. 'server:app' "
                           "(server.py defining app = Flask(__name__))")
    module = app.split(":")[0]
    rel = module.replace(".", os.sep)
    if not (os.path.isfile(os.path.join(folder, rel + ".py")) or
            os.path.isfile(os.path.join(folder, rel, "__init__.py"))):
        raise ServingError(f"{os.path.join(folder, rel + '.py')} not found: the service folder must hold "
                           f"the module {module!r} defining the Flask app (app={app!r})")


def _check_installed(server):
    if importlib.util.find_spec(server) is None:
        raise ServingError(f"the production server {server!r} is not installed in {sys.executable}: "
                           f"pip install {_PIP_NAMES[server]}")


def production_command(folder: str = ".", app: str = "server:app", host: str | None = None,
                       port: int | str | None = None, workers: int | str | None = None,
                       threads: int | str | None = None, server: str | None = None,
                       extra_args: Sequence[object] = ()) -> Command:
    """-> the :class:`Command` that serves ``app`` from ``folder`` (nothing is started)."""
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        raise ServingError(f"service folder {folder} does not exist (it should hold server.py, apis/ and "
                           "pym-config.yaml)")
    _check_app(folder, app)
    config_path, config = _config_values(folder)
    server, origin = _setting("server", server, ("PYM_SERVER",), config, config_path, DEFAULT_SERVER)
    if server not in SERVERS:
        raise ServingError(f"unknown production server {server!r} (from {origin}): use one of {', '.join(SERVERS)}")
    _check_installed(server)
    value, origin = _setting("workers", workers, ("PYM_WORKERS", "WEB_CONCURRENCY"), config, config_path, None)
    workers = default_workers() if value is None else _positive_int(value, f"workers (from {origin})")
    value, origin = _setting("threads", threads, ("PYM_THREADS",), config, config_path, DEFAULT_THREADS)
    threads = _positive_int(value, f"threads (from {origin})" if origin else "threads")
    host = host or os.environ.get("PYM_HOST") or DEFAULT_HOST
    port = _port(port)
    value, origin = _setting("shutdown_grace", None, ("PYM_SHUTDOWN_GRACE",), config, config_path, GRACEFUL_TIMEOUT_S)
    grace = _grace(value, origin)

    env = dict(os.environ)
    if config_path and os.path.dirname(config_path) == folder:
        # the workers' own search (script folder, /pym, cwd) must find this one, not another
        env.setdefault("PYM_CONFIG", folder)
    env["PYTHONPATH"] = os.pathsep.join([folder] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env[APP_ENV] = app
    env["PYM_THREADS"] = str(threads)  # the handler threads of each worker (pymacaron.limits)
    env["PYM_SHUTDOWN_GRACE"] = str(grace)
    if config.get("metrics") is True:
        from pymacaron.observability.metrics import prepare_multiprocess

        prepare_multiprocess(env, folder)
    build = _granian_argv if server == "granian" else _gunicorn_argv
    argv = build(host, port, workers, threads, grace)
    argv[-1:-1] = [str(a) for a in extra_args]  # options go before the app target
    return Command(server=server, argv=argv, cwd=folder, env=env, host=host, port=port, workers=workers,
                   threads=threads)


def _grace(value, origin):
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        grace = float(value)
    except (TypeError, ValueError):
        raise ServingError(f"shutdown_grace (from {origin}) must be a number of seconds, got {value!r}") from None
    if not 1 <= grace <= 1800:
        raise ServingError(f"shutdown_grace (from {origin}) must be from 1 to 1800 seconds, got {value!r}")
    return int(grace) if grace.is_integer() else grace


def _granian_argv(host, port, workers, threads, grace=GRACEFUL_TIMEOUT_S):
    return [
        sys.executable, "-c", "from pymacaron.serving import granian_master; granian_master()",
        "--interface", "rsgi",
        "--host", host, "--port", str(port),
        "--workers", str(workers),
        "--backlog", str(BACKLOG), "--no-ws",
        "--log-level", "info", "--no-access-log",
        "--workers-kill-timeout", str(max(1, round(grace))),
        "--respawn-failed-workers",
        "--factory", FRONT_LOADER,
    ]


def _gunicorn_argv(host, port, workers, threads, grace=GRACEFUL_TIMEOUT_S):
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable, "-m", "gunicorn", "--config", "python:pymacaron.gunicorn",
        "--bind", bind, "--workers", str(workers), "--threads", str(threads),
        "--graceful-timeout", str(max(1, round(grace))),
        f"{LOADER}()",
    ]


STARTUP_FAILURE_EXIT = 3  # a worker that cannot load the app (see _startup_failure)
RESPAWN_BACKOFF_S = (0.5, 30.0)  # first and longest pause before replacing a worker that died young
YOUNG_WORKER_S = 10.0  # a worker dying sooner after its start is in a crash loop: pause before the next


def granian_master() -> None:
    """granian's command line (arguments in ``sys.argv[1:]``), with three fixes for its workers.

    - A granian worker is forked with its master's signal handlers and installs its
      own only once the app is loaded (seconds later): a SIGTERM in between was lost,
      and the worker served on until the master killed it after the graceful timeout.
      Here each forked worker starts with the default SIGTERM/SIGINT action instead
      (:func:`pymacaron.stopping.default_stop_signals_in_workers`): a worker still loading has no request
      to finish, so it just ends.
    - A worker is killed at the end of the graceful stop only if it is still running
      (:func:`pymacaron.stopping.stop_workers`; granian's check could see a stopped worker as running).
    - A dead worker is always replaced (:func:`supervised_server_class`), and at once:
      the app is loaded in the master before the workers are forked (as gunicorn's
      ``preload_app``, which pymacaron.gunicorn sets too), so a new worker is ready
      as soon as it is forked instead of importing the service for seconds.
    """

    from pymacaron.stopping import default_stop_signals_in_workers

    default_stop_signals_in_workers()
    _import_app()  # a configuration or spec error stops start-up here, with its message
    serve_metrics_port()
    import granian.cli
    from granian.cli import entrypoint

    granian.cli.Server = supervised_server_class(granian.cli.Server)
    sys.argv[0] = "granian"
    entrypoint()


def supervised_server_class(server_class: type[Any]) -> type[Any]:
    """granian's server class, whose dead workers are always replaced.

    With ``--respawn-failed-workers`` granian replaces a worker that dies (killed,
    out of memory, a segfault), but stops the whole server when the same worker
    dies again within 5.5 s of its replacement ("crash loop"): two out-of-memory
    kills in a row took the service down. This class replaces it every time,
    pausing first when the worker died young (0.5 s, doubling up to 30 s) so that a
    real crash loop costs little. A worker that could not load the app (exit status
    3: a spec or configuration error, already explained in the log) is not replaced:
    the server stops, with status 1.
    """

    class SupervisedServer(server_class):
        def _respawn_workers(self, workers, spawn_target, target_loader, delay=0):
            dead = [self.wrks[idx] for idx in workers]
            if self.interrupt_signal or any(w.is_alive() for w in dead):  # a reload, lifetime or memory respawn
                return super()._respawn_workers(workers, spawn_target, target_loader, delay=delay)
            broken = [w for w in dead if getattr(getattr(w, "inner", None), "exitcode", None) == STARTUP_FAILURE_EXIT]
            if broken:
                self.interrupt_children.extend(w.idx for w in broken)  # the server's exit status: 1
                self.interrupt_signal = True
                self.main_loop_interrupt.set()
                return None
            backoffs = getattr(self, "_pym_backoffs", {})
            self._pym_backoffs = backoffs
            now = time.monotonic()
            pause = 0.0
            for w in dead:
                if now - w.birth < YOUNG_WORKER_S:
                    backoffs[w.idx] = min(backoffs.get(w.idx, RESPAWN_BACKOFF_S[0] / 2) * 2, RESPAWN_BACKOFF_S[1])
                    pause = max(pause, backoffs[w.idx])
                else:
                    backoffs.pop(w.idx, None)
            if pause:
                sys.stderr.write(f"PyMacaron: a worker died {now - min(w.birth for w in dead):.1f} s after its start: "
                                 f"replacing it in {pause:g} s\n")
                time.sleep(pause)
            result = super()._respawn_workers(workers, spawn_target, target_loader, delay=delay)
            for idx in workers:
                self.respawned_wrks.pop(idx, None)  # never "crash loop detected, exiting"
            return result

        def _stop_workers(self):
            from pymacaron.stopping import stop_workers

            stop_workers(self)

    SupervisedServer.__name__ = SupervisedServer.__qualname__ = f"Supervised{server_class.__name__}"
    return SupervisedServer


def serve_metrics_port() -> ThreadingHTTPServer | None:
    """In the serving master: /metrics on ``metrics_port`` when pym-config asks for it (None otherwise)."""
    from pymacaron.observability import current_settings

    settings = current_settings()
    if settings is None or not settings.metrics or settings.metrics_port is None:
        return None
    from pymacaron.observability.metrics import serve_port

    return serve_port(settings.metrics_port, settings.metrics_token)


def load_front() -> Front:
    """granian's factory: the app of :func:`load_app` behind a :class:`pymacaron.front.Front`."""
    from pymacaron.front import Front

    return Front(_import_app())


def load_app() -> Guard:
    """gunicorn's factory: the app of ``$PYM_WSGI_APP`` in a :class:`pymacaron.guard.Guard`."""
    from pymacaron.guard import Guard

    return Guard(_import_app())


def _import_app():
    """Import the app named by ``$PYM_WSGI_APP`` (``server:app``): what the servers load.

    A configuration or spec error stops start-up with its message alone (which
    file, which line, what to fix) and exit status 3, not a traceback.
    """
    from pymacaron_core import SpecError

    from pymacaron.config import ConfigError

    target = os.environ.get(APP_ENV) or "server:app"
    module_name, _, variable = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except (ConfigError, SpecError, ServingError) as e:
        _startup_failure(str(e))
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        _startup_failure(f"cannot import {module_name!r} from {os.getcwd()}: the service folder must hold "
                         f"{module_name.replace('.', os.sep)}.py")
    app = getattr(module, variable or "app", None)
    if app is None or not callable(app):
        _startup_failure(f"{module.__file__} defines no WSGI app named {variable!r}: "
                         f"declare it at module level, e.g. {variable} = Flask(__name__)")
    return app


def _startup_failure(message):
    sys.stderr.write(f"PyMacaron could not start:\n{message}\n")
    sys.stderr.flush()
    raise SystemExit(3)


def launch_production(folder: str = ".", app: str = "server:app", host: str | None = None,
                      port: int | str | None = None, workers: int | str | None = None,
                      threads: int | str | None = None, server: str | None = None,
                      extra_args: Sequence[object] = (),
                      **popen_kwargs: Any) -> tuple[Command, subprocess.Popen[Any]]:
    """Start the server as a child process -> (:class:`Command`, ``subprocess.Popen``)."""
    cmd = production_command(folder, app=app, host=host, port=port, workers=workers, threads=threads,
                             server=server, extra_args=extra_args)
    proc = subprocess.Popen(cmd.argv, cwd=cmd.cwd, env=cmd.env, **popen_kwargs)
    return cmd, proc


def run_production(folder: str = ".", app: str = "server:app", host: str | None = None,
                   port: int | str | None = None, workers: int | str | None = None,
                   threads: int | str | None = None, server: str | None = None,
                   extra_args: Sequence[object] = ()) -> NoReturn:
    """Replace this process by the production server serving ``app`` from ``folder``.

    Signals (SIGTERM from Docker, Kubernetes, Cloud Run...) then go to the
    server itself, which shuts down gracefully. Never returns.
    """
    cmd = production_command(folder, app=app, host=host, port=port, workers=workers, threads=threads,
                             server=server, extra_args=extra_args)
    sys.stderr.write(f"PyMacaron: serving {app} from {cmd.cwd} on {cmd.url} with {cmd.server} "
                     f"({cmd.workers} workers x {cmd.threads} threads)\n")
    sys.stderr.flush()
    os.chdir(cmd.cwd)
    os.execvpe(cmd.argv[0], cmd.argv, cmd.env)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pymacaron.serving FOLDER [--port ...]``: serve FOLDER (never returns), or 1 with the error."""
    parser = argparse.ArgumentParser(prog="python -m pymacaron.serving",
                                     description="Serve a PyMacaron service folder with a production server.")
    parser.add_argument("folder", nargs="?", default=".", help="the service folder (holding server.py)")
    parser.add_argument("--app", default="server:app", help="module:variable of the Flask app (server:app)")
    parser.add_argument("--host", default=None, help=f"address to bind ($PYM_HOST, else {DEFAULT_HOST})")
    parser.add_argument("--port", default=None, help="port ($PORT, $PYM_SERVER_PORT, else 8080)")
    parser.add_argument("--workers", default=None, help="worker processes (default: CPU count, at least 2)")
    parser.add_argument("--threads", default=None, help=f"threads per worker (default {DEFAULT_THREADS})")
    parser.add_argument("--server", default=None, choices=SERVERS, help=f"default {DEFAULT_SERVER}")
    args, extra = parser.parse_known_args(argv)
    try:
        run_production(args.folder, app=args.app, host=args.host, port=args.port, workers=args.workers,
                       threads=args.threads, server=args.server, extra_args=extra)
    except ServingError as e:
        sys.stderr.write(f"PyMacaron could not start:\n{e}\n")
        return 1
    return 0  # pragma: no cover (run_production does not return)


if __name__ == "__main__":
    sys.exit(main())

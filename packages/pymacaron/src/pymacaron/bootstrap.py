"""Bootstrapping a service: ``API(app, ...)``, ``load_apis``, ``start``, ``letsgo``.

A service's ``server.py`` (unchanged since pymacaron v1)::

    app = Flask(__name__)

    def start(port=8080, debug=False):
        api = API(app, port=port, debug=debug, error_reporter=report)
        api.load_apis("apis")
        api.start(serve="myservice")

    letsgo(__name__, callback=start)

``python server.py --port 8080`` runs the development server; imported by
gunicorn (``server:app``) or a worker, the same code only builds the app.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Union

from pymacaron_core import ApiPool, SpecError

from pymacaron import builtins
from pymacaron.__about__ import __version__
from pymacaron.config import ConfigError, PyMacaronConfig, config_loaded, get_config, load_config
from pymacaron.crash import generate_crash_handler_decorator, set_error_reporter
from pymacaron.exceptions import format_error
from pymacaron.http import setup_app

if TYPE_CHECKING:
    from flask import Flask
    from pymacaron_core.api import API as CoreAPI
    from pymacaron_core.server.security import Verifiers

    from pymacaron.crash.handler import ErrorDecorator

log = logging.getLogger("pymacaron")

BUILTIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis")
BUILTIN_APIS = ("ping", "crash")
DEFAULT_PORT = 8080

ConfigLike = Union[PyMacaronConfig, Mapping[str, Any]]  # get_config(), or pym-config.yaml's keys as a dict
Hook = Callable[[], object]  # a ping_hook or ready_hook: called without arguments
Hooks = Union[Hook, list[Union[Hook, None]], tuple[Union[Hook, None], ...], None]
ErrorCallback = Callable[[BaseException], Any]  # an exception -> what the caller gets (format_error: an Error model)


class _Runtime:
    """How letsgo was invoked: serve HTTP here, or only build the app."""

    serve: bool = False
    host: str | None = None


runtime = _Runtime()


_builtin_definitions: dict[str, dict[str, Any]] | None = None


def builtin_definitions(cache_dir: str | None = None) -> dict[str, dict[str, Any]]:
    """Error and Ok from the built-in spec: user specs may reference them without defining them."""
    global _builtin_definitions
    if _builtin_definitions is None:
        from pymacaron_core.spec.document import load_document

        doc = load_document(yaml_path=os.path.join(BUILTIN_DIR, "ping.yaml"), name="ping", cache_dir=cache_dir,
                            cache_versions=(__version__,))
        # as written in ping.yaml (without the x-model load_document adds to every definition)
        _builtin_definitions = {k: {key: value for key, value in doc.definitions[k].items() if key != "x-model"}
                                for k in ("Error", "Ok")}
    return _builtin_definitions


STARTUP_CACHE = os.path.join(".pym", "cache")


def startup_cache_dir(config: ConfigLike, project: str | None = None) -> str | None:
    """Where the loaded, checked specs are kept between starts: ``<project>/.pym/cache``, the project
    being the folder of pym-config.yaml (else the folder holding ``apis/``); None when
    ``startup_cache: false`` or no project folder is known."""
    if not _flag(config, "startup_cache", True):
        return None
    path = getattr(config, "config_path", None)
    folder = os.path.dirname(path) if path else project
    return os.path.join(folder, STARTUP_CACHE) if folder else None


def get_port() -> int:
    """$PORT, else $PYM_SERVER_PORT, else 8080 (as an int)."""
    for var in ("PORT", "PYM_SERVER_PORT"):
        value = os.environ.get(var)
        if value:
            try:
                return int(value)
            except ValueError:
                raise ConfigError(f"${var} must be a port number, got {value!r}") from None
    return DEFAULT_PORT


def _load_config_or_defaults():
    if config_loaded():
        return get_config()
    try:
        return get_config()
    except ConfigError as e:
        if str(e).startswith("Failed to find pym-config"):
            log.warning("no pym-config.yaml found: using defaults")
            return load_config(data={})
        raise


class API:
    """A service's set-up, made in server.py's start function: ``API(app, port=..., debug=...)``, then
    ``load_apis("apis")`` and ``start(serve=...)``. ``timeout`` and ``error_callback`` apply to every API
    loaded (server and clients), ``error_reporter(title, message)`` receives crash reports,
    ``error_decorator`` rewrites error bodies, ``ping_hook`` runs at each /ping and ``ready_hook`` decides
    /ready (each: a function or a list of them)."""

    def __init__(self, app: Flask, host: str | None = None, port: int | str | None = None, debug: bool = False,
                 log_level: int | str | None = None, formats: Any = None, timeout: float = 20,
                 error_reporter: Callable[[str, str], object] | None = None, default_user_id: str | None = None,
                 error_callback: ErrorCallback | None = format_error, error_decorator: ErrorDecorator | None = None,
                 ping_hook: Hooks = None, ready_hook: Hooks = None) -> None:
        if app is None:
            raise ValueError("API(app): pass the service's Flask app")
        self.app = app
        self.host = host or runtime.host or "127.0.0.1"
        self.port = int(port) if port else get_port()
        self.debug = bool(debug)
        self.formats = formats
        self.timeout = timeout
        self.error_callback = error_callback
        self.error_decorator = error_decorator
        self.default_user_id = default_user_id
        self.apis: dict[str, str] = {}  # API name -> its yaml file
        self._project: str | None = None  # the folder holding apis/ (the start-up cache's place without pym-config.yaml)
        self._published: str | None = None
        if log_level is not None:
            logging.getLogger().setLevel(log_level)
        if error_reporter is not None:
            set_error_reporter(error_reporter)
        builtins.clear_ping_hooks()
        hooks = ping_hook if isinstance(ping_hook, (list, tuple)) else [ping_hook]
        for hook in hooks:
            if hook is not None:
                if not callable(hook):
                    raise ValueError(f"ping_hook must be a function, got {hook!r}")
                builtins.add_ping_hook(hook)
        from pymacaron.observability import readiness

        readiness.reset()
        readiness.set_hooks([h for h in (ready_hook if isinstance(ready_hook, (list, tuple)) else [ready_hook])
                             if h is not None])
        self.config = _load_config_or_defaults()
        if error_reporter is None and self.config.get("crash_reports"):
            from pymacaron.crash.reporters import reporter_from_config

            set_error_reporter(reporter_from_config(self.config))
        if default_user_id:
            self.config.default_user_id = default_user_id

    # -- loading ----------------------------------------------------------

    def load_apis(self, path: str, ignore: list[str] | tuple[str, ...] | set[str] | None = None,
                  include_crash_api: bool = False) -> API:
        """Register every ``*.yaml`` under ``path`` (the file name is the API name, ``ignore`` names some to
        skip), plus the built-in ping API, and the crash API with ``include_crash_api=True`` -> self."""
        ignore = set(ignore or ())
        if not os.path.isdir(path):
            raise ConfigError(
                f"load_apis({path!r}): no such folder (the specs are usually in apis/ next to server.py)")
        self._project = self._project or os.path.dirname(os.path.abspath(path))
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for filename in sorted(files):
                if not filename.endswith((".yaml", ".yml")) or filename.startswith(("#", ".#", ".")):
                    continue
                name = filename.rsplit(".", 1)[0]
                if name in ignore or name.startswith("pym-config"):
                    continue
                self.apis[name] = os.path.join(root, filename)
        self.apis["ping"] = os.path.join(BUILTIN_DIR, "ping.yaml")
        if include_crash_api:
            self.apis["crash"] = os.path.join(BUILTIN_DIR, "crash.yaml")
        return self

    def load_clients(self, path: str | None = None, apis: list[str] | tuple[str, ...] | None = None) -> API:
        """Load ``<path>/<name>.yaml`` for each name of ``apis`` as a client of a remote service (path defaults
        to ./apis), with this API's timeout, error_callback and formats -> self."""
        load_clients(path=path, apis=apis, timeout=self.timeout, error_callback=self.error_callback,
                     formats=self.formats)
        return self

    def publish_apis(self, path: str = "doc") -> API:
        """Serve each loaded API's spec (yaml, json) and a Swagger UI page under /<path>/<api>, after
        ``load_apis`` -> self."""
        if not self.apis:
            raise ConfigError("publish_apis() must be called after load_apis()")
        from pymacaron.docs import publish_specs

        self._published = path
        publish_specs(self.app, {n: p for n, p in self.apis.items() if n not in BUILTIN_APIS or n == "ping"},
                      path=path)
        return self

    # -- serving ----------------------------------------------------------

    def start(self, serve: str | list[str] | tuple[str, ...] | None = None) -> Flask:
        """Load every API; those named by ``serve`` (default: all but the built-in ones) get routes, /ping
        always. Run by ``letsgo`` as a script, then serve HTTP until stopped; -> the Flask app."""
        if isinstance(serve, str):
            serve = [serve]
        elif serve is None:
            serve = [n for n in self.apis if n not in BUILTIN_APIS]
        elif isinstance(serve, (list, tuple)):
            serve = list(serve)
        else:
            raise ValueError(f"start(serve=...) takes an API name or a list of names, got {serve!r}")
        unknown = [n for n in serve if n not in self.apis]
        if unknown:
            known = ", ".join(sorted(self.apis)) or "none (call load_apis first)"
            raise ConfigError(f"start(serve=...): no API named {', '.join(unknown)} was loaded "
                              f"(expected {unknown[0]}.yaml in the apis folder; loaded: {known})")
        if "ping" not in serve:
            serve.append("ping")
            self.apis.setdefault("ping", os.path.join(BUILTIN_DIR, "ping.yaml"))
        self.config.check_mandatory()
        if not self.app.secret_key:
            self.app.secret_key = os.urandom(24)
        setup_app(self.app, self.config, self.error_decorator)
        decorator = generate_crash_handler_decorator(self.error_decorator)
        from pymacaron import observability
        from pymacaron.observability import readiness

        observed = observability.install(self.app, self.config)
        if observed is not None:
            crash_decorator = decorator

            def decorator(view):
                return observed(crash_decorator(view))
        aliases = self.config.get("base_path_aliases", True)
        strict = _flag(self.config, "strict_spec", False)
        validate = _flag(self.config, "validate_responses", True)
        verifiers = security_verifiers(self.config)
        cache_dir = startup_cache_dir(self.config, self._project)
        defaults = builtin_definitions(cache_dir)
        ordered = [n for n in self.apis if n not in serve] + [n for n in self.apis if n in serve]
        for name in ordered:
            served = name in serve
            ApiPool.add(name, yaml_path=self.apis[name], timeout=self.timeout, error_callback=self.error_callback,
                        formats=self.formats, do_persist=served, host=self.host if served else None,
                        port=self.port if served else None, local=served,
                        default_definitions=defaults, strict=strict,
                        client_base_path=client_base_path(self.config, name), cache_dir=cache_dir,
                        cache_versions=(__version__,))
        self._bind_mocks(serve)
        for name in serve:
            # the built-in APIs' models (Error, Ok, Version) give their names up to a spec defining its own
            ApiPool.get(name).spawn_api(self.app, decorator=decorator, base_path_aliases=aliases,
                                        verifiers=verifiers, validate_responses=validate,
                                        yield_model_names=name in BUILTIN_APIS)
        observability.add_routes(self.app)
        self._log_start(serve)
        self._start_async_if_configured()
        readiness.mark_started()
        if runtime.serve:
            from pymacaron.serving import serve_metrics_port

            serve_metrics_port()
            from pymacaron.guard import Guard, json_error_request_handler

            self.app.debug = self.debug
            if not isinstance(self.app.wsgi_app, Guard):
                self.app.wsgi_app = Guard(self.app)  # the request limits (pymacaron.limits), as in production
            _exit_on_sigterm()
            log.info("Serving on http://%s:%s", self.host, self.port)
            self.app.run(host=self.host, port=self.port, debug=self.debug, use_reloader=False,
                         request_handler=json_error_request_handler())
        return self.app

    def _bind_mocks(self, serve):
        """``pymacaron mock`` (every operation) / ``--mock-unbound`` (those without x-bind-server): example answers."""
        from pymacaron.mock import bind_mocks, mock_unbound_enabled

        mode = getattr(self, "mock", None) or ("unbound" if mock_unbound_enabled() else None)
        if mode is None:
            return
        for name in serve:
            if name in BUILTIN_APIS:
                continue
            mocked = bind_mocks(ApiPool.get(name), only_unbound=mode == "unbound")
            for op in mocked:
                log.info("API %s: %s answers a mock (%s)", name, op.where,
                         "no x-bind-server" if mode == "unbound" else "pymacaron mock")

    def _log_start(self, serve):
        jwt = "configured" if self.config.get("jwt_secret") else "not configured"
        log.info("PyMacaron: serving %s (env %r, JWT %s, issuer %r)", ", ".join(serve),
                 self.config.pym_env or "", jwt, self.config.get("jwt_issuer"))

    def _start_async_if_configured(self):
        if not self.config.get("with_async"):
            return
        try:
            import pymacaron_async  # noqa: F401  (registers tasks' app; the worker is started by letsgo)
        except ImportError:
            raise ConfigError("with_async is set in pym-config.yaml but pymacaron-async is not installed: "
                              "pip install pymacaron-async (or pymacaron[async])") from None
        from pymacaron_async.devwait import install

        install(self.app)  # python server.py with its own worker: requests answer once their tasks ran


def _flag(config, key, default):
    value = config.get(key, default)
    if not isinstance(value, bool):
        where = getattr(config, "config_path", None) or "pym-config.yaml"
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def client_base_path(config: ConfigLike | None, api_name: str) -> bool:
    """Whether the client of ``api_name`` calls ``<basePath><path>`` (``client_base_path`` in pym-config).

    ``false`` (the default): the spec's paths as written, as v1 clients did (v1 servers, and
    v3 servers with base_path_aliases on, answer them); ``true``: every client prefixes the
    basePath; a list of API names: those clients only.
    """
    value = config.get("client_base_path", False) if config is not None else False
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return api_name in value
    where = getattr(config, "config_path", None) or "pym-config.yaml"
    raise ConfigError(f"{where}: client_base_path must be true, false or a list of API names, got {value!r}")


VERIFIER_FIX = ("name a function verifying it in pym-config.yaml: 'security_verifiers: {{{scheme}: "
                "mypackage.auth.check_{scheme}}}', where check_{scheme}(credential, scopes, scheme) returns something "
                "true to accept the caller (see 'Spec security' in pymacaron's README)")


def security_verifiers(config: ConfigLike | None) -> Verifiers:
    """The verifiers of the spec's ``security``: JWT (pymacaron.auth.verify_jwt) for bearer, oauth2 and
    openIdConnect schemes; ``security_verifiers`` of pym-config (scheme name -> dotted function) for the rest,
    or to replace the JWT check of a scheme."""
    from pymacaron_core.server.security import Verifiers

    from pymacaron.auth import verify_jwt

    named = config.get("security_verifiers") or {} if config is not None else {}
    where = getattr(config, "config_path", None) or "pym-config.yaml"
    if not isinstance(named, dict) or not all(isinstance(k, str) and isinstance(v, str) and "." in v
                                              for k, v in named.items()):
        raise ConfigError(f"{where}: security_verifiers must map security scheme names to dotted function paths, "
                          f"e.g. security_verifiers: {{api_key: mypackage.auth.check_api_key}}; got {named!r}")
    return Verifiers(kinds={"bearer": verify_jwt, "oauth2": verify_jwt, "openIdConnect": verify_jwt},
                     schemes=named, fix=VERIFIER_FIX)


def _exit_on_sigterm():
    """SIGTERM ends the development server as Ctrl-C does: exit handlers run (queued crash reports are sent)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return

    def terminate(signum, frame):
        from pymacaron.observability import readiness

        readiness.start_draining()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)


def load_clients(path: str | None = None, apis: list[str] | tuple[str, ...] | None = None, timeout: float = 20,
                 error_callback: ErrorCallback | None = format_error, formats: Any = None) -> list[CoreAPI]:
    """Load ``apis`` (names of ``<path>/<name>.yaml``, path defaulting to ./apis) as clients of remote
    services, without a Flask app (e.g. in a script) -> those APIs, whose operations call the services."""
    if not apis or not isinstance(apis, (list, tuple)):
        raise ValueError("load_clients(apis=[...]) needs a list of API names")
    if path is None:
        path = "apis"
        here = os.path.dirname(os.path.abspath(sys.argv[0])) if sys.argv and sys.argv[0] else os.getcwd()
        if not os.path.isdir(path) and os.path.isdir(os.path.join(here, "apis")):
            path = os.path.join(here, "apis")
    config = _config_if_loaded()
    for name in apis:
        yaml_path = os.path.join(path, f"{name}.yaml")
        if not os.path.isfile(yaml_path):
            raise ConfigError(f"load_clients: {yaml_path} not found")
        ApiPool.add(name, yaml_path=yaml_path, timeout=timeout, error_callback=error_callback, formats=formats,
                    do_persist=False, local=False, default_definitions=builtin_definitions(),
                    strict=_flag(config, "strict_spec", False) if config is not None else False,
                    client_base_path=client_base_path(config, name))
    return [ApiPool.get(n) for n in apis]


def _config_if_loaded():
    """The config, once loaded (by API(app) or get_config()): a script calling load_clients needs none."""
    return get_config() if config_loaded() else None


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog=os.path.basename(sys.argv[0]) or "server.py",
                                     description="Start this PyMacaron service.")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: $PORT or 8080)")
    parser.add_argument("--host", default=None, help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--env", default=None, help="set PYM_ENV (selects pym-config.<env>.yaml)")
    parser.add_argument("--debug", dest="debug", action="store_true", default=False,
                        help="Flask debug mode (never in production)")
    parser.add_argument("--no-debug", dest="debug", action="store_false")
    parser.add_argument("--reload", action="store_true", default=False,
                        help="restart when a .py file, a spec or pym-config changes (development)")
    parser.add_argument("--mock-unbound", action="store_true", default=False,
                        help="operations without x-bind-server answer mocks from the spec (development)")
    return parser.parse_args(argv)


def _serve_reloading(argv):
    """``python server.py --reload ...``: the same command without --reload, under the reloader."""
    from pymacaron.reload import serve_reloading

    script = os.path.abspath(sys.argv[0])
    command = [sys.executable, script, *(a for a in argv if a != "--reload")]
    sys.exit(serve_reloading(os.path.dirname(script), command))


def _fail(message):
    sys.stderr.write(f"PyMacaron could not start:\n{message}\n")
    sys.exit(1)


def letsgo(name: str, callback: Callable[..., object] | None = None) -> None:
    """Entry point of server.py (``letsgo(__name__, callback=start)``): run as a script, parse the command line
    (--port, --host, --env, --debug, --reload, --mock-unbound) and serve; imported, only call ``start`` to
    build the app."""
    if callback is None:
        raise ValueError("letsgo(__name__, callback=start): the callback is required")
    if name != "__main__":
        runtime.serve = False
        _call_start(callback, get_port(), False)
        return
    args = _parse_args(sys.argv[1:])
    if args.mock_unbound:
        os.environ["PYM_MOCK_UNBOUND"] = "1"  # read by API.start, here and in the async worker
    if args.reload:
        _serve_reloading(sys.argv[1:])
    if args.env:
        os.environ["PYM_ENV"] = args.env
    from pymacaron.log import setup_logger

    setup_logger(level=logging.DEBUG if args.debug else logging.INFO)
    try:
        config = get_config()
        port = args.port or get_port()
        runtime.serve = True
        runtime.host = args.host or "127.0.0.1"
        worker = _maybe_start_worker(config, port, args.debug)
        try:
            _call_start(callback, port, args.debug)
        finally:
            if worker is not None:
                worker.stop()
    except (ConfigError, SpecError) as e:
        _fail(str(e))


def _call_start(callback, port, debug):
    """Call the service's start function the way it can be called.

    v1 services write ``def start(port, debug):``, ``def start(port=8080, debug=False):`` or
    ``def start(port):``: it gets ``port`` and ``debug`` by name when it takes them, else
    positionally, else only what it accepts. Imported (by gunicorn, granian, the async
    worker), ``debug`` is False.
    """
    try:
        sig = inspect.signature(callback)
    except (TypeError, ValueError):
        return callback(port=port, debug=debug)
    for args, kwargs in (((), {"port": port, "debug": debug}), ((port, debug), {}), ((), {"port": port}),
                         ((port,), {}), ((), {})):
        try:
            sig.bind(*args, **kwargs)
        except TypeError:
            continue
        return callback(*args, **kwargs)
    raise ConfigError(f"letsgo(__name__, callback={getattr(callback, '__name__', callback)!r}): the callback must "
                      f"accept the port and debug flag, e.g. 'def start(port=8080, debug=False):' (its signature is "
                      f"{sig})")


def _maybe_start_worker(config, port, debug):
    if not isinstance(config, PyMacaronConfig) or not config.get("with_async"):
        return None
    try:
        from pymacaron_async.supervise import start_local_worker
    except ImportError:
        raise ConfigError("with_async is set in pym-config.yaml but pymacaron-async is not installed: "
                          "pip install pymacaron-async (or pymacaron[async])") from None
    return start_local_worker(port=port, debug=debug)

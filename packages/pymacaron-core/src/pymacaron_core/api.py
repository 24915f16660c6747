"""One API: its spec, its models, its client, and its routes once served.

Everything is derived from the spec at construction (models, validators,
client methods) or at ``spawn_api`` (handlers resolved and checked, security
verifiers found, routes compiled). A problem anywhere stops start-up with a
:class:`SpecError` listing every problem found, each with its file, line,
operation and fix; problems pymacaron v1 tolerated are warnings unless ``strict``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pymacaron_core.client.caller import ClientMethod, retry_delay
from pymacaron_core.client.transports import HttpTransport, WsgiTransport
from pymacaron_core.context import install_call_context
from pymacaron_core.exceptions import ClientError, SpecError, SpecProblem, ValidationError
from pymacaron_core.imports import ImportProblem, resolve_dotted
from pymacaron_core.models import classes_named, get_model, register_served_models, yielding_model
from pymacaron_core.models.factory import ModelFactory
from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry
from pymacaron_core.server.content_type import check_for as content_check_for
from pymacaron_core.server.plan import RequestPlan
from pymacaron_core.server.response import ResponsePlan
from pymacaron_core.server.routes import make_view, pre_parse_check_of
from pymacaron_core.server.rules import lazy_url_builders
from pymacaron_core.server.security import compile_security, one_per_message
from pymacaron_core.spec.document import load_document, strip_docs
from pymacaron_core.spec.lazy import lazy_allowed
from pymacaron_core.spec.description import describe
from pymacaron_core.spec.problems import settle

if TYPE_CHECKING:
    from flask import Flask

    from pymacaron_core.server.security import Verifiers
    from pymacaron_core.spec.description import Operation

log = logging.getLogger(__name__)

APP_EXTENSION = "pymacaron_core"
_warned: set = set()


def _warn_once(key, message, *args):
    if key not in _warned:
        _warned.add(key)
        log.warning(message, *args)


def _same_definition(a, b):
    return strip_docs(a._pym_schema) == strip_docs(b._pym_schema)


def default_error_callback(e: BaseException) -> Any:
    """Core's default: re-raise (the server then answers core's own Error JSON)."""
    raise e


class APIModels:
    """Namespace of an API's model classes: ``api.model.Pet``."""

    def __init__(self, api_name: str, classes: dict[str, type]):
        self._api_name = api_name
        for name, cls in classes.items():
            setattr(self, name, cls)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"API '{self._api_name}' has no model {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(k for k in vars(self) if not k.startswith("_"))


class APIClient:
    """Namespace of an API's client methods: ``api.client.get_pet(...)``."""

    def __init__(self, api_name: str):
        self._api_name = api_name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"API '{self._api_name}' has no client method {name!r} "
                             f"(is the operation marked with 'x-bind-client: {name}'?)")


class ApiSpec:
    """Compatibility view of pymacaron-core v1's ``ApiSpec``."""

    def __init__(self, api: API, host: str | None, port: int, proto: str, verify_ssl: bool):
        self._api = api
        self.swagger_dict = api.doc.data
        self.host = host
        self.port = port
        self.proto = proto
        self.verify_ssl = verify_ssl
        self.version = (api.doc.data.get("info") or {}).get("version", "")
        self.definitions = api.doc.definitions

    def validate(self, model_name: str, obj: Any) -> None:
        """Raise ValidationError (every problem listed) if the JSON ``obj`` breaks the definition."""
        validator = self._api.compiler.definition_validator(model_name)
        problems = validator(obj)
        if problems:
            raise ValidationError(problems=problems)

    def model_to_json(self, obj: Any) -> Any:
        """The JSON-ready dict of a model (``obj.to_json()``)."""
        return obj.to_json()

    def json_to_model(self, model_name: str, j: Any, keep_datetime: bool = False) -> Any:
        """Validate ``j`` against the definition ``model_name`` and build the model."""
        return self._api.json_to_model(model_name, j, validate=True, keep_datetime=keep_datetime)


def _host_port_proto(description, host, port, proto):
    spec_host = description.host
    spec_port = None
    if spec_host and ":" in spec_host:
        parts = urlsplit("//" + spec_host)
        spec_host, spec_port = parts.hostname, parts.port
    schemes = description.schemes or []
    if "https" in schemes:
        spec_proto, default_port = "https", 443
    else:
        spec_proto, default_port = "http", 80
    proto = proto or spec_proto
    if port is None:
        port = spec_port or (443 if proto == "https" and spec_proto != "https" else default_port)
    return host or spec_host, int(port), proto


class API:
    """One spec: its models and client at once, its routes after ``spawn_api``.

    ``strict``: problems v1 tolerated are errors instead of warnings. ``client_base_path``:
    client URLs are ``<basePath><path>`` instead of ``<path>`` (see :meth:`client_path`).
    ``cache_dir``: keep the loaded, checked spec there between starts (the start-up cache,
    :mod:`pymacaron_core.spec.cache`), keyed also on ``cache_versions``.
    """

    def __init__(self, name: str, yaml_str: str | None = None, yaml_path: str | None = None, timeout: float = 10,
                 error_callback: Callable[[BaseException], Any] | None = None, formats: Any = None,
                 do_persist: bool = True, host: str | None = None, port: int | str | None = None,
                 local: bool = False, proto: str | None = None, verify_ssl: bool = True,
                 base_path: str | None = None, default_definitions: dict[str, Any] | None = None,
                 strict: bool = False, client_base_path: bool = False, cache_dir: str | None = None,
                 cache_versions: Sequence[str] = ()):
        self.name = name
        self.local = local
        self.is_server = False
        self.app = None
        self.timeout = timeout
        self.client_timeout = timeout
        self.error_callback = error_callback or default_error_callback
        self.verify_ssl = verify_ssl
        self.do_persist = do_persist
        self.yaml_path = yaml_path
        self.client_base_path = bool(client_base_path)
        self.strict = strict
        self.doc = load_document(yaml_path=yaml_path, yaml_str=yaml_str, name=name,
                                 default_definitions=default_definitions, strict=strict,
                                 cache_dir=cache_dir, cache_versions=cache_versions)
        self.description, problems = describe(self.doc, name, base_path)
        spec_host, spec_port, spec_proto = _host_port_proto(self.description, host, port, proto)
        self.api_spec = ApiSpec(self, spec_host, spec_port, spec_proto, verify_ssl)
        self.formats = FormatRegistry(formats)
        # lazy: each validator and model function is generated on first use; load_document checked
        # what could make that fail (refs, patterns), and spec/lazy.py what 3.x adds (discriminator
        # mappings), so every spec error is still found here; 3.x documents using $id or anchors are
        # compiled now
        lazy = self.description.dialect == "swagger2"
        if not lazy:
            lazy, found = lazy_allowed(self.doc)
            problems += found
        self.compiler = SchemaCompiler(self.doc.definitions, self.formats, label=name,
                                       dialect=self.description.dialect, lazy=lazy,
                                       identifiers=self.doc.may_contain("$id", "$anchor", "$dynamicAnchor"))
        self.security_schemes = self.description.security_schemes
        self.operations = self.description.operations
        self.factory = ModelFactory(name, self.doc, self.formats, self.compiler, do_persist)
        self.factory.build_classes(shared=self._shareable_models())
        problems += self.factory.problems
        settle(problems, strict)
        self._serving_problems = list(self.factory.import_problems)
        for problem in self._serving_problems:
            _warn_once(f"{problem.file}:{problem.line}:{problem.message}",
                       "API %s: %s\n    the model is built without that class (fine for a client of another "
                       "service; serving this API stops start-up)", name, problem)
        self.models = self.factory.classes
        self.model = APIModels(name, self.models)
        self.transport: HttpTransport | WsgiTransport = HttpTransport()
        self.client = APIClient(name)
        self._build_clients()

    # -- models -----------------------------------------------------------

    def _shareable_models(self):
        """Classes already registered by other APIs for identical definitions.

        A differing definition is not shared: this API keeps its own class (a client's copy
        of another service's spec may differ); two *served* APIs that differ stop start-up
        at ``spawn_api``.
        """
        shared = {}
        for name, schema in self.doc.definitions.items():
            wanted = None
            for cls in classes_named(name):
                if cls._pym_api == self.name:
                    continue
                if strip_docs(cls._pym_schema) != strip_docs(schema):
                    log.debug("API %s: model %r differs from API %s's: kept apart", self.name, name, cls._pym_api)
                    continue
                if self.do_persist and schema.get("x-persist") and not cls.__persistence_class__:
                    continue  # rebuild with persistence
                wanted = cls
                break
            if wanted is not None:
                shared[name] = wanted
        return shared

    def get_version(self) -> str:
        """The spec's ``info.version``."""
        return self.api_spec.version

    def model_to_json(self, obj: Any) -> Any:
        """The JSON-ready dict of a model (``obj.to_json()``)."""
        return obj.to_json()

    def json_to_model(self, model_name: str, j: Any, validate: bool = False, keep_datetime: bool = False) -> Any:
        """Build the model ``model_name`` (this API's class) from JSON; ``validate`` checks it first."""
        cls = self.models.get(model_name) or get_model(model_name)
        if validate:
            return cls.from_json(j, keep_datetime=keep_datetime)
        return cls._pym_build(j)

    def error_model_class(self) -> type | None:
        """The class an error reply of this API is built into: its own ``Error``, else the ``Error`` of
        the framework's own APIs (pymacaron's built-in ones), else the global one; None if none."""
        return self.models.get("Error") or yielding_model("Error")

    # -- client -----------------------------------------------------------

    def client_path(self, operation: Operation) -> str:
        """The path a client calls for ``operation``.

        pymacaron v1 ignored ``basePath`` on both sides, so by default the client calls the
        spec's path as written (``/hello``): that reaches v1 servers, and v3 servers (which
        answer both ``/v1/hello`` and ``/hello`` while ``base_path_aliases`` is on, the
        default). ``client_base_path=True`` prefixes the ``basePath`` (``/v1/hello``), for
        servers that only answer there. An API served by this process is called in-process
        on its prefixed route, which is always served.
        """
        if self.client_base_path or isinstance(self.transport, WsgiTransport):
            return operation.full_path
        return operation.path

    @property
    def base_url(self) -> str:
        """``proto://host[:port]`` the client calls ("" when called in-process); ClientError without a host."""
        if isinstance(self.transport, WsgiTransport):
            return ""
        spec = self.api_spec
        if not spec.host:
            raise ClientError(f"API '{self.name}' has no host: set 'host' in {self.doc.file} or pass host=")
        default = (spec.proto == "https" and spec.port == 443) or (spec.proto == "http" and spec.port == 80)
        return f"{spec.proto}://{spec.host}" + ("" if default else f":{spec.port}")

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` of a client call."""
        return retry_delay(attempt)

    def _send(self, url, **kwargs):
        return self.transport(url, **kwargs)

    def _build_clients(self):
        problems = []
        for op in self.operations:
            if not op.client_name:
                continue
            responses = {}
            for code, schema in op.responses.items():
                if not isinstance(schema, dict):
                    continue
                key = int(code) if code.isdigit() else "default"
                ref = schema.get("$ref", "")
                name = ref[len("#/definitions/"):] if ref.startswith("#/definitions/") else None
                if name in self.models:
                    cls = self.models[name]
                    validator = self.compiler.definition_validator(name, "response") if op.directional \
                        else cls._pym_validator
                    responses[key] = (validator, cls._pym_build)
                else:
                    responses[key] = (self.compiler.compile(schema, f"{op.where} client {code}",
                                                            direction="response" if op.directional else None),
                                      self.factory.to_python(schema))
            method = ClientMethod(self, op, responses)
            send = self._send
            if op.decorate_request:
                try:
                    send = resolve_dotted(op.decorate_request)(send)
                except ImportProblem as e:
                    problems.append(SpecProblem(self.doc.file, self.doc.line(op.spec_path + ("x-decorate-request",)),
                                                op.where, f"x-decorate-request {op.decorate_request!r}: {e}", e.fix))
            method.send = send
            setattr(self.client, op.client_name, method)
        if problems:
            raise SpecError(problems)

    # -- server -----------------------------------------------------------

    def spawn_api(self, app: Flask, decorator: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
                  base_path_aliases: bool = False, verifiers: Verifiers | None = None,
                  validate_responses: bool = True, yield_model_names: bool = False) -> API:
        """Add one Flask route per bound operation of this API to ``app``.

        ``base_path_aliases``: also answer each route without the spec's
        ``basePath`` (pymacaron v1 ignored basePath; old clients call those).
        ``verifiers``: a :class:`~pymacaron_core.server.security.Verifiers`, for the
        spec's ``security`` (an operation requiring a scheme nothing verifies stops
        start-up). ``validate_responses=False`` sends what handlers return unchecked.
        ``yield_model_names``: this API's model names give way to other served APIs' for the global
        names (``get_model(name)``); pymacaron's built-in APIs use it, so a spec may define its own
        ``Error``. This API always uses its own classes.
        """
        problems, routes = list(self._serving_problems), []
        warnings: list[SpecProblem] = []
        state = app.extensions.setdefault(APP_EXTENSION, {"routes": {}, "apis": {}})
        # before the handlers are imported: their `from pymacaron.models import X` gets this API's X
        register_served_models(self.name, self.models, _same_definition, yields=yield_model_names)
        for op in self.operations:
            if not op.handler:
                if op.no_bind_server:
                    continue
                fix = "add 'x-bind-server: package.module.function' (or 'x-no-bind-server: true' to skip it)"
                message = "the operation has no x-bind-server"
                if op.unbound_operation_id:
                    message += f", and its operationId {op.operation_id!r} names no function"
                    fix = (f"add 'x-openapi-router-controller: package.module' (the module defining "
                           f"{op.operation_id}), write the operationId as a dotted path, or {fix}")
                problems.append(SpecProblem(self.doc.file, op.line, op.where, message, fix))
                continue
            handler = self._resolve(op, op.binding_key, op.handler, problems)
            if handler is None:
                continue
            if not callable(handler):
                problems.append(SpecProblem(self.doc.file, op.line, op.where,
                                            f"x-bind-server {op.handler!r} is not a function", ""))
                continue
            req_plan = RequestPlan(op, self.compiler, self.factory)
            problems.extend(req_plan.check_handler(handler, self.doc))
            handler = self._sync_handler(app, op, handler, problems)
            pre_parse = []
            if op.decorate_server:
                deco = self._resolve(op, "x-decorate-server", op.decorate_server, problems)
                if deco is not None:
                    check = pre_parse_check_of(deco)
                    if check is not None:
                        pre_parse.append(check)
                    handler = deco(handler)
            security, found = compile_security(op, self.security_schemes, verifiers, self.doc, self.name)
            for problem in found:
                (warnings if problem.is_warning else problems).append(problem)
            resp_plan = ResponsePlan(op, self.compiler, self.factory, app.response_class,
                                     validate=validate_responses)
            key = (op.method, op.flask_rule)
            if key in state["routes"] and state["routes"][key] != self.name:
                problems.append(SpecProblem(self.doc.file, op.line, op.where,
                                            f"route {op.method} {op.full_path} is already served by "
                                            f"API '{state['routes'][key]}'", "serve each route from one API only"))
                continue
            routes.append((op, handler, req_plan, resp_plan, security, pre_parse))
        if problems:
            raise SpecError(problems)
        settle(one_per_message(warnings), self.strict)
        install_call_context(app)
        with lazy_url_builders(app):
            self._add_routes(app, routes, decorator, base_path_aliases, state)
        state["apis"][self.name] = self
        self.is_server = True
        self.app = app
        if self.local:
            self.transport = WsgiTransport(app)
        log.debug("API %s: %d routes served", self.name, len(routes))
        return self

    def _add_routes(self, app: Flask, routes: list[tuple[Any, ...]],
                    decorator: Callable[[Callable[..., Any]], Callable[..., Any]] | None,
                    base_path_aliases: bool, state: dict[str, Any]) -> None:
        """One Flask route per bound operation (and its alias without the basePath)."""
        for op, handler, req_plan, resp_plan, security, pre_parse in routes:
            view = make_view(self.name, handler, req_plan, resp_plan, self.error_callback,
                             app.response_class, security=security, pre_parse=pre_parse,
                             content_check=content_check_for(op))
            view.__name__ = op.endpoint_name
            view.operation = op  # type: ignore[attr-defined]  # read by pymacaron (routes, crash reports)
            if decorator is not None:
                view = decorator(view)
            app.add_url_rule(op.flask_rule, endpoint=op.endpoint_name, view_func=view, methods=[op.method])
            state["routes"][(op.method, op.flask_rule)] = self.name
            if base_path_aliases and op.base_path:
                alias = op.flask_rule[len(op.base_path.rstrip("/")):] or "/"
                if (op.method, alias) not in state["routes"]:
                    app.add_url_rule(alias, endpoint=op.endpoint_name + ":alias", view_func=view,
                                     methods=[op.method])
                    state["routes"][(op.method, alias)] = self.name

    def _sync_handler(self, app, op, handler, problems):
        """An ``async def`` handler, run through Flask's async support (asgiref)."""
        target = inspect.unwrap(handler)
        if not (inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(target)):
            return handler
        try:
            return app.ensure_sync(handler)
        except RuntimeError as e:  # Flask without asgiref
            problems.append(SpecProblem(self.doc.file, op.line, f"{op.where} (x-bind-server '{op.handler}')",
                                        f"the handler is an 'async def', which needs Flask's async support: {e}",
                                        "pip install 'flask[async]' (asgiref), or make the handler a plain def"))
            return handler

    def _resolve(self, op, key, dotted, problems):
        try:
            return resolve_dotted(dotted)
        except ImportProblem as e:
            problems.append(SpecProblem(self.doc.file, self.doc.line(op.spec_path + (key,)),
                                        f"{op.where} ({key} {dotted!r})", str(e), e.fix))
            return None

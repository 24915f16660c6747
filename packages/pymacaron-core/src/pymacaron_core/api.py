"""One API: its spec, its models, its client, and its routes once served.

Everything is derived from the spec at construction (models, validators,
client methods) or at ``spawn_api`` (handlers resolved and checked, routes
compiled). A problem anywhere stops start-up with a :class:`SpecError`
listing every problem found, each with its file, line, operation and fix.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from pymacaron_core.client.caller import ClientMethod, retry_delay
from pymacaron_core.client.transports import HttpTransport, WsgiTransport
from pymacaron_core.exceptions import ClientError, SpecError, SpecProblem, ValidationError
from pymacaron_core.imports import ImportProblem, resolve_dotted
from pymacaron_core.models import get_model, registered_models
from pymacaron_core.models.factory import ModelFactory
from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.formats import FormatRegistry
from pymacaron_core.server.plan import RequestPlan, ResponsePlan
from pymacaron_core.server.routes import make_view
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.operations import compile_operations

log = logging.getLogger(__name__)

APP_EXTENSION = "pymacaron_core"


def default_error_callback(e):
    """Core's default: re-raise (the server then answers core's own Error JSON)."""
    raise e


class APIModels:
    """Namespace of an API's model classes: ``api.model.Pet``."""

    def __init__(self, api_name, classes):
        self._api_name = api_name
        for name, cls in classes.items():
            setattr(self, name, cls)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"API '{self._api_name}' has no model {name!r}")

    def __iter__(self):
        return iter(k for k in vars(self) if not k.startswith("_"))


class APIClient:
    """Namespace of an API's client methods: ``api.client.get_pet(...)``."""

    def __init__(self, api_name):
        self._api_name = api_name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"API '{self._api_name}' has no client method {name!r} "
                             f"(is the operation marked with 'x-bind-client: {name}'?)")


class ApiSpec:
    """Compatibility view of pymacaron-core v1's ``ApiSpec``."""

    def __init__(self, api, host, port, proto, verify_ssl):
        self._api = api
        self.swagger_dict = api.doc.data
        self.host = host
        self.port = port
        self.proto = proto
        self.verify_ssl = verify_ssl
        self.version = (api.doc.data.get("info") or {}).get("version", "")
        self.definitions = api.doc.definitions

    def validate(self, model_name, obj):
        validator = self._api.compiler.definition_validator(model_name)
        problems = validator(obj)
        if problems:
            raise ValidationError(problems=problems)

    def model_to_json(self, obj):
        return obj.to_json()

    def json_to_model(self, model_name, j, keep_datetime=False):
        return self._api.json_to_model(model_name, j, validate=True, keep_datetime=keep_datetime)


def _host_port_proto(data, host, port, proto):
    spec_host = data.get("host")
    spec_port = None
    if spec_host and ":" in spec_host:
        parts = urlsplit("//" + spec_host)
        spec_host, spec_port = parts.hostname, parts.port
    schemes = data.get("schemes") or []
    if "https" in schemes:
        spec_proto, default_port = "https", 443
    else:
        spec_proto, default_port = "http", 80
    proto = proto or spec_proto
    if port is None:
        port = spec_port or (443 if proto == "https" and spec_proto != "https" else default_port)
    return host or spec_host, int(port), proto


class API:
    def __init__(self, name, yaml_str=None, yaml_path=None, timeout=10, error_callback=None,
                 formats=None, do_persist=True, host=None, port=None, local=False, proto=None,
                 verify_ssl=True, base_path=None, default_definitions=None):
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
        self.doc = load_document(yaml_path=yaml_path, yaml_str=yaml_str, name=name,
                                 default_definitions=default_definitions)
        host, port, proto = _host_port_proto(self.doc.data, host, port, proto)
        self.api_spec = ApiSpec(self, host, port, proto, verify_ssl)
        self.formats = FormatRegistry(formats)
        self.compiler = SchemaCompiler(self.doc.definitions, self.formats, label=name)
        self.operations, problems = compile_operations(self.doc, name, base_path)
        self.factory = ModelFactory(name, self.doc, self.formats, self.compiler, do_persist)
        self.factory.build_classes(shared=self._shareable_models())
        problems += self.factory.problems
        if problems:
            raise SpecError(problems)
        self.models = self.factory.classes
        self.model = APIModels(name, self.models)
        self.transport = HttpTransport()
        self.client = APIClient(name)
        self._build_clients()

    # -- models -----------------------------------------------------------

    def _shareable_models(self):
        """Classes already registered by other APIs for identical definitions."""
        from pymacaron_core.spec.document import strip_docs

        shared = {}
        existing = registered_models()
        for name, schema in self.doc.definitions.items():
            cls = existing.get(name)
            if cls is None or cls._pym_api == self.name:
                continue
            if strip_docs(cls._pym_schema) != strip_docs(schema):
                from pymacaron_core.exceptions import MergeApisException
                raise MergeApisException(
                    f"model {name!r} is defined differently in API {cls._pym_api!r} and in API "
                    f"{self.name!r} ({self.doc.file} line {self.doc.line(('definitions', name))}): "
                    "same-named models must have identical definitions; rename one of them")
            wants_persist = bool(self.do_persist and schema.get("x-persist"))
            if wants_persist and not cls.__persistence_class__:
                continue  # rebuild with persistence
            shared[name] = cls
        return shared

    def get_version(self):
        return self.api_spec.version

    def model_to_json(self, obj):
        return obj.to_json()

    def json_to_model(self, model_name, j, validate=False, keep_datetime=False):
        cls = self.models.get(model_name) or get_model(model_name)
        if validate:
            return cls.from_json(j, keep_datetime=keep_datetime)
        return cls._pym_build(j)

    def error_model_class(self):
        return self.models.get("Error") or registered_models().get("Error")

    # -- client -----------------------------------------------------------

    @property
    def base_url(self):
        if isinstance(self.transport, WsgiTransport):
            return ""
        spec = self.api_spec
        if not spec.host:
            raise ClientError(f"API '{self.name}' has no host: set 'host' in {self.doc.file} or pass host=")
        default = (spec.proto == "https" and spec.port == 443) or (spec.proto == "http" and spec.port == 80)
        return f"{spec.proto}://{spec.host}" + ("" if default else f":{spec.port}")

    def retry_delay(self, attempt):
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
                    responses[key] = (cls._pym_validator, cls._pym_build)
                else:
                    responses[key] = (self.compiler.compile(schema, f"{op.where} client {code}"),
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

    def spawn_api(self, app, decorator=None, base_path_aliases=False):
        """Add one Flask route per bound operation of this API to ``app``.

        ``base_path_aliases``: also answer each route without the spec's
        ``basePath`` (pymacaron v1 ignored basePath; old clients call those).
        """
        problems, routes = [], []
        state = app.extensions.setdefault(APP_EXTENSION, {"routes": {}, "apis": {}})
        for op in self.operations:
            if not op.handler:
                if op.no_bind_server:
                    continue
                problems.append(SpecProblem(self.doc.file, op.line, op.where,
                                            "the operation has no x-bind-server",
                                            "add 'x-bind-server: package.module.function' "
                                            "(or 'x-no-bind-server: true' to skip it)"))
                continue
            handler = self._resolve(op, "x-bind-server", op.handler, problems)
            if handler is None:
                continue
            if not callable(handler):
                problems.append(SpecProblem(self.doc.file, op.line, op.where,
                                            f"x-bind-server {op.handler!r} is not a function", ""))
                continue
            req_plan = RequestPlan(op, self.compiler, self.factory)
            problems.extend(req_plan.check_handler(handler, self.doc))
            if op.decorate_server:
                deco = self._resolve(op, "x-decorate-server", op.decorate_server, problems)
                if deco is not None:
                    handler = deco(handler)
            resp_plan = ResponsePlan(op, self.compiler, self.factory, app.response_class)
            key = (op.method, op.flask_rule)
            if key in state["routes"] and state["routes"][key] != self.name:
                problems.append(SpecProblem(self.doc.file, op.line, op.where,
                                            f"route {op.method} {op.full_path} is already served by "
                                            f"API '{state['routes'][key]}'", "serve each route from one API only"))
                continue
            routes.append((op, handler, req_plan, resp_plan))
        if problems:
            raise SpecError(problems)
        for op, handler, req_plan, resp_plan in routes:
            view = make_view(self.name, handler, req_plan, resp_plan, self.error_callback,
                             app.response_class)
            view.__name__ = op.endpoint_name
            view.operation = op
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
        state["apis"][self.name] = self
        self.is_server = True
        self.app = app
        if self.local:
            self.transport = WsgiTransport(app)
        log.debug("API %s: %d routes served", self.name, len(routes))
        return self

    def _resolve(self, op, key, dotted, problems):
        try:
            return resolve_dotted(dotted)
        except ImportProblem as e:
            problems.append(SpecProblem(self.doc.file, self.doc.line(op.spec_path + (key,)),
                                        f"{op.where} ({key} {dotted!r})", str(e), e.fix))
            return None

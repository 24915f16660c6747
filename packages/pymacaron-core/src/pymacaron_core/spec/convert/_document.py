"""The document around the schemas: servers, paths, operations, parameters, bodies, responses, components."""

from __future__ import annotations

import copy
import keyword

from pymacaron_core.spec.convert._schemas import PARAM_SCHEMA_KEYS, convert_schema, param_schema

OPENAPI_VERSIONS = {"3.0": "3.0.3", "3.1": "3.1.0"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
JSON = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORM_TYPES = (URLENCODED, MULTIPART)
_COLLECTION_KEYS = (*PARAM_SCHEMA_KEYS, "collectionFormat")
# collectionFormat -> (style, explode) of a query parameter, or of a field of a form-encoded body
_QUERY_STYLES = {"csv": ("form", False), "ssv": ("spaceDelimited", False), "pipes": ("pipeDelimited", False),
                 "multi": ("form", True)}
_OAUTH2_FLOWS = {"implicit": ("implicit", ("authorizationUrl",)), "password": ("password", ("tokenUrl",)),
                 "application": ("clientCredentials", ("tokenUrl",)),
                 "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl"))}
_AUTH_HEADERS = ("accept", "content-type", "authorization")


def convert_document(ctx):
    src = ctx.src
    ctx.plan_names()
    out = {}
    for key, value in src.items():
        if key == "swagger":
            out["openapi"] = OPENAPI_VERSIONS[ctx.version]
        elif key == "info":
            out["info"] = _info(value)
        elif key in ("host", "basePath", "schemes"):
            if "servers" not in out:
                servers = _servers(ctx, (key,), src.get("schemes"))
                if servers:
                    out["servers"] = servers
        elif key in ("consumes", "produces"):
            continue  # applied to each operation's bodies and responses
        elif key == "paths" and isinstance(value, dict):
            out["paths"] = _paths(ctx, value)
        elif key in ("definitions", "parameters", "responses", "securityDefinitions"):
            if "components" not in out:
                out["components"] = {}  # filled below, keeps its place
        elif key == "security":
            out[key] = _security(ctx, value)
        else:
            out[key] = copy.deepcopy(value)
    if "components" in out:
        components = _components(ctx)
        if components:
            out["components"] = components
        else:
            del out["components"]
    return out


def _info(info):
    info = copy.deepcopy(info)
    if isinstance(info, dict) and isinstance(info.get("version"), (int, float)) and \
            not isinstance(info.get("version"), bool):
        info["version"] = str(info["version"])  # as PyMacaron reads Swagger 2.0 (3.x requires a string)
    return info


def _servers(ctx, path, schemes):
    host = ctx.src.get("host")
    base = ctx.src.get("basePath") or ""
    base = "" if base == "/" else base
    schemes = [s for s in schemes or [] if isinstance(s, str)]
    if not host:
        if schemes:
            ctx.note(path, f"schemes {schemes} without a host: an OpenAPI 3 server URL cannot name a scheme "
                     "without a host, so the scheme is dropped", "add a host, or a full server URL")
        return [{"url": base}] if base else None
    if not schemes:
        ctx.note(path, "no schemes: Swagger 2.0 meant the scheme the spec was fetched with; PyMacaron clients "
                 "used http, written as http://", "add the https server if the API is served over https")
        schemes = ["http"]
    # PyMacaron's clients use https whenever the spec lists it; 3.x clients use the first server
    ordered = [s for s in schemes if s == "https"] + [s for s in schemes if s != "https"]
    return [{"url": f"{scheme}://{host}{base}"} for scheme in ordered]


def _security(ctx, requirements):
    """Security requirements, with the names of renamed schemes updated."""
    if not isinstance(requirements, list):
        return copy.deepcopy(requirements)
    return [{ctx.new_name("securitySchemes", name): copy.deepcopy(scopes) for name, scopes in req.items()}
            if isinstance(req, dict) else copy.deepcopy(req) for req in requirements]


# -- paths and operations -------------------------------------------------------


def _paths(ctx, paths):
    out = {}
    for path, item in paths.items():
        if not isinstance(item, dict) or str(path).startswith("x-"):
            out[path] = copy.deepcopy(item)
            continue
        out[path] = _path_item(ctx, ("paths", path), item)
    return out


def _path_item(ctx, at, item):
    shared = _resolved_parameters(ctx, at + ("parameters",), item.get("parameters"))
    out = {}
    for key, value in item.items():
        if key in METHODS and isinstance(value, dict):
            out[key] = _operation(ctx, at + (key,), value, shared)
        elif key == "parameters":
            params = [_parameter_or_ref(ctx, p) for p in shared if p.location not in ("body", "formData")]
            if params:
                out[key] = params
        elif key == "$ref":
            out[key] = ctx.rewrite_ref(at + (key,), value)
            if isinstance(value, str) and not value.startswith("#"):
                ctx.note(at + (key,), f"path item $ref {value!r} kept as is: the file it names is still Swagger 2.0",
                         "convert that file too, or inline the operations")
        else:
            out[key] = copy.deepcopy(value)
    return out


class _Param:
    """One Swagger 2.0 parameter as an operation sees it: resolved through its $ref, with where it was written."""

    def __init__(self, at, raw, resolved, ref_name):
        self.at = at  # JSON path of the entry in the input (the $ref, or the parameter itself)
        self.raw = raw
        self.param = resolved  # the parameter object (None when its $ref resolves to nothing)
        self.ref_name = ref_name  # 'X' for $ref: '#/parameters/X'
        self.source = ("parameters", ref_name) if ref_name is not None and resolved is not None else at

    @property
    def location(self):
        return self.param.get("in") if self.param else None

    @property
    def key(self):
        return (self.param.get("name"), self.param.get("in")) if self.param else (id(self), None)


def _resolved_parameters(ctx, at, params):
    out = []
    for i, raw in enumerate(params if isinstance(params, list) else []):
        if not isinstance(raw, dict):
            continue
        ref = raw.get("$ref")
        if ref is None:
            out.append(_Param(at + (i,), raw, raw, None))
            continue
        target = ctx.local_target(ref)
        if target and target[0] == "parameters" and not target[2]:
            found = ctx.section("parameters").get(target[1])
            out.append(_Param(at + (i,), raw, found if isinstance(found, dict) else None, target[1]))
        else:
            out.append(_Param(at + (i,), raw, None, None))
    return out


def _parameter_or_ref(ctx, p):
    if p.ref_name is not None and p.param is not None:
        return {"$ref": ctx.rewrite_ref(p.at + ("$ref",), p.raw["$ref"])}
    if p.param is None:  # a $ref that resolves to nothing, or elsewhere
        return {"$ref": ctx.rewrite_ref(p.at + ("$ref",), p.raw.get("$ref"))}
    return _parameter(ctx, p.at, p.param)


def _media_types(value, default):
    types = [t for t in value if isinstance(t, str)] if isinstance(value, list) else []
    return types or default


def _operation(ctx, at, op, shared):
    consumes = _media_types(op.get("consumes"), _media_types(ctx.src.get("consumes"), [JSON]))
    produces = _media_types(op.get("produces"), _media_types(ctx.src.get("produces"), [JSON]))
    own = _resolved_parameters(ctx, at + ("parameters",), op.get("parameters"))
    own_keys = {p.key for p in own}
    effective = [p for p in shared if p.key not in own_keys] + own
    body = [p for p in effective if p.location == "body"]
    form = [p for p in effective if p.location == "formData"]
    request_body = None
    if body:
        if form:
            ctx.note(at, "an operation with both 'in: body' and 'in: formData' parameters (which PyMacaron "
                     "refuses to serve): only the body is converted", "keep one or the other")
        request_body = _body_or_ref(ctx, body[0], consumes)
    elif form:
        request_body = _form_body(ctx, at, form, consumes)
    out = {}
    for key, value in op.items():
        if key in ("consumes", "produces"):
            continue
        if key == "parameters":
            params = [_parameter_or_ref(ctx, p) for p in own if p.location not in ("body", "formData")]
            if params:
                out["parameters"] = params
            if request_body is not None:
                out["requestBody"], request_body = request_body, None
        elif key == "responses" and isinstance(value, dict):
            if request_body is not None:
                out["requestBody"], request_body = request_body, None
            out[key] = _responses(ctx, at + (key,), value, produces)
        elif key == "schemes":
            servers = _servers(ctx, at + (key,), value) if value else None  # [] or null: the global ones
            if servers:
                out["servers"] = servers
        elif key == "security":
            out[key] = _security(ctx, value)
        else:
            out[key] = copy.deepcopy(value)
    if request_body is not None:
        out["requestBody"] = request_body
    return out


# -- parameters -------------------------------------------------------------------


def _parameter(ctx, at, param):
    """A path, query or header parameter: its schema keywords become ``schema``, collectionFormat a style."""
    location = param.get("in")
    name = param.get("name")
    out = {}
    for key, value in param.items():
        if key in _COLLECTION_KEYS:
            if "schema" not in out:
                style = _parameter_style(ctx, at, param)
                if style is not None:
                    out["style"], out["explode"] = style
                out["schema"] = param_schema(ctx, at, param)
        elif key == "allowEmptyValue" and location != "query":
            ctx.note(at + (key,), "allowEmptyValue applies only to query parameters in OpenAPI 3: dropped")
        else:
            out[key] = copy.deepcopy(value)
    if "schema" not in out:
        out["schema"] = {}
    if location == "header" and isinstance(name, str) and name.lower() in _AUTH_HEADERS:
        ctx.note(at, f"OpenAPI 3 ignores a header parameter named {name!r} (PyMacaron passed it to the handler)",
                 "read it from the request in the handler, or describe it with a security scheme")
    return out


def _parameter_style(ctx, at, param):
    if param.get("type") != "array":
        return None
    fmt = param.get("collectionFormat", "csv")
    if param.get("in") == "query":
        if fmt in _QUERY_STYLES:
            return _QUERY_STYLES[fmt]
        ctx.note(at + ("collectionFormat",), f"collectionFormat {fmt!r} has no OpenAPI 3 style: written as "
                 "comma-separated (style: form, explode: false)", "have clients send comma-separated values")
        return ("form", False)
    if fmt != "csv":
        ctx.note(at + ("collectionFormat",), f"collectionFormat {fmt!r} in a {param.get('in')} parameter has no "
                 "OpenAPI 3 style: written as comma-separated (style: simple)",
                 "have clients send comma-separated values")
    return ("simple", False)


# -- request bodies ---------------------------------------------------------------


def _body_or_ref(ctx, p, consumes):
    """The requestBody of an 'in: body' parameter (a reference to components/requestBodies when it can be)."""
    if p.param is None:
        return {"$ref": ctx.rewrite_ref(p.at + ("$ref",), p.raw.get("$ref"), kind="requestBodies")}
    global_consumes = _media_types(ctx.src.get("consumes"), [JSON])
    if p.ref_name is not None and consumes == global_consumes:
        return {"$ref": ctx.rewrite_ref(p.at + ("$ref",), p.raw["$ref"], kind="requestBodies")}
    return _body(ctx, p.source, p.param, consumes)


def _body(ctx, at, param, consumes):
    name = param.get("name")
    schema = convert_schema(ctx, at + ("schema",), param.get("schema") or {})
    out = {}
    if "description" in param:
        out["description"] = copy.deepcopy(param["description"])
    out["content"] = {media: {"schema": copy.deepcopy(schema)} for media in consumes}
    if param.get("required") is True:
        out["required"] = True
    if isinstance(name, str) and name != "body":
        out["x-body-name"] = name  # so the handler keeps receiving the body under this name
        if not name.isidentifier() or keyword.iskeyword(name):
            ctx.note(at + ("name",), f"the body parameter's name {name!r} is not a Python identifier: a handler "
                     "cannot receive it as a keyword argument under OpenAPI 3", "rename it (x-body-name)")
    for key, value in param.items():
        if key.startswith("x-"):
            out[key] = copy.deepcopy(value)
    return out


def _form_body(ctx, at, fields, consumes):
    """formData parameters -> one form requestBody: an object schema with one property per field."""
    properties, required, encoding, csv_arrays = {}, [], {}, []
    has_file = False
    for p in fields:
        if p.param is None:
            ctx.note(p.at, "a formData parameter $ref that resolves to nothing: dropped", "correct the $ref")
            continue
        where, param = p.source, p.param
        name = param.get("name")
        raw = {k: v for k, v in param.items() if k in PARAM_SCHEMA_KEYS}
        if raw.get("type") == "file":
            has_file = True
            raw = {"type": "string", "format": "binary", **{k: v for k, v in raw.items() if k != "type"}}
        prop = param_schema(ctx, where, raw)
        for key, value in param.items():
            if key == "description" or key.startswith("x-") and key != "x-nullable":
                prop[key] = copy.deepcopy(value)
        if "allowEmptyValue" in param:
            ctx.note(where + ("allowEmptyValue",), "OpenAPI 3 has no allowEmptyValue for a form field: dropped",
                     "declare minLength: 1 on the field if empty values must be refused")
        properties[name] = prop
        if param.get("required") is True:
            required.append(name)
        if param.get("type") == "array":
            fmt = param.get("collectionFormat", "csv")
            style = _QUERY_STYLES.get(fmt)
            if style is None:
                ctx.note(where + ("collectionFormat",), f"collectionFormat {fmt!r} has no OpenAPI 3 style: "
                         "written as comma-separated", "have clients send comma-separated values")
                style = ("form", False)
            encoding[name] = {"style": style[0], "explode": style[1]}
            if fmt != "multi":
                csv_arrays.append(name)
    media = [m for m in consumes if m in FORM_TYPES]
    if not media:
        media = [MULTIPART] if has_file else [URLENCODED, MULTIPART]
        ctx.note(at, f"formData parameters but no form content type in consumes {consumes}: written for "
                 f"{' and '.join(media)} (what PyMacaron accepted)", "list the content types clients send")
    if MULTIPART in media and csv_arrays:
        ctx.note(at, f"array form fields {csv_arrays} are not repeated fields (collectionFormat multi): OpenAPI 3 "
                 "cannot describe a delimited array in multipart/form-data (it sends one part per item)",
                 "use collectionFormat multi, or application/x-www-form-urlencoded")
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    content = {}
    for m in media:
        content[m] = {"schema": copy.deepcopy(schema)}
        if m == URLENCODED and encoding:
            content[m]["encoding"] = copy.deepcopy(encoding)
    names = ", ".join(repr(p.param.get("name")) for p in fields if p.param)
    ctx.note(at, f"formData parameters ({names}) became one requestBody: under Swagger 2.0 PyMacaron passed each "
             "field to the handler as a keyword argument; under OpenAPI 3 the handler receives the form as "
             "pymacaron-core's README documents for OpenAPI 3 specs", "check the handler's arguments")
    out = {"content": content}
    if required:
        out["required"] = True
    return out


# -- responses --------------------------------------------------------------------


def _responses(ctx, at, responses, produces):
    out = {}
    global_produces = _media_types(ctx.src.get("produces"), [JSON])
    for code, response in responses.items():
        code = str(code)
        here = at + (code,)
        if code.startswith("x-") or not isinstance(response, dict):
            out[code] = copy.deepcopy(response)
            continue
        ref = response.get("$ref")
        if ref is None:
            out[code] = _response(ctx, here, response, produces, code)
            continue
        target = ctx.local_target(ref)
        found = ctx.section("responses").get(target[1]) if target and target[0] == "responses" else None
        if isinstance(found, dict) and not target[2] and produces != global_produces:
            out[code] = _response(ctx, ("responses", target[1]), found, produces, code)  # other content types
        else:
            out[code] = {"$ref": ctx.rewrite_ref(here + ("$ref",), ref)}
    return out


def _is_json(media):
    return media == JSON or media.endswith("+json")


def _has_body(code):
    return not (code in ("204", "304") or code.startswith("1"))


def _response(ctx, at, response, produces, code="default"):
    schema = response.get("schema")
    converted = convert_schema(ctx, at + ("schema",), schema) if isinstance(schema, dict) else None
    content = {}
    if converted is not None:
        content = {media: {"schema": copy.deepcopy(converted)} for media in produces}
    elif _has_body(code) and not _is_json(produces[0]):
        # no schema, but PyMacaron answered with the first produces type (e.g. text/html): keep it
        content = {media: {} for media in produces}
    examples = response.get("examples")
    for media, example in (examples.items() if isinstance(examples, dict) else ()):
        entry = content.setdefault(media, {} if converted is None else {"schema": copy.deepcopy(converted)})
        entry["example"] = copy.deepcopy(example)
    out = {"description": copy.deepcopy(response.get("description", ""))}
    for key, value in response.items():
        if key == "headers" and isinstance(value, dict):
            out[key] = {name: _header(ctx, at + (key, name), h) for name, h in value.items()}
        elif key in ("schema", "examples"):
            if content and "content" not in out:
                out["content"] = content
        elif key != "description":
            out[key] = copy.deepcopy(value)
    if content and "content" not in out:  # no schema, but a content type: right after the description
        out = {"description": out.pop("description"), "content": content, **out}
    return out


def _header(ctx, at, header):
    if not isinstance(header, dict):
        return copy.deepcopy(header)
    out = {}
    for key, value in header.items():
        if key in _COLLECTION_KEYS:
            if "schema" not in out:
                fmt = header.get("collectionFormat", "csv")
                if header.get("type") == "array" and fmt != "csv":
                    ctx.note(at + ("collectionFormat",), f"collectionFormat {fmt!r} in a response header has no "
                             "OpenAPI 3 style: written as comma-separated (style: simple)")
                out["schema"] = param_schema(ctx, at, header)
        else:
            out[key] = copy.deepcopy(value)
    out.setdefault("schema", {})
    return out


# -- components -------------------------------------------------------------------


def _components(ctx):
    out = {}
    for section, value in ctx.src.items():
        if not isinstance(value, dict):
            continue
        if section == "definitions":
            out["schemas"] = {ctx.new_name("schemas", name): convert_schema(ctx, (section, name), schema)
                              for name, schema in value.items()}
        elif section == "parameters":
            params, bodies = _parameter_components(ctx, value)
            if params:
                out["parameters"] = params
            if bodies:
                out["requestBodies"] = bodies
        elif section == "responses":
            produces = _media_types(ctx.src.get("produces"), [JSON])
            out["responses"] = {ctx.new_name("responses", name): _response(ctx, (section, name), r, produces)
                                if isinstance(r, dict) else copy.deepcopy(r) for name, r in value.items()}
        elif section == "securityDefinitions":
            out["securitySchemes"] = {ctx.new_name("securitySchemes", name): _security_scheme(ctx, (section, name), s)
                                      for name, s in value.items()}
    return {k: v for k, v in out.items() if v}


def _parameter_components(ctx, parameters):
    params, bodies = {}, {}
    consumes = _media_types(ctx.src.get("consumes"), [JSON])
    for name, param in parameters.items():
        at = ("parameters", name)
        new = ctx.new_name("parameters", name)
        if not isinstance(param, dict):
            params[new] = copy.deepcopy(param)
        elif param.get("in") == "body":
            bodies[new] = _body(ctx, at, param, consumes)
        elif param.get("in") == "formData":
            ctx.note(at, "OpenAPI 3 has no reusable form field: this formData parameter is inlined into the "
                     "requestBody of each operation that uses it")
        else:
            params[new] = _parameter(ctx, at, param)
    return params, bodies


def _security_scheme(ctx, at, scheme):
    if not isinstance(scheme, dict):
        return copy.deepcopy(scheme)
    kind = scheme.get("type")
    out = {}
    for key, value in scheme.items():
        if key == "type":
            if value == "basic":
                out["type"], out["scheme"] = "http", "basic"
            else:
                out["type"] = value
        elif kind == "oauth2" and key in ("flow", "authorizationUrl", "tokenUrl", "scopes"):
            if "flows" not in out:
                out["flows"] = _oauth2_flows(ctx, at, scheme)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _oauth2_flows(ctx, at, scheme):
    flow = scheme.get("flow")
    if flow not in _OAUTH2_FLOWS:
        ctx.note(at + ("flow",), f"unknown oauth2 flow {flow!r}: written as an implicit flow",
                 "use implicit, password, application or accessCode")
        flow = "implicit"
    name, urls = _OAUTH2_FLOWS[flow]
    out = {url: scheme[url] for url in urls if url in scheme}
    out["scopes"] = copy.deepcopy(scheme.get("scopes") or {})
    return {name: out}

"""OpenAPI 3.0 / 3.1 front-end of stage 3 (normalize): a loaded 3.x document -> :mod:`.description`'s
ApiDescription, the same description Swagger 2.0 gives (nothing after this stage knows the
version, except through the schema ``dialect``: "oas30" or "oas31").

What becomes what:

- ``components.schemas`` -> the named schemas, referenced as ``#/definitions/<Name>``;
  ``components.parameters``, ``requestBodies``, ``responses``, ``headers`` and path items
  referenced with ``$ref`` are resolved in place;
- ``servers``: the path of the first server URL (its variables replaced by their defaults) is
  the served prefix; its scheme and host are the clients' base URL; an operation with its own
  ``servers`` (or whose path item has some) is served under the path of its own first server URL,
  and its client calls that URL (``Operation.server_url``);
- a parameter's ``style``/``explode`` -> the 2.0 ``collectionFormat`` it equals (query arrays:
  form + explode -> multi, form -> csv, spaceDelimited -> ssv, pipeDelimited -> pipes; simple
  -> csv), else kept as ``style`` (objects, deepObject, label, matrix); ``content`` -> the
  parameter's ``media_type``: its value is parsed as JSON for a JSON type, passed as the raw string
  for ``text/*`` and for other types whose schema allows a string (any other is a problem);
- ``requestBody``: when one of its media types is JSON (``application/json``, ``+json``), the
  body is one value (the handler's first positional argument, or the keyword named by
  ``x-body-name``, default ``body``, when the handler takes one of that name), whatever the
  media type it is sent in; a form-only body (``application/x-www-form-urlencoded`` and/or
  ``multipart/form-data``) passes each property as a keyword argument, as Swagger 2.0
  ``formData`` parameters (and connexion) do: ``format: binary`` properties are uploaded files;
  a part's ``encoding.contentType`` is kept as the parameter's ``media_type``: a JSON type makes
  the part a ``content`` parameter (parsed as JSON), a file's lists the types its upload may have
  (its ``headers`` are not read);
- responses: per status, the schema of the JSON media type (else none: a ``text/plain``
  response is returned as a str or bytes), the media type sent, the declared headers;
- ``securitySchemes``: apiKey (header | query | cookie), http (basic, bearer...), oauth2
  (scopes of every flow), openIdConnect.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pymacaron_core.exceptions import SpecProblem
from pymacaron_core.spec.description import (
    METHODS,
    ApiDescription,
    Operation,
    Parameter,
    SecurityScheme,
    is_json_media,
    normalize_requirements,
)
from pymacaron_core.spec.document import rewrite_refs
from pymacaron_core.spec.swagger2 import _bindings, check_path_params

if TYPE_CHECKING:
    from pymacaron_core.spec.document import SpecDocument

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
_STYLES = {
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "cookie": ("form",),
    "path": ("simple", "label", "matrix"),
    "header": ("simple",),
}
_ARRAY_FORMATS = {("form", True): "multi", ("form", False): "csv", ("simple", True): "csv",
                  ("simple", False): "csv", ("spaceDelimited", False): "ssv", ("pipeDelimited", False): "pipes",
                  ("spaceDelimited", True): "multi", ("pipeDelimited", True): "multi"}


def describe(doc: SpecDocument, api_name: str, base_path: str | None = None,
             schemes: dict[str, SecurityScheme] | None = None) -> tuple[ApiDescription, list[SpecProblem]]:
    """-> (ApiDescription, problems) of an OpenAPI 3.0 / 3.1 document."""
    problems: list[SpecProblem] = []
    if schemes is None:
        schemes, problems = security_schemes(doc)
    prefix, host, url_schemes = _servers(doc, doc.data.get("servers"), ("servers",), problems)
    if base_path is not None:
        prefix = base_path
    if prefix == "/":
        prefix = ""
    reader = _Reader(doc, api_name, prefix, schemes, problems)
    operations = reader.operations()
    description = ApiDescription(
        name=api_name, file=doc.file, version=doc.version, dialect="oas31" if doc.version == "3.1" else "oas30",
        served_prefix=prefix, host=host, schemes=url_schemes, schemas=doc.definitions,
        security_schemes=schemes, operations=operations)
    return description, problems


# -- servers -------------------------------------------------------------------------------

def _servers(doc, servers, path, problems, where="servers[0]"):
    """-> (served prefix, host[:port] or None, (scheme,)) of the first server URL of ``servers`` (found at
    ``path`` in the document); a URL that cannot be parsed, or a variable without a default, is a problem."""
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return "", None, ()
    server = servers[0]
    url = server.get("url")
    if not isinstance(url, str):
        return "", None, ()
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
    for var, spec in variables.items():
        default = spec.get("default") if isinstance(spec, dict) else None
        if default is None:
            problems.append(SpecProblem(doc.file, doc.line(path + (0, "variables", var)), where,
                                        f"server variable {var!r} has no default", f"add 'default:' to {var}"))
            continue
        url = url.replace("{" + var + "}", str(default))
    if "{" in url:
        problems.append(SpecProblem(doc.file, doc.line(path + (0, "url")), where,
                                    f"the server URL {url!r} uses a variable that is not declared",
                                    "declare it under the server's 'variables' with a default"))
        return "", None, ()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
        if parts.scheme and not parts.netloc or parts.netloc and not parts.hostname:
            raise ValueError("no host")
    except ValueError as e:
        problems.append(SpecProblem(doc.file, doc.line(path + (0, "url")), where,
                                    f"the server URL {url!r} cannot be parsed ({e})",
                                    "write an absolute URL (https://api.example.com/v1) or a path (/v1)"))
        return "", None, ()
    prefix = parts.path.rstrip("/")
    if parts.scheme and parts.netloc:
        return prefix, parts.netloc, (parts.scheme.lower(),)
    return prefix, None, ()


# -- security ------------------------------------------------------------------------------

def security_schemes(doc: SpecDocument) -> tuple[dict[str, SecurityScheme], list[SpecProblem]]:
    """-> ({name: SecurityScheme}, problems) of ``components.securitySchemes``."""
    schemes: dict[str, SecurityScheme] = {}
    problems: list[SpecProblem] = []
    components = doc.data.get("components")
    raw = components.get("securitySchemes") if isinstance(components, dict) else None
    if not isinstance(raw, dict):
        return schemes, problems
    for name, node in raw.items():
        path = ("components", "securitySchemes", name)
        node = _deref(doc, node)
        line = doc.line(path)
        where = f"components/securitySchemes/{name}"
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in ("apiKey", "http", "oauth2", "openIdConnect"):
            fix = "use apiKey, http, oauth2 or openIdConnect"
            if kind == "mutualTLS":
                fix = ("PyMacaron never sees the client certificate (TLS ends before it): describe what the TLS "
                       "terminator passes on (e.g. a header it sets) with apiKey, http, oauth2 or openIdConnect")
            problems.append(SpecProblem(doc.file, line, where, f"security scheme type {kind!r} is not supported", fix))
            continue
        scheme = location = param_name = None
        scopes: tuple[str, ...] = ()
        if kind == "apiKey":
            location, param_name = node.get("in"), node.get("name")
            if location not in ("header", "query", "cookie") or not isinstance(param_name, str):
                problems.append(SpecProblem(doc.file, line, where, "an apiKey scheme needs 'name' and 'in: header', "
                                            "'in: query' or 'in: cookie'",
                                            "e.g. {type: apiKey, name: X-Api-Key, in: header}"))
                continue
        elif kind == "http":
            scheme = node.get("scheme")
            if not isinstance(scheme, str):
                problems.append(SpecProblem(doc.file, line, where, "an http scheme needs 'scheme'",
                                            "e.g. {type: http, scheme: bearer}"))
                continue
            scheme = scheme.lower()
        elif kind == "oauth2":
            found: list[str] = []
            for flow in (node.get("flows") or {}).values():
                if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict):
                    found.extend(s for s in flow["scopes"] if s not in found)
            scopes = tuple(found)
        schemes[name] = SecurityScheme(name=name, kind=kind, scheme=scheme, location=location,
                                       param_name=param_name, scopes=scopes, file=doc.file, line=line)
    return schemes, problems


# -- operations ----------------------------------------------------------------------------

def _deref(doc, node, seen=None):
    """Follow local ``$ref`` s (components.parameters, requestBodies, responses, headers, path items)."""
    seen = set() if seen is None else seen
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        ref = node["$ref"]
        if ref in seen or ref.startswith("#/components/schemas/"):
            break
        seen.add(ref)
        try:
            node = doc.resolve_pointer(ref)
        except (KeyError, IndexError, ValueError, TypeError):
            break  # reported by the $ref check at load
    return node


class _Reader:
    def __init__(self, doc, api_name, prefix, schemes, problems):
        self.doc = doc
        self.api_name = api_name
        self.prefix = prefix
        self.schemes = schemes
        components = doc.data.get("components")
        declared = components.get("securitySchemes") if isinstance(components, dict) else None
        # declared with a type not served: that is one problem, where it is declared
        self.unsupported = frozenset(declared or ()) - set(schemes) if isinstance(declared, dict) else frozenset()
        self.problems = problems
        self.definitions = doc.definitions

    def problem(self, path, where, message, fix=""):
        self.problems.append(SpecProblem(self.doc.file, self.doc.line(path), where, message, fix))

    def operations(self):
        doc = self.doc
        default_security, found = normalize_requirements(doc.data.get("security"), self.schemes, doc.file,
                                                         doc.line(("security",)), "security (global)",
                                                         self.unsupported)
        self.problems.extend(found)
        out = []
        for path, item in (doc.data.get("paths") or {}).items():
            item = _deref(doc, item)
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    out.append(self.operation(path, item, method, op, default_security))
        return out

    def operation(self, path, item, method, op, default_security):
        doc = self.doc
        spec_path = ("paths", path, method)
        operation = Operation(api_name=self.api_name, method=method.upper(), path=path, base_path=self.prefix,
                              spec_path=spec_path, line=doc.line(spec_path), summary=op.get("summary") or "",
                              directional=True, none_is_empty=True)
        if "security" in op:
            operation.security_line = doc.line(spec_path + ("security",))
            operation.security, found = normalize_requirements(op.get("security"), self.schemes, doc.file,
                                                               operation.security_line, operation.where,
                                                               self.unsupported)
            self.problems.extend(found)
        else:
            operation.security = default_security
            operation.security_line = doc.line(("security",)) if default_security else None
        self.own_servers(path, item, op, operation)
        _bindings(doc, op, operation, self.problems, item)
        self.parameters(item, op, operation)
        self.request_body(op, operation)
        self.responses(op, operation)
        check_path_params(doc, operation, self.problems)
        return operation

    def own_servers(self, path, item, op, operation):
        """Operation-level ``servers``, else the path item's: the operation is served under the path of
        their first URL and its client calls that URL (a relative one: the API's host)."""
        for at, servers in ((operation.spec_path + ("servers",), op.get("servers")),
                            (("paths", path, "servers"), item.get("servers"))):
            if isinstance(servers, list) and servers:
                prefix, host, schemes = _servers(self.doc, servers, at, self.problems,
                                                 f"{operation.where} servers[0]")
                operation.base_path = "" if prefix == "/" else prefix
                operation.server_url = f"{schemes[0]}://{host}" if host else ""
                return

    # -- parameters --------------------------------------------------------------------

    def parameters(self, item, op, operation):
        merged = {}
        for at, plist in ((("paths", operation.path, "parameters"), item.get("parameters")),
                          (operation.spec_path + ("parameters",), op.get("parameters"))):
            for i, raw in enumerate(plist or ()):
                p = _deref(self.doc, raw)
                if isinstance(p, dict) and isinstance(p.get("name"), str) and p.get("in") in _STYLES:
                    merged[(p["name"], p["in"])] = (p, at + (i,))
        for (name, loc), (p, at) in merged.items():
            if loc == "header" and name.lower() in _IGNORED_HEADERS:
                continue  # OpenAPI 3: these are described elsewhere (content, security)
            param = self.parameter(p, at, operation)
            if param is not None:
                operation.parameters.append(param)

    def parameter(self, p, at, operation):
        name, loc = p["name"], p["in"]
        line = self.doc.line(at)
        media_type = None
        if isinstance(p.get("content"), dict) and p["content"]:
            media_type, media = next(iter(p["content"].items()))
            schema = (media or {}).get("schema") if isinstance(media, dict) else None
            if not is_json_media(media_type) and not media_type.lower().startswith("text/") \
                    and not _allows_string(self.inline(rewrite_refs(schema) if isinstance(schema, dict) else {})):
                self.problem(at + ("content",), operation.where,
                             f"parameter {name!r}: content of type {media_type!r} is passed as the raw string, "
                             "which its schema does not allow; only JSON and text content are parsed in a parameter",
                             "use 'content: {application/json: {schema: ...}}' (or text/plain), or a string schema")
                return None
        else:
            schema = p.get("schema")
        schema = self.inline(rewrite_refs(schema) if isinstance(schema, dict) else {})
        style = p.get("style", _DEFAULT_STYLE[loc])
        explode = p.get("explode", style == "form")
        if style not in _STYLES[loc]:
            self.problem(at + ("style",), operation.where,
                         f"parameter {name!r}: style {style!r} does not apply to a {loc} parameter",
                         f"use one of {', '.join(_STYLES[loc])}")
            return None
        param = Parameter(name=name, location=loc, required=bool(p.get("required")) or loc == "path",
                          schema=schema, default=schema.get("default"), has_default="default" in schema,
                          line=line, explode=bool(explode), media_type=media_type)
        kind = param.type
        if media_type is not None:
            param.style = "content"
        elif kind == "array" and (style, bool(explode)) in _ARRAY_FORMATS and loc != "path" or \
                kind == "array" and style == "simple":
            param.collection_format = _ARRAY_FORMATS[(style, bool(explode))]
        elif kind == "object" or style in ("label", "matrix", "deepObject") or _is_object(schema):
            param.style = style
        return param

    def inline(self, schema):
        """A top-level ``$ref`` to a named schema, inlined (its nested references are kept)."""
        seen = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and \
                schema["$ref"].startswith("#/definitions/") and len(schema) == 1:
            name = schema["$ref"][len("#/definitions/"):]
            if name in seen or not isinstance(self.definitions.get(name), dict):
                break
            seen.add(name)
            schema = copy.deepcopy(self.definitions[name])
            schema.pop("x-model", None)
        return schema

    # -- request body ------------------------------------------------------------------

    def request_body(self, op, operation):
        at = operation.spec_path + ("requestBody",)
        rb = _deref(self.doc, op.get("requestBody"))
        if not isinstance(rb, dict):
            return
        content = rb.get("content") if isinstance(rb.get("content"), dict) else {}
        media = {}
        encodings = {}
        for mtype, node in content.items():
            node = node if isinstance(node, dict) else {}
            schema = node.get("schema")
            media[mtype] = rewrite_refs(schema) if isinstance(schema, dict) else {}
            encodings[mtype] = node.get("encoding") if isinstance(node.get("encoding"), dict) else {}
        required = bool(rb.get("required"))
        operation.consumes = list(media)
        operation.consumes_declared = True
        operation.body_media = media
        body_name = rb.get("x-body-name", op.get("x-body-name", "body"))
        if not isinstance(body_name, str) or not body_name.isidentifier():
            self.problem(at + ("x-body-name",), operation.where,
                         f"x-body-name must be a Python identifier, got {body_name!r}", "e.g. x-body-name: pet")
            body_name = "body"
        json_types = [m for m in media if is_json_media(m)]
        form_types = [m for m in media if m.split(";")[0].strip().lower() in FORMS]
        operation.unreadable_media = tuple(
            m.split(";", 1)[0].strip().lower() for m in media
            if m not in json_types and m not in form_types and media[m] and not _allows_string(self.inline(media[m])))
        if form_types and not json_types and len(form_types) == len(media):
            encoding = {}
            for mtype in form_types:  # both form types may be declared: the first that says anything of a part
                for prop, enc in encodings[mtype].items():
                    encoding.setdefault(prop, enc)
            self.form_fields(media[form_types[0]], encoding, required, at, operation)
            return
        schema = media[json_types[0]] if json_types else {}
        operation.body = Parameter(name=body_name, location="body", required=required, schema=schema,
                                   line=self.doc.line(at))
        operation.body_keyword = body_name

    def form_fields(self, schema, encoding, required, at, operation):
        schema = self.inline(schema)
        props, needed = {}, set()
        self._collect(schema, props, needed, 0)
        for name, prop in props.items():
            prop = self.inline(prop) if isinstance(prop, dict) else {}
            enc = encoding.get(name) if isinstance(encoding.get(name), dict) else {}
            field = {k: v for k, v in prop.items() if k not in ("description", "x-model", "example", "examples")}
            multi = False
            if _is_binary(prop):
                field = {"type": "file"}
            elif prop.get("type") == "array" and _is_binary(prop.get("items")):
                field, multi = {"type": "file"}, True  # several files under one name
            param = Parameter(name=name, location="formData", required=required and name in needed, schema=field,
                              default=prop.get("default"), has_default="default" in prop,
                              line=self.doc.line(at))
            content_type = enc.get("contentType") if isinstance(enc.get("contentType"), str) else None
            if field == {"type": "file"} and content_type:
                param.media_type = content_type  # the media types an uploaded part may have (image/png, image/*)
            elif content_type and any(is_json_media(m) for m in content_type.split(",")):
                param.style = "content"  # a JSON part: parsed, then validated against the property's schema
                param.media_type = next(m.strip() for m in content_type.split(",") if is_json_media(m))
            if multi:
                param.collection_format = "multi"
            elif param.type == "array" and param.style is None:
                style = enc.get("style", "form")
                explode = enc.get("explode", style == "form")
                param.collection_format = _ARRAY_FORMATS.get((style, bool(explode)), "multi")
            operation.parameters.append(param)

    def _collect(self, schema, props, needed, depth):
        if not isinstance(schema, dict) or depth > 10:
            return
        schema = self.inline(schema)
        if isinstance(schema.get("properties"), dict):
            props.update(schema["properties"])
        if isinstance(schema.get("required"), list):
            needed.update(schema["required"])
        for part in schema.get("allOf") or ():
            self._collect(part, props, needed, depth + 1)

    # -- responses ---------------------------------------------------------------------

    def responses(self, op, operation):
        produces = []
        for code, resp in (op.get("responses") or {}).items():
            code = str(code)
            resp = _deref(self.doc, resp)
            if not isinstance(resp, dict):
                continue
            content = resp.get("content") if isinstance(resp.get("content"), dict) else {}
            json_types = [m for m in content if is_json_media(m)]
            schema = None
            if json_types:
                node = content[json_types[0]]
                raw = node.get("schema") if isinstance(node, dict) else None
                schema = rewrite_refs(raw) if isinstance(raw, dict) else None
                operation.response_media[code] = json_types[0]
            elif content:
                operation.response_media[code] = next(iter(content))
            operation.responses[code] = schema
            produces.extend(m for m in content if m not in produces)
            headers = {}
            for hname, header in (resp.get("headers") or {}).items():
                header = _deref(self.doc, header)
                if hname.lower() == "content-type" or not isinstance(header, dict):
                    continue
                hschema = header.get("schema")
                if isinstance(hschema, dict):
                    headers[hname] = (rewrite_refs(hschema), bool(header.get("required")))
            if headers:
                operation.response_headers[code] = headers
        operation.produces = produces or ["application/json"]


def _is_object(schema):
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or \
        (kind is None and "properties" in schema)


def _allows_string(schema, depth=0):
    """True when a raw string may match ``schema`` (no type, a string type, or a combinator allowing one)."""
    if not isinstance(schema, dict) or depth > 10:
        return False
    kind = schema.get("type")
    if kind is None:
        parts = (schema.get("oneOf") or []) + (schema.get("anyOf") or [])
        return not parts or any(_allows_string(p, depth + 1) for p in parts)
    return kind == "string" or isinstance(kind, list) and "string" in kind


def _is_binary(prop):
    if not isinstance(prop, dict):
        return False
    kinds = prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]
    if "string" in kinds and prop.get("format") == "binary":
        return True
    return "string" in kinds and "contentMediaType" in prop and "contentEncoding" not in prop

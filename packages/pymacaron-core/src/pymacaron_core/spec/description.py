"""The version-independent description of a spec (stage 3's output).

:class:`ApiDescription` holds what stages 4-5 need of one spec, whatever its version
(Swagger 2.0, read by :mod:`.swagger2`; OpenAPI 3.0 / 3.1, read by :mod:`.openapi3`): its
named schemas (referenced as ``#/definitions/<Name>``), the schema ``dialect``, the served
prefix, the clients' base URL, its security schemes and its :class:`Operation` s. It is pure
data (dataclasses, tuples, dicts; no functions): it can be pickled, cached on disk and
compiled lazily.

Security: Swagger 2.0 (``securityDefinitions``/``security``, read by :mod:`.swagger2`) and OpenAPI
3.x (``components.securitySchemes``) both become:

- :class:`SecurityScheme`: one declared scheme;
- a *security requirement*: ``None`` when the operation needs nothing, else a tuple of
  alternatives (any one suffices: OR), each a tuple of ``(scheme_name, scopes)`` pairs
  (all needed: AND). An operation's own ``security`` replaces the global one; ``[]``, or an
  empty alternative (``[{}]``), makes the operation public.

Nothing here does I/O or knows Flask; enforcement is :mod:`pymacaron_core.server.security`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from pymacaron_core.exceptions import SpecProblem

if TYPE_CHECKING:
    from pymacaron_core.spec.document import SpecDocument

KINDS = ("apiKey", "http", "oauth2", "openIdConnect")
API_KEY_LOCATIONS = ("header", "query", "cookie")


# A security requirement (see the module docstring): None (public), else alternatives (OR) of
# (scheme name, scopes) pairs (AND).
Alternatives = tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
Requirement = Optional[Alternatives]


@dataclass(frozen=True)
class SecurityScheme:
    """One security scheme. ``kind``: apiKey | http | oauth2 | openIdConnect; ``scheme``: the
    ``http`` scheme (basic, bearer...; Swagger 2.0's ``basic`` is http/basic); ``location`` and
    ``param_name`` say where an apiKey is sent; ``scopes``: the scopes it declares."""

    name: str
    kind: str
    scheme: str | None = None
    location: str | None = None
    param_name: str | None = None
    scopes: tuple = ()
    file: str = ""
    line: int | None = None

    @property
    def verifier_kind(self) -> str:
        """The key under which verifiers for this scheme are registered.

        ``apiKey``, ``basic``, ``bearer``, ``oauth2``, ``openIdConnect`` (another http scheme:
        its name). An apiKey sent in the ``Authorization`` header is how Swagger 2.0 specs
        declare bearer tokens, so it counts as ``bearer`` (a verifier registered for the
        scheme's own name still wins).
        """
        if self.kind == "http":
            return (self.scheme or "").lower()
        if self.kind == "apiKey" and self.location == "header" and (self.param_name or "").lower() == "authorization":
            return "bearer"
        return self.kind

    @property
    def where(self) -> str:
        """Where the scheme is declared, for messages: ``<file> line <n>`` (the file alone if no line)."""
        return f"{self.file} line {self.line}" if self.line else self.file


def normalize_requirements(raw: Any, schemes: Mapping[str, SecurityScheme], file: str, line: int | None,
                           where: str, unsupported: frozenset[str] = frozenset()) -> tuple[Requirement, list[SpecProblem]]:
    """A spec's ``security`` list -> (requirement, problems); see the module docstring.

    ``schemes``: name -> SecurityScheme. Undeclared scheme names are errors (a spec never
    fails open); scopes the scheme does not declare are warnings. ``unsupported``: names declared
    with a type PyMacaron cannot serve, already a problem where declared: not reported again.
    """
    problems: list[SpecProblem] = []
    if raw is None:
        return None, problems
    if not isinstance(raw, list):
        problems.append(SpecProblem(file, line, where, f"'security' must be a list of requirements, got {raw!r}",
                                    "e.g. security: [{api_key: []}]"))
        return None, problems
    alternatives = []
    for alternative in raw:
        if not isinstance(alternative, dict):
            problems.append(SpecProblem(file, line, where,
                                        f"each 'security' requirement must map scheme names to scopes, got "
                                        f"{alternative!r}", "e.g. security: [{api_key: []}]"))
            continue
        if not alternative:
            return None, problems  # an empty requirement: anyone may call
        pairs = []
        for name, scopes in alternative.items():
            scheme = schemes.get(name)
            if scheme is None and name in unsupported:
                continue
            if scheme is None:
                known = ", ".join(sorted(schemes)) or "none"
                problems.append(SpecProblem(file, line, where,
                                            f"security requirement names the scheme {name!r}, which is not declared "
                                            f"(declared: {known})",
                                            "declare it under securityDefinitions (Swagger 2.0) or "
                                            "components.securitySchemes (OpenAPI 3)"))
                continue
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                problems.append(SpecProblem(file, line, where,
                                            f"the scopes of {name!r} must be a list of strings, got {scopes!r}",
                                            f"e.g. {name}: [] (or a list of scope names)"))
                continue
            unknown = [s for s in scopes if scheme.kind == "oauth2" and s not in scheme.scopes]
            if unknown:
                problems.append(SpecProblem(file, line, where,
                                            f"scope(s) {', '.join(map(repr, unknown))} of {name!r} are not declared "
                                            "by the scheme", f"add them to the scopes of {name}",
                                            severity="warning"))
            pairs.append((name, tuple(scopes)))
        if pairs:
            alternatives.append(tuple(pairs))
    if not alternatives:
        return None if not problems else (), problems
    return tuple(alternatives), problems


def describe_requirement(requirement: Requirement) -> str:
    """'api_key, or basic and oauth (read:items)' for messages."""
    if not requirement:
        return "nothing"
    parts = []
    for alternative in requirement:
        parts.append(" and ".join(f"{name} ({' '.join(scopes)})" if scopes else name for name, scopes in alternative))
    return ", or ".join(parts)


# -- operations -----------------------------------------------------------------------------

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
PATH_VAR = re.compile(r"{([^}/]+)}")
JSON = "application/json"


def is_json_media(media: str | None) -> bool:
    """application/json and every ``+json`` type (RFC 6839)."""
    media = (media or "").split(";", 1)[0].strip().lower()
    return media == JSON or media.endswith("+json")


@dataclass
class Parameter:
    """One parameter (path | query | header | cookie | formData), or a 2.0 body (``location: body``).

    ``schema``: for 2.0 the parameter itself (type, format, items...), for 3.x its ``schema``
    (a top-level ``$ref`` to a named schema inlined, so ``type`` is readable). How the value is
    written on the wire: ``collection_format`` for arrays (csv | ssv | tsv | pipes | multi), or
    ``style`` (3.x styles that no collectionFormat expresses: deepObject, label, matrix, form or
    simple objects), or ``media_type`` (a 3.x ``content`` parameter, e.g. JSON in a query, or a form part
    whose ``encoding.contentType`` is JSON: ``style`` "content"). A ``formData`` file's ``media_type`` is its
    ``encoding.contentType``: the types its upload may have (``image/png, image/*``)."""

    name: str
    location: str  # path | query | header | cookie | formData | body
    required: bool
    schema: dict
    default: object = None
    has_default: bool = False
    collection_format: str = "csv"
    line: int | None = None
    style: str | None = None  # None: collection_format says it all
    explode: bool = False
    media_type: str | None = None

    @property
    def type(self) -> str | None:
        """The JSON type of the value (``"null"`` left out of a 3.1 type list); None if it has none, or
        several."""
        kind = self.schema.get("type")
        if isinstance(kind, list):  # 3.1: [integer, "null"]
            kinds = [k for k in kind if k != "null"]
            return kinds[0] if len(kinds) == 1 else None
        return kind


@dataclass
class Operation:
    """One operation of a spec: what the server plan, the route and the client need."""

    api_name: str
    method: str  # upper case
    path: str  # as in the spec: /items/{id}
    base_path: str  # the served prefix (2.0 basePath, 3.x path of the first server URL)
    spec_path: tuple  # JSON path of the operation in the document, for errors
    line: int | None
    handler: str | None = None  # x-bind-server (or an importable operationId)
    operation_id: str | None = None
    binding_key: str = "x-bind-server"  # where the handler is named: x-bind-server | operationId
    unbound_operation_id: bool = False  # 3.x: an operationId that names no function (no dot, no controller)
    no_bind_server: bool = False
    client_name: str | None = None
    decorate_server: str | None = None
    decorate_request: str | None = None
    parameters: list = field(default_factory=list)
    body: Parameter | None = None  # the request body (location "body"): schema of its JSON (or form) media type
    body_media: dict = field(default_factory=dict)  # 3.x: media type -> schema of every requestBody type
    # 3.x: body media types read raw (neither JSON nor a form) whose schema a raw body cannot match (an XML
    # document described as an object): pymacaron cannot check such a body, so it refuses it (415)
    unreadable_media: tuple = ()
    body_keyword: str | None = None  # 3.x: the name a handler may take the body under (body / x-body-name)
    produces: list = field(default_factory=list)
    consumes: list = field(default_factory=list)
    consumes_declared: bool = False  # False: the spec says nothing, JSON (and forms for formData) accepted
    responses: dict = field(default_factory=dict)  # '200' / 'default' -> JSON schema or None
    response_media: dict = field(default_factory=dict)  # '200' / 'default' -> media type (3.x)
    response_headers: dict = field(default_factory=dict)  # '200' / 'default' -> {header: schema} (3.x)
    summary: str = ""
    # None: public; else alternatives (OR) of (scheme_name, scopes) pairs (AND): see the module docstring
    security: tuple | None = None
    security_line: int | None = None
    directional: bool = False  # 3.x: readOnly/writeOnly honoured (request schemas vs response schemas)
    # 3.x: a handler returning None answers an empty body when the response declares no content (2.0: v1's 500)
    none_is_empty: bool = False
    # 3.x operation / path-item ``servers``: the clients' base URL of its own first server (scheme://host[:port],
    # or "" for a relative URL: the API's host); None: the operation is on the API's servers
    server_url: str | None = None

    @property
    def where(self) -> str:
        """``METHOD /path`` as in the spec, for messages."""
        return f"{self.method} {self.path}"

    @property
    def full_path(self) -> str:
        """The served path: the base path followed by the spec's path."""
        return (self.base_path.rstrip("/") + self.path) if self.base_path else self.path

    @property
    def flask_rule(self) -> str:
        """The Flask URL rule of :attr:`full_path` (``/items/{id}`` -> ``/items/<id>``)."""
        return PATH_VAR.sub(lambda m: f"<{flask_var(m.group(1))}>", self.full_path)

    @property
    def endpoint_name(self) -> str:
        """The Flask endpoint name of this operation: ``api:METHOD:full path`` (unique in an app)."""
        return f"{self.api_name}:{self.method}:{self.full_path}"

    def params_in(self, location: str) -> list[Parameter]:
        """The parameters sent in ``location`` (path, query, header, cookie, formData)."""
        return [p for p in self.parameters if p.location == location]

    @property
    def success_codes(self) -> list[str]:
        """The 2xx status codes the spec declares, sorted (``default`` left out)."""
        return sorted(c for c in self.responses if c.isdigit() and c.startswith("2"))


def flask_var(name: str) -> str:
    """The Flask URL variable name used for the path parameter ``name``."""
    return re.sub(r"\W", "_", name)


@dataclass
class ApiDescription:
    """One spec, normalized (see the module docstring)."""

    name: str
    file: str
    version: str  # "2.0" | "3.0" | "3.1"
    dialect: str  # "swagger2" | "oas30" | "oas31"
    served_prefix: str
    host: str | None  # the clients' host[:port] (2.0 host, 3.x host of the first server URL), None if unnamed
    schemes: tuple  # the clients' URL schemes (2.0 schemes, 3.x scheme of the first server URL)
    schemas: dict  # name -> schema (refs as #/definitions/<Name>)
    security_schemes: dict
    operations: list


def describe(doc: SpecDocument, api_name: str, base_path: str | None = None,
             schemes: dict[str, SecurityScheme] | None = None) -> tuple[ApiDescription, list[SpecProblem]]:
    """-> (ApiDescription, problems) of a loaded document, whatever its version."""
    if doc.version == "2.0":
        from pymacaron_core.spec import swagger2

        return swagger2.describe(doc, api_name, base_path, schemes)
    from pymacaron_core.spec import openapi3

    return openapi3.describe(doc, api_name, base_path, schemes)

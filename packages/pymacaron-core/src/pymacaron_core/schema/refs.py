"""Where a ``$ref`` points: the schema documents of one compilation and their identifiers.

A :class:`SchemaIndex` holds resources (documents keyed by their URI) and,
for the 2020-12 family, what identifies a subschema inside them: ``$id``
(embedded resources, relative ids resolved against the enclosing one),
``$anchor`` and ``$dynamicAnchor``. Draft 4 documents are looked up by the
URI they are added under only (their inner ``id`` keywords are not followed:
Swagger 2.0 and OpenAPI 3.0 refer to ``#/definitions/...`` pointers).

Resolution is static: :meth:`SchemaIndex.resolve` returns the node a
reference designates and the base URI in force there. Dynamic scope
(``$dynamicRef``) is the compiler's business: it asks
:meth:`SchemaIndex.dynamic_anchors` which anchors a resource defines.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

# Keywords whose value is one subschema, a list of subschemas, or a map of them.
_ONE = ("additionalProperties", "additionalItems", "items", "not", "if", "then", "else", "contains",
        "propertyNames", "unevaluatedItems", "unevaluatedProperties")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


class SchemaIndex:
    """The resources one compiler resolves references against."""

    def __init__(self, modern: bool) -> None:
        self.modern = modern  # follow $id / $anchor / $dynamicAnchor (JSON Schema 2020-12)
        self.resources: dict[str, Any] = {}  # uri -> document (or embedded resource) root
        self.anchors: dict[tuple[str, str], Any] = {}  # (uri, name) -> node
        self.dynamic: dict[str, dict[str, Any]] = {}  # uri -> {name: node} for $dynamicAnchor
        self.base_of: dict[int, str] = {}  # id(node) -> base URI in force at that node

    def add(self, uri: str, document: Any) -> None:
        """Register ``document`` under ``uri`` (its fragment, e.g. a trailing '#', is dropped)."""
        uri = urldefrag(uri)[0]
        self.resources[uri] = document
        self.dynamic.setdefault(uri, {})
        self.walk(document, uri)

    def walk(self, node: Any, base: str) -> None:
        """Index the identifiers found in ``node`` (a schema or a document holding schemas)."""
        if not self.modern:
            return  # Draft 4 family: no node has a base of its own (lookups default to their document's URI)
        if not isinstance(node, dict):
            if isinstance(node, list):
                for item in node:
                    self.walk(item, base)
            return
        if self.modern:
            own = node.get("$id")
            if isinstance(own, str):
                base = urldefrag(urljoin(base, own))[0] if base else urldefrag(own)[0]
                self.resources[base] = node
                self.dynamic.setdefault(base, {})
            anchor = node.get("$anchor")
            if isinstance(anchor, str):
                self.anchors[(base, anchor)] = node
            anchor = node.get("$dynamicAnchor")
            if isinstance(anchor, str):
                self.anchors[(base, anchor)] = node
                self.dynamic.setdefault(base, {})[anchor] = node
        self.base_of[id(node)] = base
        for key in _ONE:
            sub = node.get(key)
            if isinstance(sub, dict):
                self.walk(sub, base)
        for key in _LIST:
            sub = node.get(key)
            if isinstance(sub, list):
                for item in sub:
                    self.walk(item, base)
        for key in _MAP:
            sub = node.get(key)
            if isinstance(sub, dict):
                for item in sub.values():
                    self.walk(item, base)
        deps = node.get("dependencies")
        if isinstance(deps, dict):
            for item in deps.values():
                self.walk(item, base)

    def absolute(self, ref: str, base: str) -> str:
        """``ref`` resolved against the base URI ``base`` (``ref`` itself when there is no base)."""
        return urljoin(base, ref) if base else ref

    def resolve(self, ref: str, base: str) -> tuple[Any, str]:
        """-> (node, base URI at that node); ValueError when it designates nothing."""
        full = self.absolute(ref, base)
        uri, fragment = urldefrag(full)
        document = self.resources.get(uri)
        if document is None:
            raise ValueError(f"unresolved $ref {ref!r}: no schema document {uri or base!r} is known")
        if not fragment:
            return document, self.base_of.get(id(document), uri)
        if not fragment.startswith("/"):
            node = self.anchors.get((uri, fragment))
            if node is None:
                raise ValueError(f"unresolved $ref {ref!r}: no anchor {fragment!r} in {uri or 'this document'}")
            return node, self.base_of.get(id(node), uri)
        node = document
        for token in fragment[1:].split("/"):
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise ValueError(f"unresolved $ref {ref!r}: nothing at {token!r}")
        return node, self.base_of.get(id(node), uri)

    def dynamic_anchors(self, uri: str) -> dict[str, Any]:
        """{name: node} of the ``$dynamicAnchor``s the resource ``uri`` defines."""
        return self.dynamic.get(uri) or {}

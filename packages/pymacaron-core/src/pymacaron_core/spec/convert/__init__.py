"""Convert a Swagger 2.0 spec to OpenAPI 3.0 or 3.1, keeping PyMacaron's extensions.

    new_data, notes = convert(data, to="3.0")     # data: the parsed Swagger 2.0 document
    text = to_yaml(new_data)

Pure: no Flask, no I/O; ``data`` is not modified. ``notes`` lists what could not be
carried over exactly, each located by its JSON path in the input (``Locations.line(note.path)``
gives the line). ``pymacaron convert`` is the command-line front of this module.

What becomes what
=================

========================================  ===================================================
Swagger 2.0                               OpenAPI 3.0 / 3.1
========================================  ===================================================
``swagger: "2.0"``                        ``openapi: 3.0.3`` / ``3.1.0``
``host``, ``basePath``, ``schemes``       ``servers``: one URL per scheme, https first (the
                                          one PyMacaron clients use); an operation's
                                          ``schemes`` -> its ``servers``
``definitions``                           ``components.schemas`` (every ``$ref`` rewritten)
``parameters``                            ``components.parameters``; a body parameter ->
                                          ``components.requestBodies``; a formData one is
                                          inlined where used
``responses``, ``securityDefinitions``    ``components.responses``, ``components.securitySchemes``
``basic``; ``apiKey``; ``oauth2``         ``http``/``basic``; ``apiKey``; ``oauth2`` ``flows``
                                          (implicit, password, application ->
                                          clientCredentials, accessCode -> authorizationCode)
``in: body`` parameter                    ``requestBody``: one content entry per ``consumes``
                                          type; ``x-body-name: <name>`` unless it is ``body``,
                                          so the handler receives it under the same name
``in: formData`` parameters               one ``requestBody`` (``application/x-www-form-
                                          urlencoded`` and/or ``multipart/form-data`` from
                                          ``consumes``), one property per field, ``type: file``
                                          -> ``type: string, format: binary``; arrays get an
                                          ``encoding`` style
query, path, header parameters            ``schema:`` + ``style``/``explode`` from
                                          ``collectionFormat``: csv -> form, explode false
                                          (query) / simple (path, header); ssv ->
                                          spaceDelimited; pipes -> pipeDelimited; multi ->
                                          form, explode true
response ``schema``, ``examples``,        ``content`` per ``produces`` type (``example`` in it),
``headers``                               ``headers`` with ``schema``
``consumes``/``produces``                 global and per operation, applied as above
``x-nullable: true``                      3.0: ``nullable: true``; 3.1: ``type: [T, "null"]``
                                          (``null`` added to an ``enum``); with no ``type``:
                                          3.1 ``anyOf: [..., {type: "null"}]``, 3.0 keeps
                                          ``x-nullable`` (PyMacaron honours it) with a note
``discriminator: name``                   ``discriminator: {propertyName: name}``
``example`` in a schema                   kept (3.0); ``examples: [value]`` (3.1)
``exclusiveMinimum: true`` + ``minimum``  kept (3.0); ``exclusiveMinimum: <minimum>`` (3.1)
``x-bind-server``, ``x-bind-client``,     kept where they were, as every other ``x-`` key
``x-decorate-*``, ``x-no-bind-server``,
``x-parent``, ``x-persist``, ``x-*``
========================================  ===================================================

Notes are written for what changes meaning or is lost: ``collectionFormat: tsv`` (and
non-csv formats outside query), ``type: file`` outside a form, ``allowEmptyValue`` outside a
query, header parameters 3.x ignores (Accept, Content-Type, Authorization), component names 3.x
does not allow (renamed), tuple ``items`` in 3.0, nullable schemas 3.0 cannot express, external
``$ref``s into files still in Swagger 2.0, ``$ref``s that resolve to nothing, and every form
body (the handler receives form fields as the OpenAPI 3 front-end documents).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymacaron_core.spec.convert._context import Context, Note
from pymacaron_core.spec.convert._document import OPENAPI_VERSIONS, convert_document
from pymacaron_core.spec.convert._yaml import to_yaml

__all__ = ["OPENAPI_VERSIONS", "TARGETS", "Note", "convert", "to_yaml"]

TARGETS = tuple(OPENAPI_VERSIONS)  # ("3.0", "3.1")


def convert(data: dict[str, Any], to: str = "3.0",
            known_schemas: Iterable[str] = ()) -> tuple[dict[str, Any], list[Note]]:
    """``data`` (a Swagger 2.0 document) -> (the OpenAPI ``to`` document, [Note, ...]).

    ``to``: "3.0" or "3.1". ``known_schemas``: names of definitions provided from elsewhere
    (pymacaron passes its built-in Error and Ok), whose ``$ref``s are not reported as dangling.
    Raises ValueError when ``data`` is not a Swagger 2.0 document or ``to`` is unknown.
    """
    if to not in OPENAPI_VERSIONS:
        raise ValueError(f"cannot convert to OpenAPI {to!r}: choose one of {', '.join(TARGETS)}")
    if not isinstance(data, dict):
        raise ValueError(f"a Swagger 2.0 document is a mapping, not a {type(data).__name__}")
    if str(data.get("swagger")) not in ("2.0", "2"):
        found = f"openapi: {data['openapi']}" if "openapi" in data else "no 'swagger: \"2.0\"'"
        raise ValueError(f"not a Swagger 2.0 document ({found})")
    ctx = Context(src=data, version=to, known_schemas=frozenset(known_schemas))
    return convert_document(ctx), list(ctx.notes)

"""OpenAPI 3 parameter serialisations that no Swagger 2.0 ``collectionFormat`` expresses.

Arrays in the ``form``, ``simple``, ``spaceDelimited`` and ``pipeDelimited`` styles are read by
:class:`~pymacaron_core.server.params.ParamReader` (the 2.0 formats they equal). A
:class:`StyledReader` reads the rest, compiled once per parameter:

- objects: ``form`` (``?a=1&b=2`` exploded, ``?color=a,1,b,2`` not), ``deepObject``
  (``?color[a]=1&color[b]=2``), ``simple`` (``a=1,b=2`` exploded, ``a,1,b,2`` not);
- path ``label`` (``.a.b`` exploded, ``.a,b`` not) and ``matrix`` (``;id=a;id=b`` exploded,
  ``;id=a,b`` not) values, primitives, arrays and objects;
- ``content`` parameters: the value is a JSON document (``?filter={"a":1}``) for a JSON media type,
  else the raw string (``text/plain``...), validated as it is.

Values are cast from strings by the type the schema declares (of the items, of each property),
then validated by the parameter's compiled validator. Problems are appended, never raised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymacaron_core.schema.dialects import single_type
from pymacaron_core.server.params import Reader, _CastError, cast_value, checked
from pymacaron_core.spec.description import is_json_media

if TYPE_CHECKING:
    from pymacaron_core.schema.compiler import Validator
    from pymacaron_core.spec.description import Parameter

_MISSING = object()


def _type_of(schema):
    return single_type(schema.get("type")) if isinstance(schema, dict) else None
_CASTABLE = {"integer", "number", "boolean"}


class StyledReader(Reader):
    """Reads one OpenAPI 3 parameter written in a ``style`` that no collectionFormat expresses
    (deepObject, label, matrix, form or simple objects) or as ``content`` (JSON): parsed, cast,
    validated, converted."""

    __slots__ = ("kind", "style", "explode", "items_kind", "prop_kinds", "extra_kind", "json", "media_type")

    def __init__(self, param: Parameter, validator: Validator | None, convert: Callable[[Any], Any] | None) -> None:
        super().__init__(param, validator, convert)
        schema = param.schema
        self.kind = _type_of(schema) or ("object" if "properties" in schema else None)
        self.style = param.style
        self.explode = param.explode
        self.items_kind = _type_of(schema.get("items"))
        props: Any = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        self.prop_kinds = {k: _type_of(v) for k, v in props.items()}
        extra = schema.get("additionalProperties")
        self.extra_kind = _type_of(extra) if isinstance(extra, dict) else None
        self.media_type = param.media_type
        self.json = param.style == "content" and is_json_media(param.media_type)

    def __repr__(self) -> str:
        return f"<StyledReader {self.location}.{self.name} {self.style} {self.kind}>"

    # -- raw values ------------------------------------------------------------------------

    def _raw(self, source):
        style, kind = self.style, self.kind
        if style == "deepObject":
            prefix = self.key + "["
            found = {k[len(prefix):-1]: source.get(k) for k in source.keys() if k.startswith(prefix) and k.endswith("]")}
            return found or _MISSING
        if style == "form" and kind == "object" and self.explode:
            found = {k: source.get(k) for k in self.prop_kinds if source.get(k) is not None}
            return found or _MISSING
        value = source.get(self.key)
        if value is None:
            return _MISSING
        if style == "content":
            return value
        if style == "label":
            if not value.startswith("."):
                raise _CastError(f"{value!r} is not a label-style value (it starts with '.')")
            value = value[1:]
            sep = "." if self.explode else ","
            return self._split(value, sep, "=" if self.explode else None)
        if style == "matrix":
            head = f";{self.name}"
            if kind == "object" and self.explode:
                if not value.startswith(";"):
                    raise _CastError(f"{value!r} is not a matrix-style value (';key=value;...')")
                return dict(part.partition("=")[::2] for part in value[1:].split(";"))
            if not value.startswith(head):
                raise _CastError(f"{value!r} is not a matrix-style value (it starts with '{head}')")
            if kind == "array" and self.explode:
                return [part.partition("=")[2] for part in value[1:].split(";")]
            value = value[len(head):]
            value = value[1:] if value.startswith("=") else ""
            return self._split(value, ",", None)
        return self._split(value, ",", "=" if self.explode else None)

    def _split(self, value, sep, pair):
        if self.kind == "array":
            return value.split(sep) if value != "" else []
        if self.kind == "object":
            if pair is not None:
                return dict(part.partition(pair)[::2] for part in value.split(sep) if part)
            parts = value.split(sep) if value else []
            if len(parts) % 2:
                raise _CastError(f"{value!r} is not a list of key,value pairs")
            return dict(zip(parts[::2], parts[1::2], strict=True))
        return value

    # -- read ------------------------------------------------------------------------------

    def read(self, source: Any, errors: list[Any]) -> Any:
        """Value for the handler (the default, or None, when absent); problems are appended to ``errors``
        (see :meth:`ParamReader.read`)."""
        try:
            raw = self._raw(source)
            if raw is _MISSING:
                if self.has_default:
                    return self.default
                if self.required:
                    errors.append((self.path, "required", f"{self.name!r} is a required {self.location} parameter"))
                return None
            if self.style == "content":
                if not self.json:
                    value = raw  # text/plain...: the raw string, validated as it is
                else:
                    try:
                        value = json.loads(raw)
                    except ValueError:
                        what = "the part" if self.location == "formData" else "the parameter"
                        raise _CastError(f"{what} {self.name!r} is not JSON (its media type is "
                                         f"{self.media_type}): {raw[:100]!r}") from None
            elif isinstance(raw, list):
                value = [None if (x == "" and self.items_kind in _CASTABLE) else cast_value(self.items_kind, x)
                         for x in raw]
            elif isinstance(raw, dict):
                value = {k: cast_value(self.prop_kinds.get(k, self.extra_kind), v) for k, v in raw.items()}
            else:
                value = cast_value(self.kind, raw)
        except _CastError as e:
            errors.append((self.path, "type", e.reason or f"{self.name!r} is not of type {self.kind!r}"))
            return None
        return checked(self, value, errors)

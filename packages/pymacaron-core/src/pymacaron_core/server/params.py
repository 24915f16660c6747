"""Read path, query, header and formData parameters: cast, validate, convert.

Each parameter is compiled once into a :class:`ParamReader`. Reading one
costs a lookup, a cast from string (bravado-core's rules: '' means absent
for numbers and booleans; arrays split by ``collectionFormat``) and the
compiled validator. Problems are appended; nothing is raised here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from pymacaron_core.schema.dialects import single_type
from pymacaron_core.spec.description import flask_var

if TYPE_CHECKING:
    from pymacaron_core.schema.compiler import Validator
    from pymacaron_core.spec.description import Parameter

_SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
_CASTABLE = {"integer", "number", "boolean"}
MISSING = object()
LOCATION_NAMES = {"path": "path", "query": "query", "header": "header", "formData": "formData", "cookie": "cookie"}


class UploadedFile(bytes):
    """The content of an uploaded file; also carries its name and type."""

    filename: str | None
    content_type: str | None

    def __new__(cls, content: bytes, filename: str | None = None, content_type: str | None = None) -> UploadedFile:
        obj = super().__new__(cls, content)
        obj.filename = filename
        obj.content_type = content_type
        return obj

    @property
    def mimetype(self) -> str | None:
        """The media type the client sent for the file, without parameters (None if it sent none)."""
        return (self.content_type or "").split(";")[0].strip() or None


class _CastError(Exception):
    """A string that is not of the wanted type (``reason``: a better message than "not of type")."""

    def __init__(self, reason=None):
        super().__init__(reason)
        self.reason = reason


def _to_bool(raw):
    low = raw.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    raise _CastError


def _to_number(raw):
    value = float(raw)
    if not math.isfinite(value):
        raise _CastError
    return value


def _to_int(raw):
    try:
        return int(raw)
    except ValueError:
        digits = raw.strip().lstrip("+-").replace("_", "") if isinstance(raw, str) else ""
        if len(digits) > 20 and digits.isdigit():  # int() refuses more than sys.get_int_max_str_digits()
            raise _CastError(f"an integer of {len(digits)} digits is longer than this server accepts") from None
        raise


_CASTS: dict[str | None, Callable[[Any], Any]] = {"integer": _to_int, "number": _to_number, "boolean": _to_bool}


def cast_value(kind: str | None, raw: Any) -> Any:
    """String -> typed value for ``kind``; raises _CastError."""
    cast = _CASTS.get(kind)
    if cast is None:
        return raw
    try:
        return cast(raw)
    except _CastError:
        raise
    except (ValueError, TypeError):
        raise _CastError from None


class Reader:
    """What every parameter reader knows of its parameter: where it is read (``key`` in its
    ``location``), whether it is required or has a default, its compiled validator and converter,
    and the path its problems are reported at."""

    __slots__ = ("name", "location", "key", "required", "default", "has_default", "validate", "convert", "path")

    def __init__(self, param: Parameter, validator: Validator | None, convert: Callable[[Any], Any] | None) -> None:
        self.name = param.name
        self.location = param.location
        self.key = flask_var(param.name) if param.location == "path" else param.name
        self.required = param.required
        self.default = param.default
        self.has_default = param.has_default
        self.validate = validator
        self.convert = convert
        self.path = (LOCATION_NAMES.get(param.location, param.location), param.name)


class ParamReader(Reader):
    """Reads one path, query, header, cookie or formData parameter of a request: cast from its string
    form, validated, converted (see the module docstring)."""

    __slots__ = ("kind", "items_kind", "separator", "multi", "single")

    def __init__(self, param: Parameter, validator: Validator | None, convert: Callable[[Any], Any] | None) -> None:
        super().__init__(param, validator, convert)
        self.kind = param.type
        items = param.schema.get("items")
        self.items_kind = single_type(items.get("type")) if isinstance(items, dict) else None
        self.multi = param.collection_format == "multi"
        self.separator = _SEPARATORS.get(param.collection_format, ",")
        # one value only: a query or form field given twice is refused, not "first value wins"
        self.single = self.kind != "array" and param.location in ("query", "formData", "cookie")

    def __repr__(self) -> str:
        return f"<ParamReader {self.location}.{self.name} {self.kind}>"

    def read(self, source: Any, errors: list[Any]) -> Any:
        """Value for the handler (None when absent and optional). ``source``: the request's args, form,
        headers or cookies, or the view's path arguments; problems are appended to ``errors``."""
        if self.kind == "file":
            value = source.get(self.key)
            if value is None:
                if self.required:
                    errors.append((self.path, "required", f"{self.name!r} is a required file parameter"))
                return None
            return value
        if self.multi and self.kind == "array":
            raw = source.getlist(self.key) if hasattr(source, "getlist") else source.get(self.key)
            if not raw:
                raw = None
        else:
            if self.single and isinstance(source, MultiDict):
                # a MultiDict is a dict of value lists: one lookup gives the value and how many were sent
                values = dict.get(source, self.key)
                raw = values[0] if values else None
                if values is not None and len(values) > 1:
                    errors.append((self.path, "repeated", f"{self.name!r} is given {len(values)} "
                                   f"times, but it is not an array: give it once"))
                    return None
            else:
                raw = source.get(self.key)
                if raw is not None and self.single and len(source.getlist(self.key)) > 1:
                    errors.append((self.path, "repeated", f"{self.name!r} is given {len(source.getlist(self.key))} "
                                   f"times, but it is not an array: give it once"))
                    return None
            if raw == "" and self.kind in _CASTABLE:
                raw = None
        if raw is None:
            if self.has_default:
                return self.default
            if self.required:
                errors.append((self.path, "required", f"{self.name!r} is a required {self.location} parameter"))
            return None
        try:
            if self.kind == "array":
                if not isinstance(raw, list):
                    raw = raw.split(self.separator) if raw != "" else []
                value = [None if (x == "" and self.items_kind in _CASTABLE) else cast_value(self.items_kind, x)
                         for x in raw]
            else:
                value = cast_value(self.kind, raw)
        except _CastError as e:
            wanted = self.items_kind if self.kind == "array" else self.kind
            errors.append((self.path, "type", e.reason or f"{raw!r} is not of type {wanted!r}"))
            return None
        return checked(self, value, errors)


def checked(reader: Reader, value: object, errors: list) -> object:
    """The tail every parameter reader shares: ``value`` (cast from the request) validated by the
    reader's compiled validator, then converted for the handler; None, with the problems appended to
    ``errors``, when it is not valid."""
    if reader.validate is not None:
        before = len(errors)
        reader.validate._func(value, reader.path, errors)
        if len(errors) > before:
            return None
    if reader.convert is not None:
        value = reader.convert(value)
    return value

"""Read the request body: JSON, form-encoded or multipart, into JSON data.

JSON is parsed once from the raw bytes (a missing Content-Type counts as
JSON, as in pymacaron v1). A form-encoded or multipart body bound to an
``in: body`` schema becomes a dict whose fields are cast to the types the
schema declares for them; uploaded files become :class:`UploadedFile`.

What strict JSON (RFC 8259) and Python cannot both hold is refused with a 400
naming the problem, so hostile input never reaches a handler nor a 500:
``NaN``/``Infinity`` and numbers too large for a float (``1e400``), integers
longer than Python converts (``sys.get_int_max_str_digits()``, 4300 digits),
strings holding a lone UTF-16 surrogate (``"\\ud800"``, not Unicode), and
nesting deeper than :data:`MAX_JSON_DEPTH` levels (recursion in validators,
model builders and serialisers).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import Problem, ValidationError
from pymacaron_core.schema.dialects import single_type
from pymacaron_core.server.params import UploadedFile, _CastError, cast_value

if TYPE_CHECKING:
    from flask import Request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
EMPTY = object()


def content_type_of(environ: Mapping[str, Any]) -> str:
    """The request's media type, lower case, without parameters ('' when there is no Content-Type)."""
    return environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


MAX_JSON_DEPTH = 100  # arrays and objects nested in each other; deeper bodies get a 400
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_INF = float("inf")


class _BadJson(ValueError):
    """A JSON value refused while parsing (its message says which and why)."""


def _constant(name):
    raise _BadJson(f"{name} is not a JSON number (JSON has no NaN nor Infinity)")


def _finite_float(text):
    value = float(text)
    if value in (_INF, -_INF):
        shown = text if len(text) <= 40 else text[:20] + "..." + text[-10:]
        raise _BadJson(f"the number {shown} is too large for a 64-bit float")
    return value


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_finite_float)


def _depth_over(value, limit):
    """True if arrays/objects nest deeper than ``limit`` in ``value`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def _bad(message):
    return ValidationError(f"Cannot parse json data: {message}", [Problem("body", "json", message)])


def parse_json_bytes(data: Any, max_depth: int | None = None) -> Any:
    """Raw bytes (or str) -> JSON data; a ValidationError (400) saying what is wrong otherwise."""
    try:
        # what json.loads does, with one decoder for every request (json.loads with options makes one per call)
        text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, (bytes, bytearray)) \
            else data
        value = _DECODER.decode(text)
    except UnicodeDecodeError:
        raise _bad("the body is not valid UTF-8") from None
    except json.JSONDecodeError as e:
        msg = (f"Cannot parse json data ({e.msg} at line {e.lineno} column {e.colno}): "
               "have you set 'Content-Type' to 'application/json'?")
        raise ValidationError(msg, [Problem("body", "json", msg)]) from None
    except _BadJson as e:
        raise _bad(str(e)) from None
    except RecursionError:
        raise _bad(f"nested too deeply (at most {max_depth or MAX_JSON_DEPTH} levels)") from None
    except ValueError as e:  # int() refusing a number of more than sys.get_int_max_str_digits() digits
        if "digits" not in str(e):
            raise _bad(str(e)[:200]) from None
        raise _bad(f"an integer has more than {_int_digits_limit()} digits") from None
    limit = max_depth or MAX_JSON_DEPTH
    raw = isinstance(data, (bytes, bytearray))
    # cheap pre-checks on the raw text (C speed): the walks below run only when they may find something
    if isinstance(value, (dict, list)) and data.count(b"[" if raw else "[") + data.count(b"{" if raw else "{") > limit \
            and _depth_over(value, limit):
        raise _bad(f"nested too deeply (at most {limit} levels of arrays and objects)")
    if (b"\\u" if raw else "\\u") in data \
            and (_SURROGATE_ESCAPE_BYTES if raw else _SURROGATE_ESCAPE).search(data) is not None:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as e:
            raise _bad(f"a string holds a lone UTF-16 surrogate ({e.object[e.start:e.end]!r}), "
                       "which is not Unicode text") from None
    return value


def _int_digits_limit():
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 4300


def read_body(request: Request, body_schema: Any, definitions: Mapping[str, Any]) -> Any:
    """-> the body as JSON data, or EMPTY if there is none."""
    ctype = content_type_of(request.environ)
    if ctype in FORM_TYPES:
        return _form_body(request, body_schema, definitions)
    data = request.get_data(cache=True)  # kept: crash reports and redaction read it again
    if not data or data.isspace():
        return EMPTY
    return parse_json_bytes(data)


def _properties_of(schema, definitions, depth=0):
    if not isinstance(schema, dict) or depth > 10:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return _properties_of(definitions.get(ref.rsplit("/", 1)[-1]), definitions, depth + 1)
    props = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        props.update(_properties_of(part, definitions, depth + 1))
    return props


def _form_body(request, schema, definitions):
    props = _properties_of(schema, definitions)
    out = {}
    problems = []
    for key in request.form.keys():
        values = request.form.getlist(key)
        prop = props.get(key) or {}
        kind = single_type(prop.get("type"))
        try:
            if kind == "array":
                item_kind = single_type((prop.get("items") or {}).get("type"))
                if len(values) == 1 and "," in values[0]:
                    values = values[0].split(",")
                out[key] = [cast_value(item_kind, v) for v in values]
            elif len(values) > 1:
                problems.append(Problem(f"body.{key}", "repeated", f"{key!r} is given {len(values)} times, but it "
                                        "is not an array: give it once"))
            elif values[-1] == "" and kind in ("integer", "number", "boolean"):
                continue
            else:
                out[key] = cast_value(kind, values[-1])
        except _CastError as e:
            problems.append(Problem(f"body.{key}", "type", e.reason or f"{values[-1]!r} is not of type {kind!r}"))
    for key, storage in request.files.items():
        out[key] = UploadedFile(storage.read(), storage.filename, storage.content_type)
    if problems:
        raise ValidationError(problems=problems)
    if not out:
        return EMPTY
    return out

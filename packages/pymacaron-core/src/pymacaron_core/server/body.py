"""Read the request body: JSON, form-encoded or multipart, into JSON data.

JSON is parsed once from the raw bytes (a missing Content-Type counts as
JSON, as in pymacaron v1). A form-encoded or multipart body bound to an
``in: body`` schema becomes a dict whose fields are cast to the types the
schema declares for them; uploaded files become :class:`UploadedFile`.
"""

from __future__ import annotations

import json

from pymacaron_core.exceptions import Problem, ValidationError
from pymacaron_core.server.params import UploadedFile, _CastError, cast_value

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
EMPTY = object()


def content_type_of(environ):
    return environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


def parse_json_bytes(data):
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise ValidationError(
            "Cannot parse json data: the body is not valid UTF-8",
            [Problem("body", "json", "the body is not valid UTF-8")]) from None
    except json.JSONDecodeError as e:
        msg = (f"Cannot parse json data ({e.msg} at line {e.lineno} column {e.colno}): "
               "have you set 'Content-Type' to 'application/json'?")
        raise ValidationError(msg, [Problem("body", "json", msg)]) from None
    except RecursionError:
        raise ValidationError("Cannot parse json data: nested too deeply",
                              [Problem("body", "json", "nested too deeply")]) from None


def read_body(request, body_schema, definitions):
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
        kind = prop.get("type")
        try:
            if kind == "array":
                item_kind = (prop.get("items") or {}).get("type")
                if len(values) == 1 and "," in values[0]:
                    values = values[0].split(",")
                out[key] = [cast_value(item_kind, v) for v in values]
            elif values[-1] == "" and kind in ("integer", "number", "boolean"):
                continue
            else:
                out[key] = cast_value(kind, values[-1])
        except _CastError:
            problems.append(Problem(f"body.{key}", "type", f"{values[-1]!r} is not of type {kind!r}"))
    for key, storage in request.files.items():
        out[key] = UploadedFile(storage.read(), storage.filename, storage.content_type)
    if problems:
        raise ValidationError(problems=problems)
    if not out:
        return EMPTY
    return out

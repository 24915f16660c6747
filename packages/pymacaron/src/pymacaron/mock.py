"""Mock answers from a spec: ``pymacaron mock apis/x.yaml`` and ``pymacaron run --mock-unbound``.

Each mocked operation answers its success response (200, else its first 2xx) with the response's
``examples`` (``application/json``), else the schema's ``example``, else data generated to fit the
schema by :func:`generate`: deterministic (the same schema always gives the same data), every
property filled, ``enum``/``default``/``example`` of a property used first, bounds respected
(``minimum``, ``minLength``, ``minItems``...). Requests are parsed and validated as in a real
service: a mock answers 400 to what the real one would refuse.
"""

from __future__ import annotations

import copy
import os
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pymacaron_core.api import API
    from pymacaron_core.spec.description import Operation

MAX_DEPTH = 6  # recursive models: optional properties stop being filled below this depth
MODULE = "pymacaron_mock_handlers"  # where the generated handlers live (x-bind-server needs a dotted path)

_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000", "uri": "https://example.com", "url": "https://example.com",
    "hostname": "example.com", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "byte": "ZXhhbXBsZQ==",
    "password": "password", "time": "00:00:00Z",
}


def _resolve(schema, definitions):
    seen = set()
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            return {}
        seen.add(ref)
        name = ref.rsplit("/", 1)[-1]
        schema = definitions.get(name, {})
    return schema if isinstance(schema, dict) else {}


def _merged(schema, definitions):
    """allOf merged into one schema (properties and required united)."""
    schema = _resolve(schema, definitions)
    if "allOf" not in schema:
        return schema
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    props, required = dict(merged.get("properties") or {}), list(merged.get("required") or [])
    for part in schema["allOf"]:
        part = _merged(part, definitions)
        props.update(part.get("properties") or {})
        required += [r for r in part.get("required") or [] if r not in required]
        for key, value in part.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    merged["properties"], merged["required"] = props, required
    return merged


def _bound(schema, key, exclusive_key, step):
    """``minimum``/``maximum`` as an inclusive bound: Draft 4's boolean ``exclusiveMinimum`` and
    2020-12's numeric one both handled (``step``: +1 for a minimum, -1 for a maximum)."""
    bound, exclusive = schema.get(key), schema.get(exclusive_key)
    if isinstance(exclusive, (int, float)) and not isinstance(exclusive, bool):
        return exclusive + step
    if bound is not None and exclusive is True:
        return bound + step
    return bound


def _number(schema, integer):
    low = _bound(schema, "minimum", "exclusiveMinimum", 1)
    high = _bound(schema, "maximum", "exclusiveMaximum", -1)
    value = low if low is not None else (min(0, high) if high is not None else 0)
    multiple = schema.get("multipleOf")
    if multiple and value % multiple:
        value += multiple - value % multiple
    return int(value) if integer else float(value)


def _string(schema):
    text = _STRING_FORMATS.get(schema.get("format"), "string")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low and len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    return text


def generate(schema: dict[str, Any], definitions: dict[str, Any], _depth: int = 0) -> Any:
    """Data fitting ``schema`` (``$ref``s to ``#/definitions/<Name>`` resolved in ``definitions``)."""
    schema = _merged(schema, definitions)
    for key in ("example", "default"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if isinstance(schema.get("examples"), list) and schema["examples"]:  # JSON Schema 2020-12 (OpenAPI 3.1)
        return copy.deepcopy(schema["examples"][0])
    if schema.get("enum"):
        return copy.deepcopy(schema["enum"][0])
    if "const" in schema:
        return copy.deepcopy(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else ("array" if "items" in schema else None)
    if kind == "object":
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for name, prop in (schema.get("properties") or {}).items():
            if _depth >= MAX_DEPTH and name not in required:
                continue
            out[name] = generate(prop, definitions, _depth + 1)
        return out
    if kind == "array":
        count = max(1, schema.get("minItems") or 0)
        if schema.get("maxItems") == 0:
            count = 0
        if _depth >= MAX_DEPTH and not schema.get("minItems"):
            count = 0
        return [generate(schema.get("items") or {}, definitions, _depth + 1) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {}


def success_response(op: Operation) -> tuple[int, dict[str, Any] | None]:
    """(status, schema or None) of the operation's success response: 200, else its first 2xx, else 200."""
    codes = op.success_codes
    code = "200" if "200" in op.responses else (codes[0] if codes else None)
    if code is None:
        return 200, None
    return int(code), op.responses.get(code)


def _response_example(api, op, code):
    """The ``examples: {application/json: ...}`` of the response object in the spec, if any."""
    responses = ((api.doc.data.get("paths") or {}).get(op.path) or {}).get(op.method.lower(), {}).get("responses", {})
    response = responses.get(str(code)) if isinstance(responses, dict) else None
    examples = response.get("examples") if isinstance(response, dict) else None
    if isinstance(examples, dict):
        for media_type, value in examples.items():
            if "json" in media_type:
                return True, value
    return False, None


def mock_answer(api: API, op: Operation) -> tuple[Any, int]:
    """What the mock of ``op`` answers: ``(data, status)``."""
    status, schema = success_response(op)
    found, example = _response_example(api, op, status)
    if found:
        return copy.deepcopy(example), status
    if schema is None:
        return "", status
    return generate(schema, api.doc.definitions), status


def _handlers_module():
    module = sys.modules.get(MODULE)
    if module is None:
        module = types.ModuleType(MODULE, "Handlers of mocked operations (pymacaron.mock).")
        sys.modules[MODULE] = module
    return module


def bind_mocks(api: API, only_unbound: bool = True) -> list[Operation]:
    """Make each operation of ``api`` (only those without ``x-bind-server`` when ``only_unbound``)
    answer its mock: a generated handler is bound in its place -> the mocked operations."""
    module = _handlers_module()
    mocked = []
    if not only_unbound and getattr(api, "_serving_problems", None):
        # x-parent classes that do not import (the mock of another team's spec): plain models, as clients get
        api._serving_problems = []
    for index, op in enumerate(api.operations):
        if only_unbound and (op.handler or op.no_bind_server):
            continue
        answer = mock_answer(api, op)

        def handler(*args: Any, _answer: tuple[Any, int] = answer, **kwargs: Any) -> tuple[Any, int]:
            data, status = _answer
            return copy.deepcopy(data), status

        name = f"{_safe(api.name)}_{index}_{op.method.lower()}"
        handler.__name__ = handler.__qualname__ = name
        handler.__doc__ = f"Mock of {op.where}: answers {answer[1]} with an example."
        setattr(module, name, handler)
        op.handler = f"{MODULE}.{name}"
        if not only_unbound:
            op.decorate_server = None  # a mock checks no JWT, calls no service decorator
            op.security = None  # nor the spec's security: any caller gets the example
        mocked.append(op)
    return mocked


def _safe(name):
    return "".join(c if c.isalnum() else "_" for c in name)


def mock_unbound_enabled() -> bool:
    """``pymacaron run --mock-unbound`` (``PYM_MOCK_UNBOUND=1``): operations without a handler answer mocks."""
    return os.environ.get("PYM_MOCK_UNBOUND", "").strip().lower() in ("1", "true", "yes")

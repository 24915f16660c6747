"""Typed stubs (PEP 561 ``.pyi``) of a service's models and clients, for mypy and editors.

``pymacaron stubs`` writes two partial stub packages (PEP 561: ``py.typed`` says ``partial``, so
type checkers read every other module from the installed packages) under ``typings/`` of the
service; mypy finds them with ``PYTHONPATH=typings mypy ...`` (stub packages are looked up where
packages are installed and on PYTHONPATH, not on ``mypy_path``):

- ``pymacaron-stubs/models.pyi``: one class per model of the loaded specs, with each property typed
  (``str``, ``int``, ``float``, ``bool``, ``datetime.date``/``datetime.datetime`` for the date
  formats, lists, other models; an optional property may be ``None``), a keyword ``__init__``
  (required properties without default), and its ``x-parent`` class as a base (its methods kept);
- ``pymacaron_core-stubs/apipool.pyi``: ``ApiPool.<api>`` typed for each API, whose ``client`` has one
  method per ``x-bind-client`` operation (parameters typed, the body model first, the success
  model returned). ``from pymacaron import ApiPool`` gets it.

The generator is pure: specs (loaded APIs) in, text out.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pymacaron_core.api import API
    from pymacaron_core.models import PyMacaronModel
    from pymacaron_core.spec.description import Operation

HEADER = "# Written by `pymacaron stubs` from the service's specs: do not edit, run it again.\n"
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_FORMATS = {"date": "datetime.date", "date-time": "datetime.datetime"}
# the keyword options every client method takes (pymacaron_core.client.caller.ClientMethod.__call__)
CALL_OPTIONS = ["max_attempts: int = ...", "read_timeout: float = ...", "connect_timeout: float = ...",
                "request_headers: dict[str, str] | None = ..."]


def _ref_name(schema: object) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def py_type(schema: object, models: Collection[str], _depth: int = 0) -> str:
    """The Python type (as stub text) of values of ``schema``; ``models``: the model names stubbed."""
    if not isinstance(schema, dict) or _depth > 20:
        return "Any"
    name = _ref_name(schema)
    if name is not None:
        return name if name in models else "Any"
    kind = schema.get("type")
    nullable = schema.get("x-nullable") is True or schema.get("nullable") is True
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "string" and schema.get("format") in _FORMATS:
        text = _FORMATS[schema["format"]]
    elif kind in _SCALARS:
        text = _SCALARS[kind]
    elif kind == "array" or (kind is None and "items" in schema):
        text = f"list[{py_type(schema.get('items') or {}, models, _depth + 1)}]"
    elif kind == "object" or (kind is None and "properties" in schema):
        text = "dict[str, Any]"
    else:
        text = "Any"
    return f"{text} | None" if nullable and text != "Any" else text


def _properties(cls: type[PyMacaronModel]) -> tuple[dict[str, Any], set[str]]:
    from pymacaron_core.models.factory import collect_properties

    generated: Any = cls  # made by pymacaron_core's model factory, which sets _pym_schema
    schema = generated._pym_schema
    definitions = getattr(cls, "_pym_definitions", None) or {}
    props, required, _ = collect_properties(schema, definitions)
    return props, required


def model_stub(cls: type[PyMacaronModel], models: Collection[str], definitions: dict[str, Any]) -> str:
    """The stub of one model class (``definitions``: the spec's, for allOf ``$ref``s)."""
    from pymacaron_core.models.factory import collect_properties

    generated: Any = cls  # made by pymacaron_core's model factory, which sets _pym_schema
    props, required, _ = collect_properties(generated._pym_schema, definitions)
    bases = [f"_parent_{cls.__name__}" if _parent(cls) else None, "PyMacaronModel"]
    lines = [f"class {cls.__name__}({', '.join(b for b in bases if b)}):"]
    fields: list[str] = []
    params_required: list[str] = []
    params_optional: list[str] = []
    for prop, schema in props.items():
        if not prop.isidentifier() or keyword.iskeyword(prop):
            continue  # reachable as model[prop] only
        text = py_type(schema, models)
        optional = prop not in required
        shown = text if not optional or text == "Any" or text.endswith("| None") else f"{text} | None"
        fields.append(f"    {prop}: {shown}")
        if optional or (isinstance(schema, dict) and "default" in schema):
            params_optional.append(f"{prop}: {shown} = ...")
        else:
            params_required.append(f"{prop}: {text}")
    lines += fields
    params = ", ".join(["self", *(["*"] if params_required or params_optional else []), *params_required,
                        *params_optional])
    lines.append(f"    def __init__({params}) -> None: ...")
    return "\n".join(lines)


def _parent(cls: type[PyMacaronModel]) -> type | None:
    """The x-parent class of a model (its first base after PyMacaronModel), if any."""
    from pymacaron_core.models import PyMacaronModel

    for base in cls.__bases__:
        if base is not PyMacaronModel and base.__module__ != "builtins":
            return base
    return None


def models_stub(classes: Mapping[str, type[PyMacaronModel]], definitions: dict[str, Any]) -> str:
    """``pymacaron/models.pyi`` for ``classes`` ({name: model class})."""
    models = set(classes)
    lines = [HEADER, "import datetime", "from typing import Any", "",
             "from pymacaron_core.models import PyMacaronModel as PyMacaronModel",
             "from pymacaron_core.models import get_model as get_model"]
    for name in sorted(classes):
        parent = _parent(classes[name])
        if parent is not None:
            lines.append(f"from {parent.__module__} import {parent.__qualname__} as _parent_{name}")
    for name in sorted(classes):
        lines += ["", "", model_stub(classes[name], models, definitions)]
    return "\n".join(lines) + "\n"


def _client_method(op: Operation, models: Collection[str]) -> str:
    params = ["self"]
    if op.body is not None:
        params.append(f"{op.body.name if op.body.name.isidentifier() else 'body'}: "
                      f"{py_type(op.body.schema, models)}")
    keywords = []
    for p in op.parameters:
        if p.location == "body" or not p.name.isidentifier() or keyword.iskeyword(p.name):
            continue
        text = py_type(p.schema if "type" in p.schema or "$ref" in p.schema else {}, models)
        keywords.append(f"{p.name}: {text}" if p.required and not p.has_default
                        else f"{p.name}: {text} | None = ...")
    keywords.sort(key=lambda k: "= ..." in k)
    if keywords:
        params += ["*", *keywords]
    codes = op.success_codes
    schema = op.responses.get("200" if "200" in op.responses else (codes[0] if codes else ""), None)
    returns = py_type(schema, models) if isinstance(schema, dict) else "Any"
    params += ([] if keywords else ["*"]) + CALL_OPTIONS
    return f"    def {op.client_name}({', '.join(params)}) -> {returns}: ..."


def apipool_stub(apis: Mapping[str, API], models: set[str]) -> str:
    """``pymacaron_core/apipool.pyi``: ``ApiPool`` typed for each API of ``apis`` ({name: API}):
    ``ApiPool.<name>`` (names that are identifiers) and ``ApiPool.get("<name>")``."""
    used: set[str] = set()
    body: list[str] = []
    attrs: list[str] = []
    overloads: list[str] = []
    for name in sorted(apis):
        api = apis[name]
        ident = "".join(c if c.isalnum() else "_" for c in name)
        methods = []
        for op in api.operations:
            if op.client_name:
                methods.append(_client_method(op, models))
                used.update(set(re.findall(r"[A-Za-z_]\w*", methods[-1])) & models)
        body += ["", "", f"class _Client_{ident}:", *(methods or ["    ..."])]
        body += ["", "", f"class _Api_{ident}(API):", f"    client: _Client_{ident}"]
        if name.isidentifier() and not keyword.iskeyword(name):
            attrs.append(f"    {name}: _Api_{ident}")
        overloads += ["    @overload", "    @classmethod", f"    def get(cls, name: Literal[{name!r}]) -> _Api_{ident}: ..."]
    head = [HEADER, "from typing import Any, Literal, overload", "", "from pymacaron_core.api import API"]
    head += [f"from pymacaron.models import {n}" for n in sorted(used)]
    tail = ["", "", "class ApiPool:", *attrs, *overloads,
            *(["    @overload"] if overloads else []), "    @classmethod", "    def get(cls, name: str) -> API: ...",
            "    @classmethod", "    def add(cls, name: str, **kwargs: Any) -> API: ...",
            "    @classmethod", "    def has(cls, name: str) -> bool: ...",
            "    @classmethod", "    def all(cls) -> dict[str, API]: ...",
            "    @classmethod", "    def merge(cls) -> None: ...",
            "    @classmethod", "    def reset(cls) -> None: ...",
            "    @classmethod", "    def current_server_name(cls) -> str | None: ...",
            "    @classmethod", "    def current_server_api(cls) -> API | None: ..."]
    return "\n".join(head + body + tail) + "\n"


def service_stubs(apis: Mapping[str, API]) -> dict[str, str]:
    """{relative path: text} of the stubs for the loaded ``apis`` ({name: pymacaron_core API})."""
    classes: dict[str, type[PyMacaronModel]] = {}
    definitions: dict[str, Any] = {}
    for api in apis.values():
        for name, cls in api.models.items():
            classes.setdefault(name, cls)
            definitions.update(api.doc.definitions)
    models = set(classes)
    return {"pymacaron-stubs/py.typed": "partial\n", "pymacaron-stubs/models.pyi": models_stub(classes, definitions),
            "pymacaron_core-stubs/py.typed": "partial\n",
            "pymacaron_core-stubs/apipool.pyi": apipool_stub(apis, models)}

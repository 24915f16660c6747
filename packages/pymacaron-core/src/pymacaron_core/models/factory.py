"""Generate one model class per object definition of a spec.

For each class two functions are generated as source (registered with
``linecache``): ``build`` turns validated JSON into an instance (nested
models, dates and custom formats converted) and ``marshal`` turns an
instance back into JSON. Only properties that need converting get code;
the rest is one ``dict.update``. Conversions follow bravado-core.
"""

from __future__ import annotations

import datetime
import importlib
import linecache
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import SpecProblem
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.schema.dialects import single_type
from pymacaron_core.schema.compiler import Validator

if TYPE_CHECKING:
    from pymacaron_core.schema.compiler import SchemaCompiler
    from pymacaron_core.schema.formats import FormatRegistry
    from pymacaron_core.spec.document import SpecDocument

# A value converter (wire JSON -> Python, or back), called with the value.
Converter = Callable[..., Any]


def is_model_schema(schema: Any) -> bool:
    """bravado-core's rule: object definitions (explicit or with properties/allOf) are models."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "object":
        return True
    if isinstance(kind, list):  # OpenAPI 3.1: [object, "null"] is a model that may be null
        return "object" in kind and all(k in ("object", "null") for k in kind)
    return "type" not in schema and ("properties" in schema or "allOf" in schema)


def collect_properties(schema: dict[str, Any], definitions: dict[str, Any],
                       _seen: set[str] | None = None) -> tuple[dict[str, Any], set[str], bool]:
    """-> (ordered {name: schema}, required set, additional allowed), following allOf."""
    seen = set() if _seen is None else _seen
    props, required, additional = {}, set(), True
    parts = [schema] + list(schema.get("allOf") or [])
    for n, part in enumerate(parts):
        if n and isinstance(part, dict) and "$ref" in part:
            name = part["$ref"].rsplit("/", 1)[-1]
            if name in seen or name not in definitions:
                continue
            seen.add(name)
            p, r, a = collect_properties(definitions[name], definitions, seen)
        elif n:
            p, r, a = collect_properties(part, definitions, seen)
        else:
            p = part.get("properties") or {}
            r = set(part.get("required") or []) if isinstance(part.get("required"), list) else set()
            a = part.get("additionalProperties", True) is not False
        props.update(p)
        required |= r
        additional = additional and a
    return props, required, additional


class ModelFactory:
    """Builds the model classes of one API."""

    def __init__(self, api_name: str, doc: SpecDocument, formats: FormatRegistry, compiler: SchemaCompiler,
                 do_persist: bool = True) -> None:
        self.api_name = api_name
        self.doc = doc
        self.definitions = doc.definitions
        self.formats = formats
        self.compiler = compiler
        self.do_persist = do_persist
        self.classes: dict[str, type[PyMacaronModel]] = {}
        self.problems: list[SpecProblem] = []
        # x-parent / x-persist classes that cannot be imported: the plain model is built (a
        # client's copy of another service's spec need not import that service's code), and
        # serving the API stops start-up with these problems
        self.import_problems: list[SpecProblem] = []
        self._consts: dict[Any, str] = {}
        self.ns: dict[str, Any] = {"PyMacaronModel": PyMacaronModel, "_generic_to_json": generic_to_json,
                   "_generic_copy": generic_copy}

    # -- classes ----------------------------------------------------------

    def build_classes(self, shared: dict[str, type[PyMacaronModel]] | None = None) -> dict[str, type[PyMacaronModel]]:
        """Create every model class; ``shared`` maps names to classes to reuse."""
        for name, schema in self.definitions.items():
            if not is_model_schema(schema):
                continue
            if shared and name in shared:
                self.classes[name] = shared[name]
                continue
            self.classes[name] = self._make_class(name, schema)
        for name, cls in self.classes.items():
            if shared and name in shared:
                continue
            if self.compiler.lazy:
                self._defer_functions(name, cls)
            else:
                self._compile_functions(name, cls)
        return self.classes

    def _defer_functions(self, name, cls):
        """Generate the class's functions on first use (the compiler is lazy: its checks ran at load).

        Until then ``_pym_build`` and ``_pym_marshal`` generate both, under the compiler's lock, then
        call the generated one; a caller that kept one of them keeps working (one call more).
        """
        pending = [True]

        def ensure():
            with self.compiler._lock:
                if pending:
                    self._compile_functions(name, cls)
                    pending.clear()

        def build_first(j):
            ensure()
            return cls._pym_build(j)

        def marshal_first(o, keep_datetime=False):
            ensure()
            return cls._pym_marshal(o, keep_datetime)

        cls._pym_build = staticmethod(build_first)
        cls._pym_marshal = staticmethod(marshal_first)
        cls._pym_validator = self.compiler.definition_validator(name)

    def _import_class(self, name, key, dotted):
        path = ("definitions", name, key)
        module_name, _, attr = dotted.rpartition(".")
        try:
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        except Exception as e:  # ImportError, AttributeError, errors raised by the module
            self.import_problems.append(SpecProblem(
                self.doc.file, self.doc.line(path), f"definitions/{name}",
                f"{key} {dotted!r} cannot be imported: {e.__class__.__name__}: {e}",
                f"make sure {module_name} is importable and defines {attr}"))
            return None

    def _make_class(self, name, schema):
        props, required, additional = collect_properties(schema, self.definitions)
        bases = [PyMacaronModel]
        parent = schema.get("x-parent")
        if isinstance(parent, str):
            cls = self._import_class(name, "x-parent", parent)
            if cls is not None:
                bases.append(cls)
        persist = schema.get("x-persist") if self.do_persist else None
        if isinstance(persist, str):
            cls = self._import_class(name, "x-persist", persist)
            if cls is not None:
                bases.append(cls)
        attrs = {
            "__module__": "pymacaron_core.models",
            "__qualname__": name,
            "__doc__": schema.get("description") or f"Model {name} of API {self.api_name}.",
            "_pym_name": name,
            "_pym_api": self.api_name,
            "_pym_props": tuple(props),
            "_pym_prop_set": frozenset(props),
            "_pym_required": frozenset(required),
            "_pym_additional": additional,
            "_pym_open": _declares_additional(schema, self.definitions),
            "_pym_schema": schema,
            "__persistence_class__": persist,
        }
        reserved = set(dir(PyMacaronModel))
        for base in bases[1:]:
            reserved |= set(dir(base))
        storage = {prop: f"_pym:{prop}" for prop in props if prop in reserved or prop.startswith("_pym")}
        attrs["_pym_storage"] = storage
        attrs["_pym_fast_set"] = frozenset(p for p in props if p not in storage)
        for prop in props:
            if prop in storage or not prop.isidentifier():
                continue
            attrs[prop] = None
        try:
            return type(name, tuple(bases), attrs)
        except TypeError as e:
            self.problems.append(SpecProblem(self.doc.file, self.doc.line(("definitions", name)),
                                             f"definitions/{name}", f"cannot build the model class: {e}",
                                             "check that x-parent and x-persist classes can be combined"))
            return type(name, (PyMacaronModel,), attrs)

    # -- generated functions ----------------------------------------------

    def _const(self, value, prefix):
        key = (prefix, id(value))
        if key not in self._consts:
            cname = f"_{prefix}{len(self._consts)}"
            self._consts[key] = (cname, value)
            self.ns[cname] = value
        return self._consts[key][0]

    def _compile_functions(self, name, cls):
        props, required, additional = collect_properties(cls._pym_schema, self.definitions)
        safe = re.sub(r"[^0-9A-Za-z_]", "_", name)  # ASCII: "build_<safe>" is always an identifier
        cname = self._const(cls, "cls")
        prop_set = self._const(cls._pym_prop_set, "props")
        fast_set = self._const(cls._pym_fast_set, "fast")
        storage = cls._pym_storage
        build_name, marshal_name = f"build_{safe}", f"marshal_{safe}"

        lines = [f"def {build_name}(j):",
                 f"    o = {cname}.__new__({cname})",
                 "    d = o.__dict__",
                 f"    if j.keys() <= {fast_set}:",
                 "        d.update(j)",
                 "    else:",
                 f"        d.update((k, v) for k, v in j.items() if k in {fast_set})",
                 f"        extra = {{k: _generic_copy(v) for k, v in j.items() if k not in {prop_set}}}",
                 "        if extra:",
                 "            d['_pym_extra'] = extra"]
        for prop, key in storage.items():
            lines += [f"        if {prop!r} in j:", f"            d[{key!r}] = j[{prop!r}]"]
        for prop, schema in props.items():
            conv = self.to_python(schema)
            if conv is None:
                continue
            fname = self._const(conv, "py")
            key = storage.get(prop, prop)
            lines += [f"    v = d.get({key!r})",
                      "    if v is not None:",
                      f"        d[{key!r}] = {fname}(v)"]
        lines.append("    return o")

        m = [f"def {marshal_name}(o, keep_datetime=False):",
             "    d = o.__dict__",
             "    out = {}"]
        for prop, schema in props.items():
            conv = self.to_wire(schema)
            dialect = self.compiler.dialect.name
            target = schema
            if dialect != "swagger2" and self._ref_name(schema) is not None:  # a $ref to a schema that may be null
                target = self.definitions.get(self._ref_name(schema))
            keep_null = prop in required or _nullable(schema, dialect) or _nullable(target, dialect)
            m += [f"    v = d.get({storage.get(prop, prop)!r})", "    if v is not None:"]
            if conv is None:
                m.append(f"        out[{prop!r}] = v")
            else:
                fname = self._const(conv, "wire")
                if _is_date_format(schema, self.definitions):
                    m.append(f"        out[{prop!r}] = v if keep_datetime else {fname}(v)")
                else:
                    m.append(f"        out[{prop!r}] = {fname}(v)")
            if keep_null:
                m += ["    else:", f"        out[{prop!r}] = None"]
        m += ["    extra = d.get('_pym_extra')",
              "    if extra:",
              "        for k, v in extra.items():",
              "            if v is not None:",
              "                out[k] = _generic_to_json(v)",
              "    return out"]
        text = "\n".join(lines + [""] + m) + "\n"
        filename = f"<pymacaron-model {self.api_name}:{name}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        exec(compile(text, filename, "exec"), self.ns)
        cls._pym_build = staticmethod(self.ns[build_name])
        cls._pym_marshal = staticmethod(self.ns[marshal_name])
        if not isinstance(cls.__dict__.get("_pym_validator"), Validator):
            cls._pym_validator = self.compiler.definition_validator(name)

    # -- per-schema converters (None means identity) ----------------------

    def _ref_name(self, schema):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            return ref[len("#/definitions/"):]
        return None

    def to_python(self, schema: Any, _depth: int = 0) -> Converter | None:
        """The function turning a validated wire value of ``schema`` into its Python value (models
        built, formats such as dates converted, discriminators followed); None when the value is kept
        as it is."""
        if not isinstance(schema, dict) or _depth > 30:
            return None
        name = self._ref_name(schema)
        if name is not None:
            chooser = self._discriminated(self.definitions.get(name), _depth)
            if chooser is not None:
                return chooser
            if name in self.classes:
                cls = self.classes[name]
                return lambda v, cls=cls: cls._pym_build(v) if isinstance(v, dict) else v
            return self.to_python(self.definitions.get(name) or {}, _depth + 1)
        chooser = self._discriminated(schema, _depth)
        if chooser is not None:
            return chooser
        kind = single_type(schema.get("type"))
        if kind == "array" or "items" in schema and kind is None:
            item = self.to_python(schema.get("items") or {}, _depth + 1)
            if item is None:
                return None
            return lambda v, f=item: [None if x is None else f(x) for x in v] if isinstance(v, list) else v
        if kind == "object" or "properties" in schema:
            props = {k: self.to_python(s, _depth + 1) for k, s in (schema.get("properties") or {}).items()}
            props = {k: f for k, f in props.items() if f is not None}
            extra = schema.get("additionalProperties")
            extra_conv = self.to_python(extra, _depth + 1) if isinstance(extra, dict) else None
            if not props and extra_conv is None:
                return None

            def convert(v, props=props, extra_conv=extra_conv):
                if not isinstance(v, dict):
                    return v
                out = {}
                for k, x in v.items():
                    f = props.get(k, extra_conv)
                    out[k] = f(x) if f is not None and x is not None else x
                return out
            return convert
        fmt = schema.get("format")
        if fmt:
            return self.formats.to_python(fmt)
        return None

    def _discriminated(self, schema, _depth):
        """OpenAPI's ``discriminator`` (propertyName + mapping) on a oneOf/anyOf, or on a model others
        extend with allOf: a converter building the model class the discriminating value names."""
        if not isinstance(schema, dict) or _depth > 30:
            return None
        disc = schema.get("discriminator")
        if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
            return None
        choices = {}
        for part in (schema.get("oneOf") or []) + (schema.get("anyOf") or []):
            ref = self._ref_name(part) if isinstance(part, dict) else None
            if ref in self.classes:
                choices[ref] = self.classes[ref]
        own = schema.get("x-model")
        if not choices and own in self.classes:  # allOf inheritance: every model whose allOf names this one
            choices[own] = self.classes[own]
            for cname, cls in self.classes.items():
                parts = cls._pym_schema.get("allOf") or ()
                if any(isinstance(p, dict) and self._ref_name(p) == own for p in parts):
                    choices[cname] = cls
        for value, target in (disc.get("mapping") or {}).items():
            if isinstance(target, str):
                target_name = target.rsplit("/", 1)[-1]
                if target_name in self.classes:
                    choices[value] = self.classes[target_name]
        if not choices:
            return None
        prop = disc["propertyName"]
        fallback = self.classes.get(own) if own in self.classes else None

        def choose(v, choices=choices, prop=prop, fallback=fallback):
            if not isinstance(v, dict):
                return v
            cls = choices.get(v.get(prop), fallback)
            return cls._pym_build(v) if cls is not None else v
        return choose

    def to_wire(self, schema: Any, _depth: int = 0) -> Converter | None:
        """The function turning a Python value of ``schema`` into JSON types (models marshalled,
        formats converted); None when the value is written as it is."""
        if not isinstance(schema, dict) or _depth > 30:
            return generic_to_json
        name = self._ref_name(schema)
        if name is not None:
            if name in self.classes:
                return _model_to_json
            return self.to_wire(self.definitions.get(name) or {}, _depth + 1)
        kind = single_type(schema.get("type"))
        if kind == "array":
            item = self.to_wire(schema.get("items") or {}, _depth + 1)
            if item is None:
                return list
            return lambda v, f=item: [None if x is None else f(x) for x in v] if isinstance(v, (list, tuple)) \
                else generic_to_json(v)
        if kind == "object" or "properties" in schema or "allOf" in schema or not kind:
            return generic_to_json
        fmt = schema.get("format")
        if fmt:
            conv = self.formats.to_wire(fmt)
            if conv is not None:
                return conv
        return None


def _declares_additional(schema, definitions, _seen=None):
    """True when the definition explicitly allows other properties (``additionalProperties``
    true or a schema), itself or through ``allOf``."""
    seen = set() if _seen is None else _seen
    if not isinstance(schema, dict):
        return False
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, dict):
        return True
    for part in schema.get("allOf") or ():
        if isinstance(part, dict) and "$ref" in part:
            name = part["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                continue
            seen.add(name)
            part = definitions.get(name)
        if _declares_additional(part, definitions, seen):
            return True
    return False


def _nullable(schema, dialect="swagger2"):
    """May the value be null: x-nullable (every dialect), nullable (3.0), a type array with null (3.1)."""
    if not isinstance(schema, dict):
        return False
    if schema.get("x-nullable") is True:
        return True
    if dialect == "oas30":
        return schema.get("nullable") is True
    if dialect == "oas31":
        kind = schema.get("type")
        return isinstance(kind, list) and "null" in kind
    return False


def _is_date_format(schema, definitions):
    return isinstance(schema, dict) and schema.get("format") in ("date", "date-time")


def _model_to_json(v):
    if isinstance(v, PyMacaronModel):
        return type(v)._pym_marshal(v, False)
    return generic_to_json(v)


def generic_to_json(v: Any) -> Any:
    """Deep-convert models, dates, tuples in a free-form value to JSON types."""
    if isinstance(v, PyMacaronModel):
        model_class: Any = type(v)  # a generated class: it has _pym_marshal
        return model_class._pym_marshal(v, False)
    if isinstance(v, dict):
        return {k: generic_to_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [generic_to_json(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def generic_copy(v: Any) -> Any:
    """A copy of a JSON value, its dicts and lists copied at every level (other values shared)."""
    if isinstance(v, dict):
        return {k: generic_copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [generic_copy(x) for x in v]
    return v

"""Compile JSON schemas (Swagger 2.0, OpenAPI 3.0, OpenAPI 3.1) into fast validator functions.

Each schema becomes Python source, compiled once at start-up and registered
with ``linecache`` so tracebacks and debuggers show the generated lines. One
function is generated per referenced schema (so ``$ref`` cycles work) and one
per request/response schema. A validator walks the value once and appends
every problem it finds as ``(path, rule, message)``; a valid value costs only
the checks themselves. Messages use jsonschema's wording ("'a' is a required
property"), located by path (``body.items[3].name``).

Dialects (:mod:`.dialects`): ``swagger2`` is JSON Schema Draft 4 with
bravado-core's semantics (``x-nullable``, ``discriminator`` + ``x-model``,
``type: file``), unchanged since v1; ``oas30`` is the OpenAPI 3.0 Schema
Object (Draft 4 subset, ``nullable`` as OpenAPI 3.0.3 defines it: it admits
``null`` at the ``type`` check only, ``$ref`` siblings ignored); ``oas31`` is
JSON Schema 2020-12 (type arrays, ``const``, ``prefixItems``, ``contains``,
``unevaluated*`` with annotation tracking, ``dependent*``, ``if``/``then``/
``else``, boolean schemas, ``$defs``, ``$id``/``$anchor``/``$dynamicRef``).
The property-based tests compare our verdicts with jsonschema's
``Draft4Validator`` / ``Draft202012Validator`` and openapi-schema-validator.

References: named schemas are ``#/definitions/<Name>`` whatever the spec
version (the normalize stage rewrites ``#/components/schemas/X``); any other
JSON pointer into the document, ``$id``-relative references, anchors and the
extra ``resources`` (documents by URI, e.g. meta-schemas) resolve too.
``$dynamicRef`` is resolved at compile time: the outermost binding of a
dynamic anchor is part of the key of each generated function, so the
dynamic scope costs nothing per request.

OpenAPI extras (``oas30``, ``oas31``):

- ``discriminator`` (``propertyName``, ``mapping``, or the implicit schema
  name): next to ``oneOf``/``anyOf`` the value of the property selects the
  one branch to validate against (as ajv does; a clear error names the
  accepted values); on a parent schema that children extend with
  ``allOf: [{$ref: Parent}, ...]`` it selects the child.
- ``direction`` (``"request"`` | ``"response"`` | ``None``): a ``readOnly``
  value in a request and a ``writeOnly`` value in a response are reported,
  and ``required`` does not demand them there.

Formats: ``format`` is asserted with our checkers (:mod:`.formats`) in every
dialect, as bravado-core did. JSON Schema 2020-12 makes ``format`` an
annotation by default; an OpenAPI author writing ``format: email`` expects it
enforced, so we assert it, and the equivalence tests give the reference
validators a ``FormatChecker`` (and only use formats both sides check).
"""

from __future__ import annotations

import itertools
import linecache
import re
import threading
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urldefrag

from pymacaron_core.exceptions import Problem, format_location
from pymacaron_core.schema.dialects import dialect as _dialect
from pymacaron_core.schema.export import literal
from pymacaron_core.schema.refs import SchemaIndex
from pymacaron_core.schema.runtime import (
    MISSING,
    ItemsPlan,
    KeysPlan,
    SchemaFunction,
    canon,
    enum_ok,
    multiple_ok,
    ok,
    unique_ok,
)

if TYPE_CHECKING:
    from pymacaron_core.schema.formats import FormatRegistry

# The exact-class tests first: JSON values are exactly int/float, and `x.__class__ is int` costs a fifth
# of `isinstance(x, int) and not isinstance(x, bool)` (subclasses still take the slower, complete test).
_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "integer": "({v}.__class__ is int or isinstance({v}, int) and not isinstance({v}, bool))",
    "number": ("({v}.__class__ is float or {v}.__class__ is int "
               "or isinstance({v}, (int, float)) and not isinstance({v}, bool))"),
    "boolean": "isinstance({v}, bool)",
    "array": "isinstance({v}, list)",
    "object": "isinstance({v}, dict)",
    "null": "{v} is None",
    "file": "True",
}
# Draft 6 and later: 1.0 is an integer.
_INTEGER_MODERN = ("({v}.__class__ is int or isinstance({v}, int) and not isinstance({v}, bool) "
                   "or isinstance({v}, float) and {v}.is_integer())")

_STRING_KEYS = ("minLength", "maxLength", "pattern")
_NUMBER_KEYS = ("minimum", "maximum", "multipleOf")
_NUMBER_KEYS_MODERN = _NUMBER_KEYS + ("exclusiveMinimum", "exclusiveMaximum")
_ARRAY_KEYS = ("items", "minItems", "maxItems", "uniqueItems", "additionalItems")
_ARRAY_KEYS_MODERN = ("items", "prefixItems", "contains", "minItems", "maxItems", "uniqueItems", "unevaluatedItems")
_OBJECT_KEYS = ("properties", "required", "additionalProperties", "minProperties",
                "maxProperties", "discriminator", "patternProperties")
_OBJECT_KEYS_MODERN = ("properties", "required", "additionalProperties", "minProperties", "maxProperties",
                       "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas",
                       "unevaluatedProperties")
# Keywords that never fail a value (a property schema made only of these is not checked).
_ANNOTATIONS = frozenset(("description", "title", "example", "examples", "xml", "externalDocs", "default",
                          "readOnly", "writeOnly", "deprecated", "$comment", "$schema", "$anchor",
                          "$dynamicAnchor", "contentMediaType", "contentEncoding", "contentSchema",
                          "nullable", "$defs", "definitions"))

DIRECTIONS = (None, "request", "response")
_SPARSE_MIN = 8  # declared properties from which sparse_objects walks the value's keys


class Validator:
    """A compiled schema: ``validator(value, path=()) -> [Problem, ...]``."""

    __slots__ = ("_func", "name", "schema")

    def __init__(self, func: SchemaFunction, name: str, schema: Any) -> None:
        self._func = func
        self.name = name
        self.schema = schema

    def raw(self, value: Any, path: tuple = ()) -> list[tuple[tuple, str, str]]:
        """Problems as (path tuple, rule, message) tuples: the cheap form."""
        errors: list[tuple[tuple, str, str]] = []
        self._func(value, path, errors)
        return errors

    def __call__(self, value: Any, path: tuple = ()) -> list[Problem]:
        return [Problem(format_location(p), rule, msg) for p, rule, msg in self.raw(value, path)]

    def is_valid(self, value: Any) -> bool:
        """Whether ``value`` passes the schema (:meth:`raw`'s walk finds no problem)."""
        errors: list[tuple[tuple, str, str]] = []
        self._func(value, (), errors)
        return not errors

    def __repr__(self):
        return f"<Validator {self.name}>"


class _Source:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def indent(self):
        self.depth += 1

    def dedent(self):
        self.depth -= 1

    def close(self, mark):
        """End a block opened at ``mark``, giving it a body if nothing was emitted."""
        if len(self.lines) == mark:
            self.line("pass")
        self.dedent()

    def text(self):
        return "\n".join(self.lines) + "\n"


class _Ctx(NamedTuple):
    """What a generated function is specialised for (part of its cache key)."""

    base: str  # base URI in force (2020-12 `$id`)
    bindings: tuple = ()  # ((dynamic anchor, uri of the outermost resource defining it), ...)
    direction: str | None = None
    suppress: frozenset = frozenset()  # ids of discriminator schemas not to dispatch again on this value

    def child(self):
        """The context for a value inside this one (properties, items...)."""
        return self._replace(suppress=frozenset()) if self.suppress else self


def _safe(name):
    return re.sub(r"[^0-9A-Za-z_]", "_", str(name))  # ASCII: after a prefix, always an identifier


class SchemaCompiler:
    """Compiles the schemas of one API (sharing its definitions, formats and dialect).

    ``definitions``: named schemas, referenced as ``#/definitions/<Name>``.
    ``root``: the document other local pointers resolve against (default
    ``{"definitions": definitions}``), with base URI ``base_uri``.
    ``resources``: other documents by URI (meta-schemas, bundled files).
    """

    def __init__(self, definitions: dict[str, Any], formats: FormatRegistry, label: str = "api",
                 check_formats: bool = True, dialect: str = "swagger2", root: dict[str, Any] | None = None,
                 base_uri: str = "", resources: dict[str, Any] | None = None, lazy: bool = False,
                 record: bool = False, identifiers: bool = True, sparse_objects: bool = False) -> None:
        self.definitions = definitions
        # sparse_objects: a schema declaring many properties walks the value's keys instead (same verdict and
        # problems, listed in the value's key order rather than the schema's: for the structure check)
        self.sparse_objects = sparse_objects
        # record: keep the source of every generated function, in order (see schema/export.py)
        self.recorded: list[str] | None = [] if record else None
        # lazy: validators are generated on their first call (an API's hundreds of operations do not all
        # pay at start-up). Only for schemas whose generation cannot fail: the caller has checked them
        # (stage 2: every $ref resolves, every pattern compiles; see spec/README.md).
        self.lazy = lazy
        self._lock = threading.RLock()
        self.formats = formats
        self.check_formats = check_formats
        self.label = label
        self.dialect = _dialect(dialect)
        self.base_uri = base_uri
        # identifiers=False: the caller knows no schema has an $id, $anchor or $dynamicAnchor (2020-12), so
        # there is nothing to index: every node's base is the document's, which lookups default to
        self.index = SchemaIndex(self.dialect.modern and identifiers)
        for uri, document in (resources or {}).items():
            self.index.add(uri, document)
        self.index.add(base_uri, root if root is not None else {"definitions": definitions})
        if root is not None and root.get("definitions") is not definitions:
            for sub in definitions.values():
                self.index.walk(sub, base_uri)
        self._names = {id(s): n for n, s in definitions.items()}
        self._ids = itertools.count()
        self._funcs: dict[tuple[int, _Ctx], str] = {}  # (id(node), ctx) -> generated function name
        self._pending: list[tuple[str, Any, _Ctx, str]] = []  # (name, node, ctx, where): to generate
        self._consts: dict[tuple[str, Any], str] = {}
        self._tables: list[tuple[dict[str, Any], dict[str, str]]] = []  # discriminator tables to fill
        self._plans: dict[tuple[type, int, _Ctx, bool], KeysPlan | ItemsPlan] = {}
        self._children: dict[int, list[tuple[str, Any]]] | None = None
        self._keep: list[Any] = []  # nodes whose id() keys a function must stay alive
        self.ns = {
            "MISSING": MISSING,
            "_enum_ok": enum_ok,
            "_unique_ok": unique_ok,
            "_multiple_ok": multiple_ok,
            "_ok": ok,
            "_canon": canon,
            "_discriminate": self._discriminate,
        }
        self._disc_cache: dict[tuple[str, str], Validator | None] = {}

    # -- public -----------------------------------------------------------

    def compile(self, schema: Any, name: str = "schema", direction: str | None = None) -> Validator:
        """A validator for an inline schema (a body, a parameter, a response)."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        if self.lazy:
            with self._lock:
                self._walk(schema)  # the index is complete at start-up: only the code waits
            return self._lazy(schema, name, lambda: self._compile_now(schema, name, direction, walked=True))
        with self._lock:
            return self._compile_now(schema, name, direction)

    def definition_validator(self, name: str, direction: str | None = None) -> Validator:
        """The validator of the named schema ``#/definitions/<name>``."""
        node = self.definitions[name]
        if self.lazy:
            return self._lazy(node, name, lambda: self._definition_now(name, direction))
        with self._lock:
            return self._definition_now(name, direction)

    def _lazy(self, schema, name, build):
        """A validator whose function is generated on its first call (once, whichever thread calls)."""
        def first_call(x, p, e):
            with self._lock:
                if validator._func is first_call:
                    validator._func = build()._func
            return validator._func(x, p, e)

        validator = Validator(first_call, name, schema)
        return validator

    def _walk(self, schema):
        if self.dialect.modern and isinstance(schema, dict):
            self.index.walk(schema, self.base_uri)

    def _compile_now(self, schema, name, direction, walked=False):
        if not walked:
            self._walk(schema)
        fname = f"validate_{_safe(name)}_{next(self._ids)}"
        src = _Source()
        src.line(f"def {fname}(x, p, e):")
        src.indent()
        self._emit(src, schema, "x", [], 0, self._root_ctx(direction))
        src.line("return None")
        self._exec(fname, src, f"{self.label}:{name}")
        self._flush()
        return Validator(self.ns[fname], name, schema)

    def _definition_now(self, name, direction):
        node = self.definitions[name]
        ctx = self._root_ctx(direction)
        base = self.index.base_of.get(id(node), self.base_uri)
        fname = self._function_for(node, self._enter(ctx._replace(base=base), base))
        self._flush()
        return Validator(self.ns[fname], name, node)

    # -- code generation --------------------------------------------------

    def _root_ctx(self, direction):
        if direction is not None and not self.dialect.oas:
            direction = None  # readOnly/writeOnly are annotations outside OpenAPI 3
        return self._enter(_Ctx(self.base_uri, direction=direction), self.base_uri)

    def _enter(self, ctx, uri):
        """``ctx`` once evaluation entered resource ``uri``: its dynamic anchors bind, unless bound."""
        anchors = self.index.dynamic_anchors(uri)
        if not anchors:
            return ctx
        bound = {name for name, _ in ctx.bindings}
        new = tuple((name, uri) for name in sorted(anchors) if name not in bound)
        return ctx._replace(bindings=ctx.bindings + new) if new else ctx

    def _exec(self, fname, src, where):
        text = src.text()
        filename = f"<pymacaron-validator {where}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        exec(compile(text, filename, "exec"), self.ns)
        if self.recorded is not None:
            self.recorded.append(text)

    def _function_for(self, node, ctx):
        """The name of the function validating ``node`` in ``ctx`` (generated on flush)."""
        key = (id(node), ctx)
        fname = self._funcs.get(key)
        if fname is None:
            name = self._names.get(id(node))
            suffix = "" if ctx.direction is None else f"_{ctx.direction}"
            fname = f"def_{_safe(name)}{suffix}_{next(self._ids)}" if name else f"sub{suffix}_{next(self._ids)}"
            self._funcs[key] = fname
            self._keep.append(node)
            where = f"definitions/{name}" if name else fname
            self._pending.append((fname, node, ctx, where))
        return fname

    def _flush(self):
        while self._pending:
            fname, node, ctx, where = self._pending.pop()
            src = _Source()
            src.line(f"def {fname}(x, p, e):")
            src.indent()
            self._emit(src, node, "x", [], 0, ctx)
            src.line("return None")
            self._exec(fname, src, f"{self.label}:{where}")
        for table, names in self._tables:
            table.update((value, self.ns[fname]) for value, fname in names.items())
        self._tables = []

    def _const(self, value, prefix="c"):
        plain = isinstance(value, (str, int, float, tuple, frozenset, re.Pattern))
        if plain:
            try:  # equal values share a constant; sets are written sorted, so the names never depend on hashing
                key: tuple[str, Any] = (prefix, literal(value))
            except ValueError:
                key = (prefix, repr(value))
        else:
            key = (prefix, id(value))
        if key not in self._consts:
            cname = f"_{prefix}{len(self._consts)}"
            self._consts[key] = cname
            self.ns[cname] = value
            if not plain:
                self._keep.append(value)
        return self._consts[key]

    @staticmethod
    def _path(path):
        if not path:
            return "p"
        return "p + (" + ", ".join(path) + ",)"

    def _err(self, src, path, rule, message_expr):
        src.line(f"e.append(({self._path(path)}, {rule!r}, {message_expr}))")

    def _resolve(self, ref, ctx):
        """-> (node, ctx at that node) for a $ref written where ``ctx`` holds."""
        if ref.startswith("#/definitions/") and ctx.base == self.base_uri:
            name = unquote(ref[len("#/definitions/"):]).replace("~1", "/").replace("~0", "~")
            if name in self.definitions:
                node = self.definitions[name]
                return node, ctx
        node, base = self.index.resolve(ref, ctx.base)
        if base != ctx.base:
            ctx = self._enter(ctx._replace(base=base), base)
        return node, ctx

    def _resolve_dynamic(self, ref, ctx):
        node, target_ctx = self._resolve(ref, ctx)
        fragment = urldefrag(self.index.absolute(ref, ctx.base))[1]
        if fragment and not fragment.startswith("/") and isinstance(node, dict) \
                and node.get("$dynamicAnchor") == fragment:
            for name, uri in ctx.bindings:
                if name == fragment:
                    node = self.index.dynamic_anchors(uri)[name]
                    base = self.index.base_of.get(id(node), uri)
                    return node, self._enter(ctx._replace(base=base), base)
        return node, target_ctx

    def _call(self, src, node, ctx, v, path):
        src.line(f"{self._function_for(node, ctx)}({v}, {self._path(path)}, e)")

    def _emit(self, src, schema, v, path, depth, ctx):
        d = self.dialect
        if schema is True or schema is False:
            if d.modern and schema is False:
                self._err(src, path, "false", f"'False schema does not allow %r' % ({v},)")
            return
        if not isinstance(schema, dict) or not schema:
            return
        if d.modern and isinstance(schema.get("$id"), str):
            base = self.index.base_of.get(id(schema)) or self.index.absolute(schema["$id"], ctx.base)
            base = urldefrag(base)[0]
            if base != ctx.base:
                ctx = self._enter(ctx._replace(base=base), base)
        if d.oas and ctx.direction is not None:
            self._direction(src, schema, v, path, ctx)
        x_nullable = d.x_nullable and schema.get("x-nullable") is True
        if "$ref" in schema and not d.ref_siblings:
            node, target = self._resolve(schema["$ref"], ctx)
            if x_nullable:
                src.line(f"if {v} is not None:")
                src.indent()
                self._call(src, node, target, v, path)
                src.dedent()
            else:
                self._call(src, node, target, v, path)
            return
        if x_nullable:
            src.line(f"if {v} is not None:")
            src.indent()
            mark = len(src.lines)
        disc = self._oas_discriminator(schema, ctx)
        if disc is not None and not any(isinstance(schema.get(k), list) for k in ("oneOf", "anyOf")):
            self._inheritance(src, schema, disc, v, path, depth, ctx)
        else:
            self._body(src, schema, v, path, depth, ctx)
        if x_nullable:
            src.close(mark)

    def _body(self, src, schema, v, path, depth, ctx):
        d = self.dialect
        if d.modern:
            if "$ref" in schema:
                node, target = self._resolve(schema["$ref"], ctx)
                self._call(src, node, target, v, path)
            if isinstance(schema.get("$dynamicRef"), str):
                node, target = self._resolve_dynamic(schema["$dynamicRef"], ctx)
                self._call(src, node, target, v, path)
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        if isinstance(types, list) and types:
            known = [t for t in types if t in _TYPE_TESTS]
            test = " or ".join(self._type_test(t, v) for t in known) or "True"
            if test != "True":
                if d.nullable and schema.get("nullable") is True and "null" not in known:
                    test = f"{v} is None or {test}"
                    known = known + ["null"]
                src.line(f"if not ({test}):")
                src.indent()
                wanted = ", ".join(repr(t) for t in types)
                self._err(src, path, "type", f"'%r is not of type %s' % ({v}, {wanted!r})")
                src.dedent()
                src.line("else:")
                src.indent()
                mark_else = len(src.lines)
                self._checks(src, schema, v, path, depth, known, ctx)
                src.close(mark_else)
            else:
                self._checks(src, schema, v, path, depth, known, ctx)
        else:
            self._checks(src, schema, v, path, depth, None, ctx)

    def _type_test(self, kind, v):
        if kind == "integer" and self.dialect.modern:
            return _INTEGER_MODERN.format(v=v)
        return _TYPE_TESTS[kind].format(v=v)

    def _guard(self, src, types, kind, v, test):
        """Open an isinstance guard unless the type check already ensured it."""
        if types is not None and types == [kind] or types == ["integer"] and kind == "number":
            return False
        src.line(f"if {test.format(v=v)}:")
        src.indent()
        return True

    def _checks(self, src, schema, v, path, depth, types, ctx):
        d = self.dialect
        if "enum" in schema:
            self._enum(src, schema, v, path, types)
        if d.modern and "const" in schema:
            cname = self._const(canon(schema["const"]), "const")
            src.line(f"if _canon({v}) != {cname}:")
            src.indent()
            self._err(src, path, "const", f"'%r was expected' % ({schema['const']!r},)")
            src.dedent()
        families = (
            (_STRING_KEYS, "string", lambda: self._string(src, schema, v, path)),
            (_NUMBER_KEYS_MODERN if d.modern else _NUMBER_KEYS, "number", lambda: self._number(src, schema, v, path)),
            (_ARRAY_KEYS_MODERN if d.modern else _ARRAY_KEYS, "array",
             lambda: self._array(src, schema, v, path, depth, ctx)),
            (_OBJECT_KEYS_MODERN if d.modern else _OBJECT_KEYS, "object",
             lambda: self._object(src, schema, v, path, depth, ctx)),
        )
        for keys, kind, emit in families:
            if not any(k in schema for k in keys):
                continue
            opened = self._guard(src, types, kind, v, _TYPE_TESTS[kind])
            mark = len(src.lines)
            emit()
            if opened:
                src.close(mark)
            if kind == "string" and "format" in schema and self.check_formats:
                self._format(src, schema, v, path)
        if "format" in schema and self.check_formats and not any(k in schema for k in _STRING_KEYS):
            self._format(src, schema, v, path)
        for sub in schema.get("allOf") or ():
            self._emit(src, sub, v, path, depth, ctx)
        disc = self._oas_discriminator(schema, ctx)
        for keyword in ("anyOf", "oneOf"):
            if isinstance(schema.get(keyword), list):
                if disc is not None:
                    self._dispatch(src, schema, disc, keyword, v, path, depth, ctx)
                else:
                    self._combinator(src, keyword, schema[keyword], v, path, ctx)
        if "not" in schema and (isinstance(schema["not"], dict) or d.modern and isinstance(schema["not"], bool)):
            check = self._function_for(schema["not"], ctx)
            src.line(f"if _ok({check}, {v}):")
            src.indent()
            self._err(src, path, "not", f"'%r should not be valid under %r' % ({v}, {schema['not']!r})")
            src.dedent()
        if d.modern and "if" in schema and ("then" in schema or "else" in schema):
            check = self._function_for(schema["if"], ctx)
            src.line(f"if _ok({check}, {v}):")
            src.indent()
            mark = len(src.lines)
            self._emit(src, schema.get("then", True), v, path, depth, ctx)
            src.close(mark)
            if "else" in schema:
                src.line("else:")
                src.indent()
                mark = len(src.lines)
                self._emit(src, schema["else"], v, path, depth, ctx)
                src.close(mark)

    def _format(self, src, schema, v, path):
        check = self.formats.validator(schema["format"])
        if check is not None:
            cname = self._const(check, "fmt")
            src.line(f"m = {cname}({v})")
            src.line("if m is not None:")
            src.indent()
            self._err(src, path, "format", "m")
            src.dedent()

    def _const_choices(self, branches):
        """The branches' constants when each branch is only a ``const`` (with annotations such as ``title``) and
        no two are equal: then oneOf and anyOf mean "one of these values" (an enum written with a title per
        value); else None."""
        if not self.dialect.modern or not branches:
            return None
        values, seen = [], set()
        for branch in branches:
            if not isinstance(branch, dict) or "const" not in branch \
                    or any(k != "const" and k not in _ANNOTATIONS and not k.startswith("x-") for k in branch):
                return None
            key = canon(branch["const"])
            if key in seen:
                return None  # two equal values: oneOf would refuse it, an enum accept it
            seen.add(key)
            values.append(branch)
        return values

    def _combinator(self, src, keyword, branches, v, path, ctx):
        choices = self._const_choices(branches)
        if choices is not None:  # the same verdict, said as the values allowed
            cname = self._const(frozenset(canon(b["const"]) for b in choices), "enum")
            said = ", ".join(f"{b['const']!r} ({b['title']})" if isinstance(b.get("title"), str) else repr(b["const"])
                             for b in choices)
            src.line(f"if _canon({v}) not in {cname}:")
            src.indent()
            self._err(src, path, keyword, f"'%r is not one of: %s' % ({v}, {said!r})")
            src.dedent()
            return
        checks = [self._function_for(b, ctx) for b in branches]
        if keyword == "anyOf":
            src.line(f"if not ({' or '.join(f'_ok({c}, {v})' for c in checks)}):")
            message = "'%r is not valid under any of the given schemas' % (" + v + ",)"
        else:
            src.line(f"n = {' + '.join(f'_ok({c}, {v})' for c in checks)}")
            src.line("if n != 1:")
            message = ("('%r is not valid under any of the given schemas' if n == 0 else "
                       "'%r is valid under each of several of the given schemas') % (" + v + ",)")
        src.indent()
        self._err(src, path, keyword, message)
        src.dedent()

    def _enum(self, src, schema, v, path, types):
        options = schema["enum"]
        if not isinstance(options, list):
            return
        if all(isinstance(o, str) for o in options):
            cname = self._const(frozenset(options), "enum")
            src.line(f"if {v} not in {cname}:" if types == ["string"] else
                     f"if not (isinstance({v}, str) and {v} in {cname}):")
        else:  # JSON equality is equality of canonical forms (1 == 1.0, true != 1), which hash
            cname = self._const(frozenset(canon(o) for o in options), "enum")
            src.line(f"if _canon({v}) not in {cname}:")
        src.indent()
        self._err(src, path, "enum", f"'%r is not one of %r' % ({v}, {list(options)!r})")
        src.dedent()

    def _string(self, src, schema, v, path):
        if "minLength" in schema:
            n = schema["minLength"]
            src.line(f"if len({v}) < {n!r}:")
            src.indent()
            self._err(src, path, "minLength", f"'%r is too short (minLength %d)' % ({v}, {n!r})")
            src.dedent()
        if "maxLength" in schema:
            n = schema["maxLength"]
            src.line(f"if len({v}) > {n!r}:")
            src.indent()
            self._err(src, path, "maxLength", f"'%r is too long (maxLength %d)' % ({v}, {n!r})")
            src.dedent()
        if "pattern" in schema:
            pattern = schema["pattern"]
            cname = self._const(re.compile(pattern), "re")
            src.line(f"if {cname}.search({v}) is None:")
            src.indent()
            self._err(src, path, "pattern", f"'%r does not match %r' % ({v}, {pattern!r})")
            src.dedent()

    def _number(self, src, schema, v, path):
        modern = self.dialect.modern
        if "minimum" in schema:
            n = schema["minimum"]
            if schema.get("exclusiveMinimum") is True and not modern:
                src.line(f"if {v} <= {n!r}:")
                msg = f"'%r is less than or equal to the minimum of %r' % ({v}, {n!r})"
            else:
                src.line(f"if {v} < {n!r}:")
                msg = f"'%r is less than the minimum of %r' % ({v}, {n!r})"
            src.indent()
            self._err(src, path, "minimum", msg)
            src.dedent()
        if "maximum" in schema:
            n = schema["maximum"]
            if schema.get("exclusiveMaximum") is True and not modern:
                src.line(f"if {v} >= {n!r}:")
                msg = f"'%r is greater than or equal to the maximum of %r' % ({v}, {n!r})"
            else:
                src.line(f"if {v} > {n!r}:")
                msg = f"'%r is greater than the maximum of %r' % ({v}, {n!r})"
            src.indent()
            self._err(src, path, "maximum", msg)
            src.dedent()
        if modern and _is_number(schema.get("exclusiveMinimum")):
            n = schema["exclusiveMinimum"]
            src.line(f"if {v} <= {n!r}:")
            src.indent()
            self._err(src, path, "exclusiveMinimum", f"'%r is less than or equal to the minimum of %r' % ({v}, {n!r})")
            src.dedent()
        if modern and _is_number(schema.get("exclusiveMaximum")):
            n = schema["exclusiveMaximum"]
            src.line(f"if {v} >= {n!r}:")
            src.indent()
            self._err(src, path, "exclusiveMaximum",
                      f"'%r is greater than or equal to the maximum of %r' % ({v}, {n!r})")
            src.dedent()
        if "multipleOf" in schema:
            n = schema["multipleOf"]
            src.line(f"if not _multiple_ok({v}, {n!r}):")
            src.indent()
            self._err(src, path, "multipleOf", f"'%r is not a multiple of %r' % ({v}, {n!r})")
            src.dedent()

    def _array(self, src, schema, v, path, depth, ctx):
        modern = self.dialect.modern
        if "minItems" in schema:
            n = schema["minItems"]
            src.line(f"if len({v}) < {n!r}:")
            src.indent()
            self._err(src, path, "minItems", f"'%r is too short (minItems %d)' % ({v}, {n!r})")
            src.dedent()
        if "maxItems" in schema:
            n = schema["maxItems"]
            src.line(f"if len({v}) > {n!r}:")
            src.indent()
            self._err(src, path, "maxItems", f"'%r is too long (maxItems %d)' % ({v}, {n!r})")
            src.dedent()
        if schema.get("uniqueItems") is True:
            src.line(f"if not _unique_ok({v}):")
            src.indent()
            self._err(src, path, "uniqueItems", f"'%r has non-unique elements' % ({v},)")
            src.dedent()
        items = schema.get("items")
        child = ctx.child()
        prefix = schema.get("prefixItems") if modern else (items if isinstance(items, list) else None)
        if isinstance(prefix, list):
            for n, sub in enumerate(prefix):
                if self._noop(sub, child):
                    continue
                x = f"x{depth}_{n}"
                src.line(f"if len({v}) > {n}:")
                src.indent()
                src.line(f"{x} = {v}[{n}]")
                self._emit(src, sub, x, path + [repr(n)], depth + 1, child)
                src.dedent()
        start = len(prefix) if isinstance(prefix, list) else 0
        rest = items if modern else (schema.get("additionalItems", True) if isinstance(prefix, list) else items)
        if rest is False:
            src.line(f"if len({v}) > {start}:")
            src.indent()
            if modern:
                self._err(src, path, "items", f"'Expected at most %d items but found %d extra: %r' % "
                                              f"({start}, len({v}) - {start}, {v}[{start}:])")
            else:
                self._err(src, path, "additionalItems",
                          f"'Additional items are not allowed (%r)' % ({v}[{start}:],)")
            src.dedent()
        elif (isinstance(rest, dict) or rest is True and modern) and not self._noop(rest, child):
            i, x = f"i{depth}", f"x{depth}"
            if start:
                src.line(f"for {i}, {x} in enumerate({v}[{start}:], {start}):")
            else:
                src.line(f"for {i}, {x} in enumerate({v}):")
            src.indent()
            mark = len(src.lines)
            self._emit(src, rest, x, path + [i], depth + 1, child)
            if len(src.lines) == mark:
                src.lines.pop()  # the loop would do nothing
                src.dedent()
            else:
                src.dedent()
        if modern and "contains" in schema:
            self._contains(src, schema, v, path, depth, child)
        if modern and "unevaluatedItems" in schema and not self._noop(schema["unevaluatedItems"], child):
            plan = self._const(self._items_plan(schema, ctx, top=True), "plan")
            ev, i, x = f"ev{depth}", f"ui{depth}", f"ux{depth}"
            src.line(f"{ev} = {plan}.keys({v})")
            src.line(f"for {i}, {x} in enumerate({v}):")
            src.indent()
            src.line(f"if {i} not in {ev}:")
            src.indent()
            if schema["unevaluatedItems"] is False:
                self._err(src, path + [i], "unevaluatedItems",
                          f"'Unevaluated items are not allowed (%r was unexpected)' % ({x},)")
            else:
                src.line("pass")
                self._emit(src, schema["unevaluatedItems"], x, path + [i], depth + 1, child)
            src.dedent()
            src.dedent()

    def _contains(self, src, schema, v, path, depth, ctx):
        check = self._function_for(schema["contains"], ctx)
        low = schema.get("minContains", 1)
        high = schema.get("maxContains")
        c = f"c{depth}"
        src.line(f"{c} = sum(1 for y in {v} if _ok({check}, y))")
        if _is_number(high):
            src.line(f"if {c} > {high!r}:")
            src.indent()
            self._err(src, path, "maxContains",
                      f"'Too many items match the given schema (expected at most %r)' % ({high!r},)")
            src.dedent()
        if not _is_number(low):
            low = 1
        src.line(f"if {c} < {low!r}:")
        src.indent()
        self._err(src, path, "contains",
                  f"('%r does not contain items matching the given schema' % ({v},) if not {c} else "
                  f"'Too few items match the given schema (expected at least %r but only %d matched)' "
                  f"% ({low!r}, {c}))")
        src.dedent()

    def _sparse_properties(self, src, checked, v, path, depth, ctx):
        """The properties of a schema declaring many, checked by walking the value's keys (a few) through a
        table of the properties' functions, rather than looking up each declared one (dozens)."""
        names = {name: self._function_for(sub, ctx) for _, name, sub in checked}
        table: dict[str, Any] = {}
        self._tables.append((table, names))
        cname = self._const(table, "props")
        k, x, f = f"k{depth}", f"sx{depth}", f"f{depth}"
        src.line(f"for {k}, {x} in {v}.items():")
        src.indent()
        src.line(f"{f} = {cname}.get({k})")
        src.line(f"if {f} is not None:")
        src.indent()
        src.line(f"{f}({x}, {self._path(path + [k])}, e)")
        src.dedent()
        src.dedent()

    def _object(self, src, schema, v, path, depth, ctx):
        d = self.dialect
        child = ctx.child()
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required = schema.get("required")
        if isinstance(required, list):
            skip = self._direction_skips(props, ctx) if d.oas and ctx.direction else ()
            for name in required:
                if name in skip:
                    continue
                src.line(f"if {name!r} not in {v}:")
                src.indent()
                self._err(src, path + [repr(name)], "required", repr(f"{name!r} is a required property"))
                src.dedent()
        checked = [(n, name, sub) for n, (name, sub) in enumerate(props.items()) if not self._noop(sub, child)]
        if self.sparse_objects and len(checked) >= _SPARSE_MIN:
            self._sparse_properties(src, checked, v, path, depth, child)
        else:
            for n, name, sub in checked:
                x = f"o{depth}_{n}"
                src.line(f"{x} = {v}.get({name!r}, MISSING)")
                src.line(f"if {x} is not MISSING:")
                src.indent()
                mark = len(src.lines)
                self._emit(src, sub, x, path + [repr(name)], depth + 1, child)
                src.close(mark)
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, dict) else {}
        for n, (pattern, sub) in enumerate(patterns.items()):
            if self._noop(sub, child):
                continue
            cname = self._const(re.compile(pattern), "re")
            k, x = f"k{depth}_{n}", f"px{depth}_{n}"
            src.line(f"for {k}, {x} in {v}.items():")
            src.indent()
            src.line(f"if {cname}.search({k}):")
            src.indent()
            src.line("pass")
            self._emit(src, sub, x, path + [k], depth + 1, child)
            src.dedent()
            src.dedent()
        if extra is False or (isinstance(extra, dict) and extra and not self._noop(extra, child)):
            known = self._const(frozenset(props), "keys")
            k, x = f"k{depth}", f"ax{depth}"
            src.line(f"for {k}, {x} in {v}.items():")
            src.indent()
            conds = [f"{k} not in {known}"]
            for pattern in patterns:
                conds.append(f"not {self._const(re.compile(pattern), 're')}.search({k})")
            src.line(f"if {' and '.join(conds)}:")
            src.indent()
            if extra is False:
                self._err(src, path + [k], "additionalProperties",
                          f"'Additional properties are not allowed (%r was unexpected)' % ({k},)")
            else:
                src.line("pass")
                self._emit(src, extra, x, path + [k], depth + 1, child)
            src.dedent()
            src.dedent()
        if "minProperties" in schema:
            n = schema["minProperties"]
            src.line(f"if len({v}) < {n!r}:")
            src.indent()
            self._err(src, path, "minProperties", f"'%r does not have enough properties' % ({v},)")
            src.dedent()
        if "maxProperties" in schema:
            n = schema["maxProperties"]
            src.line(f"if len({v}) > {n!r}:")
            src.indent()
            self._err(src, path, "maxProperties", f"'%r has too many properties' % ({v},)")
            src.dedent()
        if d.bravado and isinstance(schema.get("discriminator"), str) and schema.get("x-model"):
            src.line(f"_discriminate({v}, {self._path(path)}, e, {schema['x-model']!r}, "
                     f"{schema['discriminator']!r})")
        if d.modern:
            self._object_modern(src, schema, v, path, depth, ctx)

    def _object_modern(self, src, schema, v, path, depth, ctx):
        child = ctx.child()
        names = schema.get("propertyNames")
        if names is not None and not self._noop(names, child):
            k = f"nk{depth}"
            src.line(f"for {k} in {v}:")
            src.indent()
            src.line("pass")
            self._emit(src, names, k, path + [k], depth + 1, child)
            src.dedent()
        deps = schema.get("dependentRequired")
        if isinstance(deps, dict):
            for name, needed in deps.items():
                if not isinstance(needed, list) or not needed:
                    continue
                src.line(f"if {name!r} in {v}:")
                src.indent()
                for other in needed:
                    src.line(f"if {other!r} not in {v}:")
                    src.indent()
                    self._err(src, path, "dependentRequired", repr(f"{other!r} is a dependency of {name!r}"))
                    src.dedent()
                src.dedent()
        deps = schema.get("dependentSchemas")
        if isinstance(deps, dict):
            for name, sub in deps.items():
                if self._noop(sub, ctx):
                    continue
                src.line(f"if {name!r} in {v}:")
                src.indent()
                mark = len(src.lines)
                self._emit(src, sub, v, path, depth, ctx)
                src.close(mark)
        if "unevaluatedProperties" in schema and not self._noop(schema["unevaluatedProperties"], child):
            plan = self._const(self._keys_plan(schema, ctx, top=True), "plan")
            ev, k, x = f"ev{depth}", f"uk{depth}", f"ux{depth}"
            src.line(f"{ev} = {plan}.keys({v})")
            src.line(f"for {k}, {x} in {v}.items():")
            src.indent()
            src.line(f"if {k} not in {ev}:")
            src.indent()
            if schema["unevaluatedProperties"] is False:
                self._err(src, path + [k], "unevaluatedProperties",
                          f"'Unevaluated properties are not allowed (%r was unexpected)' % ({k},)")
            else:
                src.line("pass")
                self._emit(src, schema["unevaluatedProperties"], x, path + [k], depth + 1, child)
            src.dedent()
            src.dedent()

    def _noop(self, schema, ctx):
        """True when ``schema`` accepts every value (nothing to generate)."""
        if schema is True or schema is False:
            return schema is True or not self.dialect.modern
        if not isinstance(schema, dict):
            return True
        directed = self.dialect.oas and ctx.direction is not None
        for k in schema:
            if directed and (k == "readOnly" and ctx.direction == "request" or
                             k == "writeOnly" and ctx.direction == "response"):
                return False
            if k in _ANNOTATIONS or k.startswith("x-") and not (k == "x-nullable" and self.dialect.x_nullable):
                continue
            if k == "discriminator" and not (self.dialect.oas and isinstance(schema[k], dict)):
                continue
            return False
        return True

    # -- readOnly / writeOnly (OpenAPI 3, by direction) --------------------

    def _direction(self, src, schema, v, path, ctx):
        """A readOnly value sent in a request, a writeOnly value sent in a response."""
        if ctx.direction == "request" and schema.get("readOnly") is True:
            self._err(src, path, "readOnly", f"'%r is read-only: it must not be sent in a request' % ({v},)")
        elif ctx.direction == "response" and schema.get("writeOnly") is True:
            self._err(src, path, "writeOnly", f"'%r is write-only: it must not be sent in a response' % ({v},)")

    def _direction_skips(self, props, ctx):
        flag = "readOnly" if ctx.direction == "request" else "writeOnly"
        return {name for name, sub in props.items() if self._has_flag(sub, flag, ctx, 0)}

    def _has_flag(self, schema, flag, ctx, depth):
        if not isinstance(schema, dict) or depth > 20:
            return False
        if schema.get(flag) is True:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str):
            try:
                node, target = self._resolve(ref, ctx)
            except ValueError:
                return False
            return self._has_flag(node, flag, target, depth + 1)
        return False

    # -- discriminator ----------------------------------------------------

    def _oas_discriminator(self, schema, ctx):
        if not self.dialect.oas or id(schema) in ctx.suppress:
            return None
        disc = schema.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            return disc
        return None

    def _mapping_target(self, target, ctx):
        if not isinstance(target, str):
            raise ValueError(f"discriminator mapping values are schema names or references, not {target!r}")
        if "/" not in target and "#" not in target:
            target = "#/definitions/" + target.replace("~", "~0")
        if target.startswith("#/components/schemas/"):
            target = "#/definitions/" + target[len("#/components/schemas/"):]
        return self._resolve(target, ctx)

    def _table(self, schema, disc, candidates, ctx):
        """-> (dict constant name, {value: function name}) for the discriminator's targets."""
        targets = {}
        for value, target in (disc.get("mapping") or {}).items():
            targets[str(value)] = self._mapping_target(target, ctx)
        for value, node_ctx in candidates:
            targets.setdefault(value, node_ctx)
        suppress = ctx.suppress | {id(schema)}
        names, accepted = {}, set()
        for value, (node, node_ctx) in targets.items():
            if node is schema or id(node) in ctx.suppress:  # this value is being validated as that schema already
                accepted.add(value)
                continue
            names[value] = self._function_for(node, node_ctx._replace(suppress=suppress | {id(node)}))
        table = {}
        self._tables.append((table, names))
        return self._const(table, "disc"), names, accepted

    def _dispatch(self, src, schema, disc, keyword, v, path, depth, ctx):
        """oneOf/anyOf with a discriminator: validate against the branch the property names."""
        prop = disc["propertyName"]
        candidates = []
        for branch in schema[keyword]:
            if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
                name = unquote(branch["$ref"].rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")
                candidates.append((name, self._resolve(branch["$ref"], ctx)))
        table, names, accepted = self._table(schema, disc, candidates, ctx)
        if accepted:
            self._combinator(src, keyword, schema[keyword], v, path, ctx)
            return
        dv = f"d{depth}"
        src.line(f"if isinstance({v}, dict):")
        src.indent()
        src.line(f"{dv} = {v}.get({prop!r}, MISSING)")
        src.line(f"if {dv} is MISSING:")
        src.indent()
        self._err(src, path + [repr(prop)], "required", repr(f"{prop!r} is a required property"))
        src.dedent()
        src.line(f"elif isinstance({dv}, str) and {dv} in {table}:")
        src.indent()
        src.line(f"{table}[{dv}]({v}, {self._path(path)}, e)")
        src.dedent()
        src.line("else:")
        src.indent()
        self._err(src, path + [repr(prop)], "discriminator", f"'%r is not one of %r' % ({dv}, {sorted(names)!r})")
        src.dedent()
        src.dedent()
        src.line("else:")
        src.indent()
        self._combinator(src, keyword, schema[keyword], v, path, ctx)
        src.dedent()

    def _inheritance(self, src, schema, disc, v, path, depth, ctx):
        """A parent schema's discriminator: a child's name selects the child's schema."""
        prop = disc["propertyName"]
        candidates = [(name, (node, ctx)) for name, node in self._children_of(schema)]
        table, names, own = self._table(schema, disc, candidates, ctx)
        if id(schema) in self._names:
            own.add(self._names[id(schema)])
        if not names and not own:
            self._body(src, schema, v, path, depth, ctx)
            return
        dv = f"d{depth}"
        src.line(f"{dv} = {v}.get({prop!r}, MISSING) if isinstance({v}, dict) else None")
        src.line(f"if isinstance({dv}, str) and {dv} in {table}:")
        src.indent()
        src.line(f"{table}[{dv}]({v}, {self._path(path)}, e)")
        src.dedent()
        src.line("else:")
        src.indent()
        own_c = self._const(frozenset(own), "own")
        required = schema.get("required")
        if isinstance(required, list) and prop in required:  # the schema's own `required` reports it
            src.line(f"if {dv} is not MISSING and {dv} is not None and not (isinstance({dv}, str) and {dv} in {own_c}):")
        else:
            src.line(f"if {dv} is MISSING:")
            src.indent()
            self._err(src, path + [repr(prop)], "required", repr(f"{prop!r} is a required property"))
            src.dedent()
            src.line(f"elif {dv} is not None and not (isinstance({dv}, str) and {dv} in {own_c}):")
        src.indent()
        accepted = sorted(own | set(names))
        self._err(src, path + [repr(prop)], "discriminator", f"'%r is not one of %r' % ({dv}, {accepted!r})")
        src.dedent()
        self._body(src, schema, v, path, depth, ctx)
        src.dedent()

    def _children_of(self, schema):
        """Named schemas that extend ``schema`` through ``allOf: [{$ref: ...}]``."""
        if self._children is None:
            self._children = {}
            ctx = _Ctx(self.base_uri)
            for name, node in self.definitions.items():
                parts = node.get("allOf") if isinstance(node, dict) else None
                for part in parts if isinstance(parts, list) else ():
                    if isinstance(part, dict) and isinstance(part.get("$ref"), str):
                        try:
                            parent, _ = self._resolve(part["$ref"], ctx)
                        except ValueError:
                            continue
                        self._children.setdefault(id(parent), []).append((name, node))
        return self._children.get(id(schema), [])

    # -- annotations for unevaluatedProperties / unevaluatedItems ---------

    def _keys_plan(self, schema, ctx, top=False):
        return self._plan(KeysPlan, schema, ctx, top)

    def _items_plan(self, schema, ctx, top=False):
        return self._plan(ItemsPlan, schema, ctx, top)

    def _plan(self, kind, schema, ctx, top):
        key = (kind, id(schema), ctx, top)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        plan = self._plans[key] = kind(self.ns)
        self._keep.append(schema)
        if not isinstance(schema, dict):
            return plan
        if isinstance(schema.get("$id"), str):
            base = urldefrag(self.index.base_of.get(id(schema)) or self.index.absolute(schema["$id"], ctx.base))[0]
            ctx = self._enter(ctx._replace(base=base), base)
        if kind is KeysPlan:
            if "additionalProperties" in schema or not top and "unevaluatedProperties" in schema:
                plan.all = True
                return plan
            if isinstance(schema.get("properties"), dict):
                plan.names = frozenset(schema["properties"])
            if isinstance(schema.get("patternProperties"), dict):
                plan.patterns = tuple(re.compile(p) for p in schema["patternProperties"])
            for name, sub in (schema.get("dependentSchemas") or {}).items():
                plan.dependents.append((name, self._plan(kind, sub, ctx, False)))
        else:
            if schema.get("items", False) is not False or not top and "unevaluatedItems" in schema:
                plan.all = True
                return plan
            if isinstance(schema.get("prefixItems"), list):
                plan.prefix = len(schema["prefixItems"])
            if "contains" in schema:
                plan.contains = self._function_for(schema["contains"], ctx.child())
        if isinstance(schema.get("$ref"), str):
            plan.always.append(self._plan(kind, *self._resolve(schema["$ref"], ctx), False))
        if isinstance(schema.get("$dynamicRef"), str):
            plan.always.append(self._plan(kind, *self._resolve_dynamic(schema["$dynamicRef"], ctx), False))
        for sub in schema.get("allOf") or ():
            plan.always.append(self._plan(kind, sub, ctx, False))
        for keyword in ("anyOf", "oneOf"):
            for sub in schema.get(keyword) or ():
                plan.branches.append((self._function_for(sub, ctx), self._plan(kind, sub, ctx, False)))
        if "if" in schema:
            then = self._plan(kind, schema["then"], ctx, False) if "then" in schema else None
            other = self._plan(kind, schema["else"], ctx, False) if "else" in schema else None
            plan.conditions.append((self._function_for(schema["if"], ctx), self._plan(kind, schema["if"], ctx, False),
                                    then, other))
        return plan

    # -- discriminator (Swagger 2.0: polymorphism through allOf) ----------

    def _discriminate(self, value, path, errors, base, prop):
        if prop not in value:
            errors.append((path + (prop,), "required", f"{prop!r} is a required property"))
            return
        name = value[prop]
        if name == base:
            return
        if not isinstance(name, str) or name not in self.definitions:
            errors.append((path + (prop,), "discriminator", f"{name!r} is not a recognized schema"))
            return
        key = (base, name)
        if key not in self._disc_cache:
            sub = self.definitions[name]
            parts = sub.get("allOf") or []
            base_ref = f"#/definitions/{base}"
            if not any(isinstance(s, dict) and s.get("$ref") == base_ref for s in parts):
                self._disc_cache[key] = None
            else:
                rest = {"allOf": [s for s in parts if not (isinstance(s, dict) and s.get("$ref") == base_ref)]}
                self._disc_cache[key] = self.compile(rest, f"{name}_as_{base}")
        validator = self._disc_cache[key]
        if validator is None:
            errors.append((path + (prop,), "discriminator",
                           f"discriminated schema {name!r} must inherit from {base!r}"))
            return
        errors.extend(validator.raw(value, path))


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)

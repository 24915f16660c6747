"""Compile Swagger 2.0 schemas into fast validator functions.

Each schema becomes Python source, compiled once at start-up and registered
with ``linecache`` so tracebacks and debuggers show the generated lines. One
function is generated per definition (so ``$ref`` cycles work) and one per
request/response schema. A validator walks the value once and appends every
problem it finds as ``(path, rule, message)``; a valid value costs only the
checks themselves.

Semantics follow bravado-core's Swagger20Validator (JSON Schema draft 4 plus
``x-nullable`` and ``discriminator``); tests compare both on random data.
Messages use jsonschema's wording ("'a' is a required property").
"""

from __future__ import annotations

import itertools
import linecache
import re

from pymacaron_core.exceptions import Problem, format_location

MISSING = object()

_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "array": "isinstance({v}, list)",
    "object": "isinstance({v}, dict)",
    "null": "{v} is None",
    "file": "True",
}

_STRING_KEYS = ("minLength", "maxLength", "pattern")
_NUMBER_KEYS = ("minimum", "maximum", "multipleOf")
_ARRAY_KEYS = ("items", "minItems", "maxItems", "uniqueItems", "additionalItems")
_OBJECT_KEYS = ("properties", "required", "additionalProperties", "minProperties",
                "maxProperties", "discriminator", "patternProperties")


class Validator:
    """A compiled schema: ``validator(value, path=()) -> [Problem, ...]``."""

    __slots__ = ("_func", "name", "schema")

    def __init__(self, func, name, schema):
        self._func = func
        self.name = name
        self.schema = schema

    def raw(self, value, path=()):
        """Problems as (path tuple, rule, message) tuples: the cheap form."""
        errors = []
        self._func(value, path, errors)
        return errors

    def __call__(self, value, path=()):
        return [Problem(format_location(p), rule, msg) for p, rule, msg in self.raw(value, path)]

    def is_valid(self, value):
        errors = []
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

    def text(self):
        return "\n".join(self.lines) + "\n"


def _safe(name):
    return re.sub(r"\W", "_", str(name))


class SchemaCompiler:
    """Compiles the schemas of one API (sharing its definitions and formats)."""

    def __init__(self, definitions, formats, label="api", check_formats=True):
        self.definitions = definitions
        self.formats = formats
        self.check_formats = check_formats
        self.label = label
        self._ids = itertools.count()
        self._def_funcs = {}
        self._pending = []
        self._consts = {}
        self.ns = {
            "MISSING": MISSING,
            "_enum_ok": _enum_ok,
            "_unique_ok": _unique_ok,
            "_multiple_ok": _multiple_ok,
            "_discriminate": self._discriminate,
        }
        self._disc_cache = {}

    # -- public -----------------------------------------------------------

    def compile(self, schema, name="schema") -> Validator:
        fname = f"validate_{_safe(name)}_{next(self._ids)}"
        src = _Source()
        src.line(f"def {fname}(x, p, e):")
        src.indent()
        self._emit(src, schema, "x", [], 0)
        src.line("return None")
        self._exec(fname, src, f"{self.label}:{name}")
        self._flush()
        return Validator(self.ns[fname], name, schema)

    def definition_validator(self, name) -> Validator:
        fname = self._def_function(name)
        self._flush()
        return Validator(self.ns[fname], name, self.definitions[name])

    # -- code generation --------------------------------------------------

    def _exec(self, fname, src, where):
        text = src.text()
        filename = f"<pymacaron-validator {where}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        exec(compile(text, filename, "exec"), self.ns)

    def _def_function(self, name):
        if name not in self._def_funcs:
            self._def_funcs[name] = f"def_{_safe(name)}_{next(self._ids)}"
            self._pending.append(name)
        return self._def_funcs[name]

    def _flush(self):
        while self._pending:
            name = self._pending.pop()
            fname = self._def_funcs[name]
            src = _Source()
            src.line(f"def {fname}(x, p, e):")
            src.indent()
            self._emit(src, self.definitions[name], "x", [], 0)
            src.line("return None")
            self._exec(fname, src, f"{self.label}:definitions/{name}")

    def _const(self, value, prefix="c"):
        plain = isinstance(value, (str, int, float, tuple, frozenset, re.Pattern))
        key = (prefix, repr(value)) if plain else (prefix, id(value))
        if key not in self._consts:
            cname = f"_{prefix}{len(self._consts)}"
            self._consts[key] = cname
            self.ns[cname] = value
        return self._consts[key]

    @staticmethod
    def _path(path):
        if not path:
            return "p"
        return "p + (" + ", ".join(path) + ",)"

    def _err(self, src, path, rule, message_expr):
        src.line(f"e.append(({self._path(path)}, {rule!r}, {message_expr}))")

    def _resolve_local(self, ref):
        if not ref.startswith("#/"):
            raise ValueError(f"unresolved $ref {ref!r}")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
        if len(parts) == 2 and parts[0] == "definitions":
            return parts[1], None
        raise ValueError(f"$ref {ref!r} does not point at a definition")

    def _emit(self, src, schema, v, path, depth):
        if not isinstance(schema, dict) or not schema:
            return
        if "$ref" in schema:
            name, _ = self._resolve_local(schema["$ref"])
            fname = self._def_function(name)
            if schema.get("x-nullable") is True:
                src.line(f"if {v} is not None:")
                src.indent()
                src.line(f"{fname}({v}, {self._path(path)}, e)")
                src.dedent()
            else:
                src.line(f"{fname}({v}, {self._path(path)}, e)")
            return
        nullable = schema.get("x-nullable") is True
        if nullable:
            src.line(f"if {v} is not None:")
            src.indent()
            mark = len(src.lines)
        types = schema.get("type")
        if isinstance(types, str):
            types = [types]
        if types:
            known = [t for t in types if t in _TYPE_TESTS]
            test = " or ".join(_TYPE_TESTS[t].format(v=v) for t in known) or "True"
            if test != "True":
                src.line(f"if not ({test}):")
                src.indent()
                wanted = ", ".join(repr(t) for t in types)
                self._err(src, path, "type", f"'%r is not of type %s' % ({v}, {wanted!r})")
                src.dedent()
                src.line("else:")
                src.indent()
                mark_else = len(src.lines)
                self._checks(src, schema, v, path, depth, known)
                if len(src.lines) == mark_else:
                    src.line("pass")
                src.dedent()
            else:
                self._checks(src, schema, v, path, depth, known)
        else:
            self._checks(src, schema, v, path, depth, None)
        if nullable:
            if len(src.lines) == mark:
                src.line("pass")
            src.dedent()

    def _guard(self, src, types, kind, v, test):
        """Open an isinstance guard unless the type check already ensured it."""
        if types is not None and types == [kind] or types == ["integer"] and kind == "number":
            return False
        src.line(f"if {test.format(v=v)}:")
        src.indent()
        return True

    def _checks(self, src, schema, v, path, depth, types):
        if "enum" in schema:
            self._enum(src, schema, v, path, types)
        families = (
            (_STRING_KEYS, "string", lambda: self._string(src, schema, v, path)),
            (_NUMBER_KEYS, "number", lambda: self._number(src, schema, v, path)),
            (_ARRAY_KEYS, "array", lambda: self._array(src, schema, v, path, depth)),
            (_OBJECT_KEYS, "object", lambda: self._object(src, schema, v, path, depth)),
        )
        for keys, kind, emit in families:
            if not any(k in schema for k in keys):
                continue
            opened = self._guard(src, types, kind, v, _TYPE_TESTS[kind])
            mark = len(src.lines)
            emit()
            if opened:
                if len(src.lines) == mark:
                    src.line("pass")
                src.dedent()
            if kind == "string" and "format" in schema and self.check_formats:
                self._format(src, schema, v, path)
        if "format" in schema and self.check_formats and not any(k in schema for k in _STRING_KEYS):
            self._format(src, schema, v, path)
        for sub in schema.get("allOf") or ():
            self._emit(src, sub, v, path, depth)
        for keyword in ("anyOf", "oneOf"):
            if isinstance(schema.get(keyword), list):
                self._combinator(src, keyword, schema[keyword], v, path)
        if isinstance(schema.get("not"), dict):
            check = self._const(self.compile(schema["not"], "not"), "sub")
            src.line(f"if not {check}.raw({v}):")
            src.indent()
            self._err(src, path, "not", f"'%r should not be valid under %r' % ({v}, {schema['not']!r})")
            src.dedent()

    def _format(self, src, schema, v, path):
        check = self.formats.validator(schema["format"])
        if check is not None:
            cname = self._const(check, "fmt")
            src.line(f"m = {cname}({v})")
            src.line("if m is not None:")
            src.indent()
            self._err(src, path, "format", "m")
            src.dedent()

    def _combinator(self, src, keyword, branches, v, path):
        checks = [self._const(self.compile(b, keyword), "sub") for b in branches]
        src.line(f"n = sum(1 for b in ({', '.join(checks)},) if not b.raw({v}))")
        if keyword == "anyOf":
            src.line("if n == 0:")
            message = "'%r is not valid under any of the given schemas' % (" + v + ",)"
        else:
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
        if types == ["string"] and all(isinstance(o, str) for o in options):
            cname = self._const(frozenset(options), "enum")
            src.line(f"if {v} not in {cname}:")
        else:
            cname = self._const(tuple(options), "enum")
            src.line(f"if not _enum_ok({v}, {cname}):")
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
        if "minimum" in schema:
            n = schema["minimum"]
            if schema.get("exclusiveMinimum"):
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
            if schema.get("exclusiveMaximum"):
                src.line(f"if {v} >= {n!r}:")
                msg = f"'%r is greater than or equal to the maximum of %r' % ({v}, {n!r})"
            else:
                src.line(f"if {v} > {n!r}:")
                msg = f"'%r is greater than the maximum of %r' % ({v}, {n!r})"
            src.indent()
            self._err(src, path, "maximum", msg)
            src.dedent()
        if "multipleOf" in schema:
            n = schema["multipleOf"]
            src.line(f"if not _multiple_ok({v}, {n!r}):")
            src.indent()
            self._err(src, path, "multipleOf", f"'%r is not a multiple of %r' % ({v}, {n!r})")
            src.dedent()

    def _array(self, src, schema, v, path, depth):
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
        if schema.get("uniqueItems"):
            src.line(f"if not _unique_ok({v}):")
            src.indent()
            self._err(src, path, "uniqueItems", f"'%r has non-unique elements' % ({v},)")
            src.dedent()
        items = schema.get("items")
        if isinstance(items, dict) and items:
            i, x = f"i{depth}", f"x{depth}"
            mark = len(src.lines)
            src.line(f"for {i}, {x} in enumerate({v}):")
            src.indent()
            body = len(src.lines)
            self._emit(src, items, x, path + [i], depth + 1)
            src.dedent()
            if len(src.lines) == body:
                del src.lines[mark:]
        elif isinstance(items, list):
            for n, sub in enumerate(items):
                x = f"x{depth}_{n}"
                src.line(f"if len({v}) > {n}:")
                src.indent()
                src.line(f"{x} = {v}[{n}]")
                self._emit(src, sub, x, path + [repr(n)], depth + 1)
                src.dedent()
            extra = schema.get("additionalItems", True)
            if extra is False:
                src.line(f"if len({v}) > {len(items)}:")
                src.indent()
                self._err(src, path, "additionalItems",
                          f"'Additional items are not allowed (%r)' % ({v}[{len(items)}:],)")
                src.dedent()
            elif isinstance(extra, dict) and extra:
                i, x = f"i{depth}", f"x{depth}"
                src.line(f"for {i}, {x} in enumerate({v}[{len(items)}:], {len(items)}):")
                src.indent()
                src.line("pass")
                self._emit(src, extra, x, path + [i], depth + 1)
                src.dedent()

    def _object(self, src, schema, v, path, depth):
        required = schema.get("required")
        if isinstance(required, list):
            for name in required:
                src.line(f"if {name!r} not in {v}:")
                src.indent()
                self._err(src, path + [repr(name)], "required", repr(f"{name!r} is a required property"))
                src.dedent()
        props = schema.get("properties") or {}
        for n, (name, sub) in enumerate(props.items()):
            if not isinstance(sub, dict) or not sub or _is_noop(sub):
                continue
            x = f"o{depth}_{n}"
            src.line(f"{x} = {v}.get({name!r}, MISSING)")
            src.line(f"if {x} is not MISSING:")
            src.indent()
            self._emit(src, sub, x, path + [repr(name)], depth + 1)
            src.dedent()
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties") or {}
        if patterns:
            for n, (pattern, sub) in enumerate(patterns.items()):
                cname = self._const(re.compile(pattern), "re")
                k, x = f"k{depth}_{n}", f"px{depth}_{n}"
                src.line(f"for {k}, {x} in {v}.items():")
                src.indent()
                src.line(f"if {cname}.search({k}):")
                src.indent()
                src.line("pass")
                self._emit(src, sub, x, path + [k], depth + 1)
                src.dedent()
                src.dedent()
        if extra is False or isinstance(extra, dict) and extra:
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
                self._emit(src, extra, x, path + [k], depth + 1)
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
        if isinstance(schema.get("discriminator"), str) and schema.get("x-model"):
            src.line(f"_discriminate({v}, {self._path(path)}, e, {schema['x-model']!r}, "
                     f"{schema['discriminator']!r})")

    # -- discriminator (polymorphism through allOf) -----------------------

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


def _is_noop(schema):
    return all(k in ("description", "title", "example", "readOnly", "xml", "externalDocs", "default")
               or k.startswith("x-") and k != "x-nullable" for k in schema)


def _canon(x):
    if isinstance(x, bool) or x is None:
        return ("c", x)
    if isinstance(x, (int, float)):
        return ("n", x)
    if isinstance(x, str):
        return ("s", x)
    if isinstance(x, list):
        return ("l", tuple(_canon(i) for i in x))
    if isinstance(x, dict):
        return ("d", frozenset((k, _canon(v)) for k, v in x.items()))
    return ("o", id(x))


def _enum_ok(value, options):
    c = _canon(value)
    return any(_canon(o) == c for o in options)


def _unique_ok(items):
    seen = set()
    for item in items:
        c = _canon(item)
        if c in seen:
            return False
        seen.add(c)
    return True


def _multiple_ok(value, divisor):
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return not value % divisor

"""Write what a :class:`SchemaCompiler` generated as a Python module, to be imported instead of compiled.

A validator is Python source plus the constants it refers to (strings, numbers, tuples, frozensets,
compiled patterns, annotation plans, discriminator tables). :func:`module_source` writes all of it as
the text of one module whose ``VALIDATE`` is the validator's function: importing it costs what
loading its bytecode costs (pip compiles a wheel's modules at install), where generating and
compiling the same validator costs tens of milliseconds at every start. pymacaron-core ships the
validators of the official Swagger / OpenAPI schemas this way (:mod:`pymacaron_core.spec.compiled`).

Only what can be written as source is exported: a schema whose validator needs a format checker or
Swagger 2.0's run-time discriminator is refused with a ValueError. The text depends only on the
compiler's input (sets are written sorted), so writing it again gives the same bytes.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from pymacaron_core.schema.runtime import ItemsPlan, KeysPlan

if TYPE_CHECKING:
    from pymacaron_core.schema.compiler import SchemaCompiler, Validator

# what every generated namespace holds (SchemaCompiler.ns), as the module imports it
_HEADER = (
    "from re import compile as _re_compile\n\n"
    "from pymacaron_core.schema.runtime import MISSING, ItemsPlan, KeysPlan\n"
    "from pymacaron_core.schema.runtime import canon as _canon\n"
    "from pymacaron_core.schema.runtime import enum_ok as _enum_ok\n"
    "from pymacaron_core.schema.runtime import multiple_ok as _multiple_ok\n"
    "from pymacaron_core.schema.runtime import ok as _ok\n"
    "from pymacaron_core.schema.runtime import unique_ok as _unique_ok\n\n"
    "_ns = globals()\n"
)
_UNICODE = re.compile("").flags


def literal(value: Any) -> str:
    """Python source that evaluates to ``value`` (a constant of a generated validator)."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    if isinstance(value, frozenset):
        return "frozenset((" + "".join(item + ", " for item in sorted(literal(v) for v in value)) + "))"
    if isinstance(value, re.Pattern):
        if not isinstance(value.pattern, str) or value.flags != _UNICODE:
            raise ValueError(f"pattern {value.pattern!r} has flags the export does not write")
        return f"_re_compile({value.pattern!r})"
    raise ValueError(f"a {type(value).__name__} constant cannot be written as source")


def module_source(compiler: SchemaCompiler, validator: Validator, doc: str) -> str:
    """The text of a module equivalent to ``validator`` (compiled by ``compiler``, built with
    ``record=True``); ``doc`` is its docstring."""
    sources = compiler.recorded
    if sources is None:
        raise ValueError("the compiler did not record its sources: make it with record=True")
    entry = getattr(validator._func, "__name__", "")
    if validator._func is not compiler.ns.get(entry):
        raise ValueError(f"{validator!r} was not compiled by this compiler (or not yet: call it once if lazy)")
    if any("_discriminate(" in text for text in sources):
        raise ValueError("Swagger 2.0 discriminators are resolved at run time: not exportable")
    plans = _plan_names(compiler)
    out = [f'"""{doc}"""\n\n# ruff: noqa\n# mypy: ignore-errors\n# fmt: off\n', _HEADER]
    fills, tables = [], []
    for cname, value in _constants(compiler):
        if isinstance(value, (KeysPlan, ItemsPlan)):
            continue  # written with the other plans below
        if isinstance(value, dict):
            out.append(f"{cname} = {{}}\n")
            tables.append(f"{cname}.update({{{', '.join(f'{k!r}: {f.__name__}' for k, f in value.items())}}})\n")
        else:
            out.append(f"{cname} = {literal(value)}\n")
    for plan, pname in plans.items():
        out.append(f"{pname} = {type(plan).__name__}(_ns)\n")
        fills.extend(_plan_fill(plan, pname, plans))
    out.append("\n\n")
    out.extend(text + "\n\n" for text in sources)
    out.extend(fills)
    out.extend(tables)
    out.append(f"\nVALIDATE = {entry}\n")
    return "".join(out)


def _constants(compiler):
    names = {cname for cname in compiler._consts.values()}
    return [(cname, compiler.ns[cname]) for cname in sorted(names, key=lambda n: int(re.sub(r"\D", "", n)))]


def _plan_names(compiler):
    """Every annotation plan -> its name in the module (the compiler's constant name when it has one)."""
    named = {id(v): cname for cname, v in _constants(compiler) if isinstance(v, (KeysPlan, ItemsPlan))}
    names = {}
    for i, plan in enumerate(compiler._plans.values()):
        names[plan] = named.get(id(plan), f"_plan_x{i}")
    return names


def _plan_fill(plan, pname, names):
    def ref(p):
        return "None" if p is None else names[p]

    lines = []
    if plan.all:
        lines.append(f"{pname}.all = True\n")
    if isinstance(plan, KeysPlan):
        if plan.names:
            lines.append(f"{pname}.names = {literal(plan.names)}\n")
        if plan.patterns:
            lines.append(f"{pname}.patterns = {literal(plan.patterns)}\n")
        if plan.dependents:
            lines.append(f"{pname}.dependents = [{', '.join(f'({k!r}, {ref(p)})' for k, p in plan.dependents)}]\n")
    else:
        if plan.prefix:
            lines.append(f"{pname}.prefix = {plan.prefix!r}\n")
        if plan.contains is not None:
            lines.append(f"{pname}.contains = {plan.contains!r}\n")
    if plan.always:
        lines.append(f"{pname}.always = [{', '.join(ref(p) for p in plan.always)}]\n")
    if plan.branches:
        lines.append(f"{pname}.branches = [{', '.join(f'({f!r}, {ref(p)})' for f, p in plan.branches)}]\n")
    if plan.conditions:
        conds = ", ".join(f"({f!r}, {ref(i)}, {ref(t)}, {ref(e)})" for f, i, t, e in plan.conditions)
        lines.append(f"{pname}.conditions = [{conds}]\n")
    return lines

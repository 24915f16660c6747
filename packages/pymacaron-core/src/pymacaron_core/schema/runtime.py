"""What generated validators call at run time: JSON equality, and the
annotation plans behind ``unevaluatedProperties`` / ``unevaluatedItems``.

JSON equality (``enum``, ``const``, ``uniqueItems``) follows JSON Schema:
``1 == 1.0``, but ``true != 1``; objects compare by content.

An annotation plan answers "which keys (indices) of this value did the
schema and its in-place subschemas evaluate?" (JSON Schema 2020-12,
section 11): ``properties`` and ``patternProperties`` evaluate the keys
they match, ``additionalProperties`` and a nested ``unevaluatedProperties``
evaluate all of them, ``allOf``/``$ref``/``$dynamicRef``/``dependentSchemas``
contribute their subschema's keys, ``anyOf``/``oneOf`` those of the branches
that validate, ``if``/``then``/``else`` those of the branch taken. The same
for items with ``prefixItems``, ``items`` and ``contains``. Plans are built
once per schema at compile time; validity of a branch is asked of its
compiled function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Union

MISSING = object()


class _All:
    """The set of every key or index: what an evaluating ``additionalProperties`` leaves."""

    __slots__ = ()

    def __contains__(self, item: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL"


ALL = _All()

# A compiled schema function: ``func(value, path, errors)`` appends each problem to ``errors``.
SchemaFunction = Callable[[Any, tuple, list], Any]
# What a plan answers: the keys (indices) evaluated, or ALL.
Evaluated = Union[set[Any], _All]


def canon(x: Any) -> tuple[str, Any]:
    """A hashable form of a JSON value under JSON Schema equality."""
    if isinstance(x, bool) or x is None:
        return ("c", x)
    if isinstance(x, (int, float)):
        return ("n", x)
    if isinstance(x, str):
        return ("s", x)
    if isinstance(x, list):
        return ("l", tuple(canon(i) for i in x))
    if isinstance(x, dict):
        return ("d", frozenset((k, canon(v)) for k, v in x.items()))
    return ("o", id(x))


def enum_ok(value: Any, options: Iterable[Any]) -> bool:
    """Whether ``value`` equals one of ``options`` under JSON Schema equality (``enum``, ``const``)."""
    c = canon(value)
    return any(canon(o) == c for o in options)


def unique_ok(items: Iterable[Any]) -> bool:
    """Whether no two of ``items`` are equal under JSON Schema equality (``uniqueItems``)."""
    seen = set()
    for item in items:
        c = canon(item)
        if c in seen:
            return False
        seen.add(c)
    return True


def multiple_ok(value: int | float, divisor: int | float) -> bool:
    """Whether ``value`` is a multiple of ``divisor`` (``multipleOf``); a float quotient too large for an
    int is not."""
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return not value % divisor


def ok(func: SchemaFunction, value: Any) -> bool:
    """Does ``value`` pass the compiled schema function ``func``?"""
    errors: list[Any] = []
    func(value, (), errors)
    return not errors


def _add_taken(plan: KeysPlan | ItemsPlan, value: Any, out: set, taken: list) -> bool:
    """Add to ``out`` the keys (indices) that ``plan``'s value-dependent parts evaluate in ``value``: the anyOf/oneOf
    branches that validate, the if/then/else branches taken, and ``taken`` (plans that apply, such as the
    dependentSchemas of present properties). False when one of them evaluates every key (ALL)."""
    for name, sub in plan.branches:
        if ok(plan.ns[name], value):
            taken.append(sub)
    for name, if_plan, then_plan, else_plan in plan.conditions:
        taken.extend((if_plan, then_plan) if ok(plan.ns[name], value) else (else_plan,))
    for sub in taken:
        if sub is not None:
            got = sub.keys(value)
            if isinstance(got, _All):
                return False
            out |= got
    return True


class KeysPlan:
    """The keys of an object value that one schema evaluates (see the module docstring)."""

    __slots__ = ("ns", "all", "names", "patterns", "always", "branches", "conditions", "dependents", "_flat")

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns  # the compiler's namespace: branch functions are looked up by name
        self.all = False
        self.names: frozenset[str] = frozenset()
        self.patterns: tuple[re.Pattern[str], ...] = ()
        self.always: list[KeysPlan] = []  # plans that apply whenever this schema holds
        # (function name, plan): anyOf/oneOf branches, counted when they validate
        self.branches: list[tuple[str, KeysPlan]] = []
        # (if name, if plan, then plan or None, else plan or None)
        self.conditions: list[tuple[str, KeysPlan, KeysPlan | None, KeysPlan | None]] = []
        self.dependents: list[tuple[str, KeysPlan]] = []  # (property, plan): dependentSchemas
        self._flat: tuple | None = None  # see _flatten: made on the first call, once the plans are complete

    def _flatten(self):
        """This plan and every plan it always includes (allOf, $ref... transitively), as one: ``()`` when one of
        them evaluates every key, else (names, patterns, the plans among them whose keys depend on the value)."""
        names: set[str] = set()
        patterns: list[re.Pattern[str]] = []
        dynamic: list[KeysPlan] = []
        seen: set[int] = set()
        stack = [self]
        while stack:
            plan = stack.pop()
            if id(plan) in seen:
                continue
            seen.add(id(plan))
            if plan.all:
                return ()
            names.update(plan.names)
            patterns.extend(p for p in plan.patterns if p not in patterns)
            if plan.branches or plan.conditions or plan.dependents:
                dynamic.append(plan)
            stack.extend(plan.always)
        return frozenset(names), tuple(patterns), tuple(dynamic)

    def keys(self, value: dict[str, Any]) -> Evaluated:
        """The keys of the object ``value`` that this schema evaluates, or ALL."""
        flat = self._flat
        if flat is None:
            flat = self._flat = self._flatten()
        if not flat:
            return ALL
        names, patterns, dynamic = flat
        out = {k for k in value if k in names} if names else set()
        for pattern in patterns:
            out.update(k for k in value if pattern.search(k))
        for plan in dynamic:
            taken = [sub for prop, sub in plan.dependents if prop in value]
            if not _add_taken(plan, value, out, taken):
                return ALL
        return out


class ItemsPlan:
    """The indices of an array value that one schema evaluates."""

    __slots__ = ("ns", "all", "prefix", "contains", "always", "branches", "conditions")

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.all = False
        self.prefix = 0
        self.contains: str | None = None  # function name of the `contains` subschema
        self.always: list[ItemsPlan] = []
        self.branches: list[tuple[str, ItemsPlan]] = []
        self.conditions: list[tuple[str, ItemsPlan, ItemsPlan | None, ItemsPlan | None]] = []

    def keys(self, value: list[Any]) -> Evaluated:
        """The indices of the array ``value`` that this schema evaluates, or ALL."""
        if self.all:
            return ALL
        out = set(range(min(self.prefix, len(value))))
        if self.contains is not None:
            func = self.ns[self.contains]
            out.update(i for i, item in enumerate(value) if ok(func, item))
        for plan in self.always:
            got = plan.keys(value)
            if isinstance(got, _All):
                return ALL
            out |= got
        if not _add_taken(self, value, out, []):
            return ALL
        return out

"""String formats: how each is validated, read from the wire and written to it.

Validation accepts what jsonschema's FormatChecker (the checker bravado-core
uses) accepts, for the formats a Swagger spec uses; :mod:`.checkers` holds
our own implementations, so start-up never imports jsonschema (whose
optional format plug-ins take seconds to import). Conversions follow bravado-core's
DEFAULT_FORMATS: ``date`` <-> ``datetime.date``, ``date-time`` <->
``datetime.datetime`` (naive values are written as UTC). User formats are
:class:`SwaggerFormat` tuples, or bravado-core's ``SwaggerFormat`` (the same fields: version 1
services pass those, bravado-core being then a dependency of theirs).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol


from pymacaron_core.schema.checkers import CHECKERS


_parser: list = []


def _dateparse(s):
    """dateutil's parser, imported on the first date that needs it (not at start-up)."""
    if not _parser:
        from dateutil.parser import parse

        _parser.append(parse)
    return _parser[0](s)

# Formats whose conversion is the identity (or a plain int()/float() cast) in
# bravado-core: nothing to do per value.
_IDENTITY = {"byte", "double", "float", "int32", "int64"}


class SwaggerFormat(NamedTuple):
    """A user format, with the fields of bravado-core's ``SwaggerFormat``: ``validate(value)`` raises
    (any exception, its message is the error) when a string is not of the format; ``to_python`` and
    ``to_wire`` convert a value read from or written to the wire (``None``: unchanged)."""

    format: str
    to_python: Callable[[Any], Any] | None
    to_wire: Callable[[Any], Any] | None
    validate: Callable[[Any], Any]
    description: str = ""


class FormatLike(Protocol):
    """What :meth:`FormatRegistry.add` reads of a format: :class:`SwaggerFormat`'s fields (bravado-core's
    ``SwaggerFormat`` has them too)."""

    @property
    def format(self) -> str:
        """The format's name, as ``format:`` in a schema writes it."""

    @property
    def to_python(self) -> Callable[[Any], Any] | None:
        """Converts a wire value to Python (None: kept as read)."""

    @property
    def to_wire(self) -> Callable[[Any], Any] | None:
        """Converts a Python value for the wire (None: written as it is)."""

    @property
    def validate(self) -> Callable[[Any], Any]:
        """Raises (its message is the error) when a value is not of the format."""


# A format validator: value -> None if valid, else the error message.
FormatValidator = Callable[[Any], "str | None"]


def _date_to_wire(d):
    return d.isoformat() if isinstance(d, (datetime.date, datetime.datetime)) else d


def _datetime_to_wire(dt):
    if isinstance(dt, datetime.datetime):
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        return dt.isoformat()
    return dt


def _date_to_python(s):
    if isinstance(s, str):
        return _dateparse(s).date()
    return s


def _datetime_to_python(s):
    if isinstance(s, str):
        try:  # fast path for RFC 3339, the common case
            return datetime.datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" and s else s)
        except ValueError:
            return _dateparse(s)
    return s


class FormatRegistry:
    """The formats one API knows: built-ins plus the user's :class:`SwaggerFormat` s."""

    def __init__(self, user_formats: Iterable[FormatLike] | None = None) -> None:
        self._validators: dict[str, FormatValidator] = {}
        self._to_python: dict[str, Callable[[Any], Any]] = {"date": _date_to_python,
                                                             "date-time": _datetime_to_python}
        self._to_wire: dict[str, Callable[[Any], Any]] = {"date": _date_to_wire, "date-time": _datetime_to_wire}
        for name, func in CHECKERS.items():
            self._validators[name] = _checker_validator(name, func)
        for fmt in user_formats or ():
            self.add(fmt)

    def add(self, fmt: FormatLike) -> None:
        """Register a :class:`SwaggerFormat` (or bravado-core's, or any object with the same fields)."""
        name = fmt.format
        self._validators[name] = _user_validator(name, fmt.validate)
        if fmt.to_python is not None:
            self._to_python[name] = fmt.to_python
        if fmt.to_wire is not None:
            self._to_wire[name] = fmt.to_wire

    def validator(self, name: str) -> FormatValidator | None:
        """A function value -> None if valid, else an error message; or None."""
        return self._validators.get(name)

    def to_python(self, name: str) -> Callable[[Any], Any] | None:
        """The function converting a wire value of format ``name`` to Python (``date`` -> ``datetime.date``);
        None when the value is kept as read."""
        if name in _IDENTITY and name not in self._to_python:
            return None
        return self._to_python.get(name)

    def to_wire(self, name: str) -> Callable[[Any], Any] | None:
        """The function converting a Python value of format ``name`` for the wire (``datetime.date`` ->
        ISO string); None when the value is written as it is."""
        if name in _IDENTITY and name not in self._to_wire:
            return None
        return self._to_wire.get(name)


def _checker_validator(name, func):
    def check(value):
        if not isinstance(value, str) or func(value):
            return None
        return f"{value!r} is not a {name!r}"

    check.__name__ = f"check_format_{name.replace('-', '_')}"
    return check


def _user_validator(name, validate):
    def check(value):
        if not isinstance(value, (str, int, float)):
            return None
        try:
            validate(value)
        except Exception as e:  # SwaggerValidationError, ValueError...
            detail = str(e) or e.__class__.__name__
            return f"{value!r} is not a {name!r}: {detail}"
        return None

    check.__name__ = f"check_format_{name.replace('-', '_')}"
    return check

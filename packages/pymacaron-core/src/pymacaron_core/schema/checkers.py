"""Checkers for the string formats of JSON Schema: ``value -> bool``.

Each accepts exactly what jsonschema's FormatChecker accepts for that format
(tests compare both), without importing jsonschema.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import uuid
from typing import Any


# The format libraries are imported on the first value of their format (not at start-up).
_libs: dict[str, Any] = {}


def validate_rfc3339(value: str) -> bool:
    """rfc3339_validator's check that ``value`` is an RFC 3339 date-time (the library is imported on
    the first call)."""
    func = _libs.get("rfc3339")
    if func is None:
        from rfc3339_validator import validate_rfc3339

        func = _libs["rfc3339"] = validate_rfc3339
    return func(value)


def validate_rfc3986(value: str, rule: str = "URI") -> Any:
    """rfc3986_validator's check of ``value`` against the RFC 3986 grammar ``rule`` (``"URI"``,
    ``"URI_reference"``...): a truthy match object if it conforms (imported on the first call)."""
    func = _libs.get("rfc3986")
    if func is None:
        from rfc3986_validator import validate_rfc3986

        func = _libs["rfc3986"] = validate_rfc3986
    return func(value, rule=rule)


def FQDN(*args: Any, **kwargs: Any) -> Any:  # noqa: N802  (stands for fqdn.FQDN)
    """An ``fqdn.FQDN`` built from these arguments (the library is imported on the first call)."""
    cls = _libs.get("fqdn")
    if cls is None:
        from fqdn import FQDN as fqdn_class

        cls = _libs["fqdn"] = fqdn_class
    return cls(*args, **kwargs)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def is_email(value: str) -> bool:
    """Whether ``value`` has an ``@`` (the whole of jsonschema's ``email`` check)."""
    return "@" in value


def is_date(value: str) -> bool:
    """Whether ``value`` is a real calendar date written ``YYYY-MM-DD``."""
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: str) -> bool:
    """Whether ``value`` is an RFC 3339 date-time (``T``/``Z`` in either case)."""
    return bool(validate_rfc3339(value.upper()))


def is_ipv4(value: str) -> bool:
    """Whether ``value`` is a dotted-quad IPv4 address."""
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    """Whether ``value`` is an IPv6 address without a ``%scope`` zone."""
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return not getattr(address, "scope_id", "")


def is_hostname(value: str) -> bool:
    """Whether ``value`` is a valid host name (one label is enough)."""
    try:
        return FQDN(value, min_labels=1).is_valid
    except ValueError:
        return False


def is_uri(value: str) -> bool:
    """Whether ``value`` is an absolute URI (RFC 3986, with a scheme)."""
    return bool(validate_rfc3986(value, rule="URI"))


def is_uri_reference(value: str) -> bool:
    """Whether ``value`` is a URI or a relative reference (RFC 3986)."""
    return bool(validate_rfc3986(value, rule="URI_reference"))


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID in its hyphenated 8-4-4-4-12 form."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return all(value[i] == "-" for i in (8, 13, 18, 23))


def is_regex(value: str) -> bool:
    """Whether ``value`` compiles as a Python regular expression."""
    try:
        re.compile(value)
    except re.error:
        return False
    return True


CHECKERS = {
    "email": is_email,
    "idn-email": is_email,
    "date": is_date,
    "date-time": is_datetime,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "hostname": is_hostname,
    "uri": is_uri,
    "uri-reference": is_uri_reference,
    "uuid": is_uuid,
    "regex": is_regex,
}

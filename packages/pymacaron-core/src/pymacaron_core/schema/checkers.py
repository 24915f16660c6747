"""Checkers for the string formats of JSON Schema: ``value -> bool``.

Each accepts exactly what jsonschema's FormatChecker accepts for that format
(tests compare both), without importing jsonschema.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import uuid


# The format libraries are imported on the first value of their format (not at start-up).
_libs: dict = {}


def validate_rfc3339(value):
    func = _libs.get("rfc3339")
    if func is None:
        from rfc3339_validator import validate_rfc3339 as func
        _libs["rfc3339"] = func
    return func(value)


def validate_rfc3986(value, rule="URI"):
    func = _libs.get("rfc3986")
    if func is None:
        from rfc3986_validator import validate_rfc3986 as func
        _libs["rfc3986"] = func
    return func(value, rule=rule)


def FQDN(*args, **kwargs):  # noqa: N802  (stands for fqdn.FQDN)
    cls = _libs.get("fqdn")
    if cls is None:
        from fqdn import FQDN as cls
        _libs["fqdn"] = cls
    return cls(*args, **kwargs)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def is_email(value):
    return "@" in value


def is_date(value):
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value):
    return bool(validate_rfc3339(value.upper()))


def is_ipv4(value):
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value):
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return not getattr(address, "scope_id", "")


def is_hostname(value):
    try:
        return FQDN(value, min_labels=1).is_valid
    except ValueError:
        return False


def is_uri(value):
    return bool(validate_rfc3986(value, rule="URI"))


def is_uri_reference(value):
    return bool(validate_rfc3986(value, rule="URI_reference"))


def is_uuid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return all(value[i] == "-" for i in (8, 13, 18, 23))


def is_regex(value):
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

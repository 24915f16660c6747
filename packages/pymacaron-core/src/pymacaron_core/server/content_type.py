"""Which media types an operation accepts for its body (``consumes``), checked before parsing.

A request whose body is in a type the operation does not consume gets a 415
UNSUPPORTED_MEDIA_TYPE naming what it accepts, instead of being parsed as something it is
not. Rules:

- only operations with a body or formData parameters check anything;
- a request without a body (no Content-Length and no Transfer-Encoding, or an empty body)
  passes: "required" is the body check's job;
- a body without Content-Type counts as JSON (as in pymacaron v1);
- ``consumes`` entries match with their parameters ignored, and may be wildcards
  (``*/*``, ``text/*``);
- where ``application/json`` is accepted, so is any ``+json`` type (RFC 6839:
  ``application/vnd.api+json``, ``application/merge-patch+json``), parsed as JSON;
- when the spec declares no ``consumes``, a body operation accepts JSON, a formData
  operation form-encoded and multipart bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import UnsupportedMediaTypeError

if TYPE_CHECKING:
    from pymacaron_core.spec.description import Operation

JSON = "application/json"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def media_type(value: str | None) -> str:
    """'Application/JSON; charset=utf-8' -> 'application/json'."""
    return (value or "").split(";", 1)[0].strip().lower()


class ContentTypeCheck:
    """Compiled from an operation; call it with the WSGI environ."""

    __slots__ = ("where", "exact", "prefixes", "any", "accepted", "json_suffix")

    def __init__(self, operation: Operation) -> None:
        self.where = operation.where
        if operation.consumes_declared:
            declared = [media_type(c) for c in operation.consumes]
        elif operation.params_in("formData"):
            declared = list(FORMS)
        else:
            declared = [JSON]
        self.accepted = ", ".join(declared) or "nothing"
        self.any = "*/*" in declared
        self.prefixes = tuple(c[:-1] for c in declared if c.endswith("/*") and c != "*/*")
        self.exact = frozenset(c for c in declared if not c.endswith("/*"))
        self.json_suffix = JSON in self.exact

    def __repr__(self) -> str:
        return f"<ContentTypeCheck {self.where}: {self.accepted}>"

    def __call__(self, environ: Mapping[str, Any]) -> None:
        mtype = media_type(environ.get("CONTENT_TYPE")) or JSON
        if mtype in self.exact or self.any:
            return
        if not _has_body(environ):
            return
        if self.prefixes and mtype.startswith(self.prefixes):
            return
        if self.json_suffix and mtype.endswith("+json"):
            return
        raise UnsupportedMediaTypeError(
            f"{self.where} does not accept a body of type {mtype!r}: send one of {self.accepted} "
            "(the Content-Type header)")


def accepted_types(text: str) -> tuple:
    """An ``encoding.contentType`` list ('image/png, image/*') -> its media types, lower case."""
    return tuple(m for m in (media_type(part) for part in text.split(",")) if m)


def media_matches(mtype: str, accepted: tuple) -> bool:
    """True when the media type ``mtype`` is one of ``accepted`` (wildcards ``*/*`` and ``type/*`` allowed)."""
    for pattern in accepted:
        if pattern == mtype or pattern == "*/*" or pattern.endswith("/*") and mtype.startswith(pattern[:-1]):
            return True
    return False


def _has_body(environ):
    length = environ.get("CONTENT_LENGTH")
    if length:
        return length.strip() != "0"
    return bool(environ.get("HTTP_TRANSFER_ENCODING"))


def check_for(operation: Operation) -> ContentTypeCheck | None:
    """The ContentTypeCheck of ``operation``, or None when it takes no body."""
    if operation.body is None and not operation.params_in("formData"):
        return None
    return ContentTypeCheck(operation)

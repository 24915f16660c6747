"""The schema dialects the compiler speaks, and what distinguishes them.

======== =================================================================
swagger2 Swagger 2.0: JSON Schema Draft 4 + ``x-nullable`` + bravado-core's
         ``discriminator`` (a property name, with ``x-model``) + ``type: file``.
oas30    OpenAPI 3.0 Schema Object: the Draft 4 subset + ``nullable``,
         ``$ref`` siblings ignored, ``discriminator`` (propertyName, mapping),
         ``readOnly``/``writeOnly`` by direction.
oas31    OpenAPI 3.1: JSON Schema 2020-12 + ``discriminator`` + ``readOnly``/
         ``writeOnly`` by direction.
draft4   plain Draft 4 (the Swagger 2.0 and OpenAPI 3.0 structure schemas).
draft2020-12  plain 2020-12 (the OpenAPI 3.1 structure schemas).
======== =================================================================

``x-nullable: true`` (a PyMacaron extension) lets ``null`` skip every check in
all three OpenAPI dialects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def single_type(kind: Any) -> Any:
    """A schema's ``type`` as one name: OpenAPI 3.1 type arrays lose ``"null"`` (``[number, "null"]`` ->
    ``number``); None when several types remain; any other value as it is."""
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    return kind


@dataclass(frozen=True)
class Dialect:
    """One schema dialect: its name and the flags the compiler reads to decide which keywords apply
    and how."""

    name: str
    modern: bool  # 2020-12 keywords, boolean schemas, $id/$anchor/$dynamicRef, numeric exclusive bounds
    ref_siblings: bool  # keywords next to $ref apply too (else they are ignored, as Draft 4 says)
    nullable: bool  # OpenAPI 3.0 `nullable: true` admits null at the `type` check
    x_nullable: bool  # `x-nullable: true`: null skips every check
    bravado: bool  # Swagger 2.0 `discriminator: <property>` with `x-model` (bravado-core's polymorphism)
    oas: bool  # OpenAPI discriminator object; readOnly/writeOnly honoured for a direction


DIALECTS = {
    "swagger2": Dialect("swagger2", modern=False, ref_siblings=False, nullable=False, x_nullable=True,
                        bravado=True, oas=False),
    "oas30": Dialect("oas30", modern=False, ref_siblings=False, nullable=True, x_nullable=True,
                     bravado=False, oas=True),
    "oas31": Dialect("oas31", modern=True, ref_siblings=True, nullable=False, x_nullable=True,
                     bravado=False, oas=True),
    "draft4": Dialect("draft4", modern=False, ref_siblings=False, nullable=False, x_nullable=False,
                      bravado=False, oas=False),
    "draft2020-12": Dialect("draft2020-12", modern=True, ref_siblings=True, nullable=False, x_nullable=False,
                            bravado=False, oas=False),
}


def dialect(name: str) -> Dialect:
    """The :class:`Dialect` called ``name``; ValueError naming the known ones if there is none."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown schema dialect {name!r} (known: {', '.join(DIALECTS)})") from None

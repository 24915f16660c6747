"""What one conversion shares: the source document, the target version, notes, renamed components, $refs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymacaron_core.exceptions import format_location

# Swagger 2.0 section -> OpenAPI 3 components section
SECTIONS = {
    "definitions": "schemas",
    "parameters": "parameters",
    "responses": "responses",
    "securityDefinitions": "securitySchemes",
}
_COMPONENT_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_WHAT = {"schemas": "definition", "parameters": "parameter", "responses": "response",
         "securitySchemes": "security definition"}


@dataclass(frozen=True)
class Note:
    """Something the conversion could not carry over exactly.

    ``path``: where, as a JSON path into the Swagger 2.0 input (map it to a line
    with :class:`~pymacaron_core.spec.yamlfile.Locations`); ``message``: what
    changed or was lost; ``fix``: what to check or do about it.
    """

    path: tuple
    message: str
    fix: str = ""

    @property
    def where(self):
        return format_location(self.path) or "(top level)"

    def __str__(self):
        text = f"{self.where}: {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def escape(token):
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Context:
    src: dict
    version: str  # "3.0" | "3.1"
    known_schemas: frozenset = frozenset()
    notes: list = field(default_factory=list)
    # components section -> {Swagger 2.0 name: OpenAPI 3 name}, for names 3.x does not allow
    names: dict = field(default_factory=lambda: {kind: {} for kind in SECTIONS.values()})

    @property
    def v31(self):
        return self.version == "3.1"

    def note(self, path, message, fix=""):
        note = Note(tuple(path), message, fix)
        if note not in self.notes:
            self.notes.append(note)

    def section(self, name):
        value = self.src.get(name)
        return value if isinstance(value, dict) else {}

    def new_name(self, kind, name):
        return self.names[kind].get(name, name)

    def plan_names(self):
        """Rename the components whose names OpenAPI 3 does not allow (letters, digits, '.', '-', '_')."""
        for section, kind in SECTIONS.items():
            names = list(self.section(section))
            taken = {n for n in names if _COMPONENT_NAME.match(n)}
            for name in names:
                if _COMPONENT_NAME.match(name):
                    continue
                base = re.sub(r"[^A-Za-z0-9._-]", "_", name)
                new, i = base, 2
                while new in taken:
                    new, i = f"{base}_{i}", i + 1
                taken.add(new)
                self.names[kind][name] = new
                extra = f"; its PyMacaron model class is now {new}" if kind == "schemas" else ""
                fix = ("update the code that names it" if kind != "securitySchemes"
                       else "the security requirements that name it were updated")
                self.note((section, name), f"{_WHAT[kind]} {name!r} renamed {new!r}: OpenAPI 3 component "
                          f"names allow only letters, digits, '.', '-' and '_'{extra}", fix)

    # -- $ref --------------------------------------------------------------

    def local_target(self, ref):
        """'#/parameters/X' -> ('parameters', 'X', rest) for a ref into a Swagger 2.0 section, else None."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        parts = ref[2:].split("/")
        if parts[0] not in SECTIONS or len(parts) < 2:
            return None
        return parts[0], unescape(parts[1]), parts[2:]

    def rewrite_ref(self, path, ref, kind=None):
        """A Swagger 2.0 ``$ref`` -> its OpenAPI 3 form (``kind`` overrides the target section)."""
        if not isinstance(ref, str):
            return ref
        target = self.local_target(ref)
        if target is not None:
            section, name, rest = target
            new_kind = kind or SECTIONS[section]
            if name not in self.section(section) and not (section == "definitions" and name in self.known_schemas):
                new = f"#/components/{new_kind}/{escape(self.new_name(SECTIONS[section], name))}"
                self.note(path, f"$ref {ref!r} points to nothing in this file; written as {new!r}",
                          f"define {name!r} under components/{new_kind}, or correct the $ref")
            elif rest and section in ("parameters", "responses"):
                self.note(path, f"$ref {ref!r} points inside a Swagger 2.0 {section[:-1]}, whose structure "
                          "changes in OpenAPI 3", "point it at the whole component, or at the new location")
            tail = "/" + "/".join(rest) if rest else ""
            return f"#/components/{new_kind}/{escape(self.new_name(SECTIONS[section], name))}{tail}"
        if ref.startswith("#"):
            self.note(path, f"$ref {ref!r} points into a part of the document whose structure changes in "
                      "OpenAPI 3; kept as is", "point it at a component instead")
            return ref
        file_part, _, pointer = ref.partition("#")
        parts = pointer.split("/")
        if len(parts) >= 3 and parts[0] == "" and parts[1] in SECTIONS:
            now = f"{file_part}#/components/{SECTIONS[parts[1]]}/{'/'.join(parts[2:])}"
            self.note(path, f"external $ref {ref!r} kept as is: it points into the Swagger 2.0 layout of "
                      f"{file_part!r}", f"when {file_part!r} is converted too, change it to {now!r}")
        return ref

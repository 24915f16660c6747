"""Load a YAML (or JSON) spec, and find the line of any of its nodes.

The result is plain JSON-like data (dict keys are strings, dates become ISO
strings) plus a :class:`Locations` map from JSON paths to line numbers, so
that start-up errors can point at the line to fix.

A YAML text is read in one pass over libyaml's nodes that builds the data and
the tree of lines together, taking plain strings (most of a spec) as they
are rather than through PyYAML's generic constructor, and resolving the tag
of each distinct plain scalar once. A text that is a JSON object is read by
the json module (several times faster than any YAML reader), and its lines
are found in the text only when one is asked for (:class:`JsonText`): most
starts never ask (a spec without problems).
"""

from __future__ import annotations

import bisect
import datetime
import json
import json.decoder
import re
from collections.abc import Iterable
from typing import Any, Union

from pymacaron_core.exceptions import SpecError, SpecProblem


# Where the nodes of a document are: a scalar's line, or [line, children] for a mapping (children: key ->
# where) or a sequence (children: a list). A mapping member is on its key's line.
Where = Union[int, list]


class Locations:
    """JSON path (tuple of keys) -> 1-based line number.

    Three sources: the tree of lines recorded while a YAML text was read (:data:`Where`), the JSON
    text of such a tree (the start-up cache; parsed on the first question), or a JSON spec's own
    text (:class:`JsonText`: each question walks down the text to the node).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self._tree: Where | None = None
        self._serialized: str | None = None  # JSON text of the tree, read on first use (start-up cache)
        self._source: JsonText | None = None  # a JSON spec's text, where lines are looked up

    def line(self, path: Iterable[str | int]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        if self._source is not None:
            return self._source.line(tuple(path))
        if self._serialized is not None:
            self._materialize()
        node = self._tree
        found = node[0] if isinstance(node, list) else node
        for key in path:
            if not isinstance(node, list):
                break
            node = _child(node[1], key)
            if node is None:
                break
            found = node[0] if isinstance(node, list) else node
        return found

    @property
    def unparsed(self) -> bool:
        """True when the lines are those of a JSON spec's text (the start-up cache keeps no map for them)."""
        return self._source is not None

    def to_json(self) -> str:
        """The tree of lines as JSON text (see :meth:`from_json`)."""
        if self._serialized is not None:
            return self._serialized
        self._materialize()
        return json.dumps(self._tree, separators=(",", ":"))

    @classmethod
    def from_json(cls, file: str, text: str) -> Locations:
        """The lines of ``file`` from :meth:`to_json`'s text, parsed when a line is first asked for."""
        locs = cls(file)
        locs._serialized = text
        return locs

    @classmethod
    def from_json_text(cls, file: str, text: str) -> Locations:
        """The lines of ``file``, a JSON document whose text is ``text``, found in it when asked for."""
        locs = cls(file)
        locs._source = JsonText(text)
        return locs

    def _materialize(self):
        if self._source is not None:  # every line of the text, as reading it as YAML records them
            text, self._source = self._source.text, None
            self._tree = _parse(text, self.file, lambda loader, node, classes: _build(loader, node, set(), classes))[1]
        elif self._serialized is not None:
            text, self._serialized = self._serialized, None
            self._tree = json.loads(text)


def _child(children, key):
    if isinstance(children, dict):
        return children.get(key if isinstance(key, str) else str(key))
    return children[key] if isinstance(key, int) and 0 <= key < len(children) else None


_WHITESPACE = re.compile(r"[ \t\n\r]*")


class JsonText:
    """The text of a JSON document, and the line of any node in it, found by walking down to it.

    A member of an object is on the line of its key, an item of an array where it starts (what
    reading the text as YAML records). Each object or array on the way is indexed once (its
    members' offsets; their values skipped by the json module's C scanner), so a question costs
    the size of what it walks through the first time, and a dictionary lookup per level afterwards.
    The text must be valid JSON (it was read with the json module first).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._members: dict[tuple, dict[str, tuple[int, int]] | list[int] | None] = {}
        self._newlines: list[int] | None = None
        # the C scanner: (value, end) of the value at an offset
        self._scan: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

    def line(self, path: tuple) -> int:
        """The line of the node at ``path``, or of its nearest ancestor in the text."""
        text = self.text
        pos = found = _skip(text, 0)
        for depth, key in enumerate(path):
            members = self._index(path[:depth], pos)
            if isinstance(members, dict) and isinstance(key, str) and key in members:
                found, pos = members[key]
            elif isinstance(members, list) and isinstance(key, int) and 0 <= key < len(members):
                found = pos = members[key]
            else:
                break
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", text)]
        return bisect.bisect_left(self._newlines, found) + 1

    def _index(self, prefix, pos):
        if prefix in self._members:
            return self._members[prefix]
        text, scan, skip = self.text, self._scan, _skip
        members: dict[str, tuple[int, int]] | list[int] | None = None
        try:
            if text.startswith("{", pos):
                members = {}
                i = skip(text, pos + 1)
                while text[i] != "}":
                    key_at = i
                    key, i = json.decoder.scanstring(text, i + 1)
                    i = skip(text, skip(text, i) + 1)  # the ':' and the spaces around it
                    members[key] = (key_at, i)
                    i = skip(text, scan(text, i)[1])
                    if text[i] == ",":
                        i = skip(text, i + 1)
            elif text.startswith("[", pos):
                members = []
                i = skip(text, pos + 1)
                while text[i] != "]":
                    members.append(i)
                    i = skip(text, scan(text, i)[1])
                    if text[i] == ",":
                        i = skip(text, i + 1)
        except (ValueError, IndexError, StopIteration):  # not the JSON it was: no deeper line than here
            members = None
        self._members[prefix] = members
        return members


def _skip(text: str, i: int) -> int:
    """The offset of the first character at or after ``i`` that is not JSON whitespace."""
    m = _WHITESPACE.match(text, i)
    return m.end() if m else i


_LOADERS: dict[type, type] = {}


def _yaml():
    """PyYAML, imported when a spec is read (not when the start-up cache serves it), and its loader:
    libyaml's parser when available (several times faster), the pure-Python one otherwise, resolving
    each distinct plain scalar once (:func:`_memo_loader`)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if base.yaml_path_resolvers:  # someone registered path resolvers: tags then depend on where a node is
        return yaml, base
    loader = _LOADERS.get(base)
    if loader is None:
        loader = _LOADERS[base] = _memo_loader(base, yaml.ScalarNode)
    return yaml, loader


def _memo_loader(base, scalar_node):
    """``base`` resolving the tag of each distinct (value, implicit) of a scalar once per document: with no
    path resolvers a scalar's tag depends on nothing else (a spec repeats 'type', 'string', 'object'...
    thousands of times), and the resolver's bookkeeping of paths is skipped (it has none to follow)."""

    class Loader(base):
        def __init__(self, stream):
            super().__init__(stream)
            self._tags = {}

        def resolve(self, kind, value, implicit):
            if kind is scalar_node:
                key = (value, implicit)
                tag = self._tags.get(key)
                if tag is None:
                    tag = self._tags[key] = base.resolve(self, kind, value, implicit)
                return tag
            return base.resolve(self, kind, value, implicit)

        def descend_resolver(self, current_node, current_index):
            return None

        def ascend_resolver(self):
            return None

    return Loader


def _scalar(loader, node):
    value = loader.construct_object(node, deep=True)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


class _RecursiveAlias(Exception):
    def __init__(self, node):
        super().__init__("recursive YAML alias")
        self.node = node


_STR = "tag:yaml.org,2002:str"


def _build(loader, node, seen, classes):
    """-> (the Python value of ``node``, where it and everything in it are: :data:`Where`).

    ``classes``: PyYAML's (MappingNode, SequenceNode, ScalarNode). Strings (most of a spec) are taken
    as they are; other scalars, merge keys and keys that are not strings go through PyYAML's constructor.
    """
    line = node.start_mark.line + 1
    if node.tag == _STR and node.__class__ is classes[2]:
        return node.value, line
    if not isinstance(node, (classes[0], classes[1])):
        return _scalar(loader, node), line
    if id(node) in seen:  # an alias to one of its own ancestors: the data would be infinite
        raise _RecursiveAlias(node)
    seen.add(id(node))
    try:
        scalar = classes[2]
        if isinstance(node, classes[1]):
            items, wheres = [], []
            for item in node.value:
                if item.tag == _STR and item.__class__ is scalar:  # most items: no call
                    items.append(item.value)
                    wheres.append(item.start_mark.line + 1)
                    continue
                value, where = _build(loader, item, seen, classes)
                items.append(value)
                wheres.append(where)
            return items, [line, wheres]
        for key_node, _ in node.value:
            if key_node.tag != _STR or key_node.__class__ is not classes[2]:
                loader.flatten_mapping(node)  # merge keys (<<), keys that are not strings: the general way
                break
        out, members = {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR and key_node.__class__ is scalar:
                key = key_node.value
            else:
                key = _scalar(loader, key_node)
                key = key if isinstance(key, str) else _key_to_str(key)
            key_line = key_node.start_mark.line + 1  # a member is on its key's line
            if value_node.tag == _STR and value_node.__class__ is scalar:  # most values: no call
                out[key] = value_node.value
                members[key] = key_line
                continue
            out[key], where = _build(loader, value_node, seen, classes)
            members[key] = key_line if where.__class__ is int else [key_line, where[1]]
        return out, [line, members]
    finally:
        seen.discard(id(node))


def _key_to_str(key):
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _parse(text, file, build):
    """``build(loader, root node, node classes)`` on the parsed ``text``; YAML errors -> SpecError (file, line)."""
    yaml, loader_class = _yaml()
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(SpecProblem(file, 1, "", "the file is empty",
                                        "write a Swagger 2.0 spec in it"))
        return build(loader, node, (yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode))
    except _RecursiveAlias as e:
        raise SpecError(SpecProblem(
            file, e.node.start_mark.line + 1, "", "recursive YAML alias: an anchor (&name) is used (*name) inside "
            "its own value, which would make the spec infinite",
            "copy the value instead of aliasing it, or use a $ref to a definition")) from None
    except RecursionError:
        raise SpecError(SpecProblem(file, None, "", "the YAML is nested too deeply to be read",
                                    "flatten the spec (use $ref to definitions)")) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise SpecError(SpecProblem(
            file, line, "", f"YAML syntax error: {what}",
            "fix the indentation or quoting on that line (tabs are not allowed in YAML)",
        )) from None
    except yaml.YAMLError as e:
        raise SpecError(SpecProblem(file, None, "", f"YAML error: {e}", "")) from None
    finally:
        loader.dispose()


def _json_data(text):
    """``text`` read as JSON when it is a JSON object (a JSON spec), else None (read as YAML)."""
    if not text.lstrip()[:1] == "{":
        return None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None  # YAML flow style that is not JSON, or not valid at all: YAML says which and where
    return data if isinstance(data, dict) else None


def _no_constant(name):
    raise ValueError(name)  # NaN, Infinity: not JSON, and YAML reads them as strings


def load_yaml(text: str, file: str) -> tuple[dict[str, Any], Locations]:
    """Parse ``text`` (the content of ``file``) -> (data, Locations).

    Raises SpecError naming the file and line on a YAML syntax error.
    """
    data = _json_data(text)
    if data is not None:
        return data, Locations.from_json_text(file, text)
    locs = Locations(file)
    data, locs._tree = _parse(text, file, lambda loader, node, classes: _build(loader, node, set(), classes))
    if not isinstance(data, dict):
        raise SpecError(SpecProblem(file, 1, "", "the spec is not a YAML mapping",
                                    "start the file with 'swagger: \"2.0\"'"))
    return data, locs

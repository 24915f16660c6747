"""Load a YAML spec while remembering the line of every node.

The result is plain JSON-like data (dict keys are strings, dates become ISO
strings) plus a :class:`Locations` map from JSON paths to line numbers, so
that start-up errors can point at the line to fix.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from pymacaron_core.exceptions import SpecError, SpecProblem


class Locations:
    """JSON path (tuple of keys) -> 1-based line number."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._lines: dict[tuple, int] = {}
        self._serialized: str | None = None  # JSON text of the map, read on first use (start-up cache)

    def set(self, path: Iterable[str | int], line: int) -> None:
        """Record that the node at ``path`` is on ``line``."""
        if self._serialized is not None:
            self._materialize()
        self._lines[tuple(path)] = line

    def line(self, path: Iterable[str | int]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        if self._serialized is not None:
            self._materialize()
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get((), None)

    def to_json(self) -> str:
        """The map as JSON text: a list of ``[line, key, key...]`` (see :meth:`from_json`)."""
        if self._serialized is not None:
            return self._serialized
        return json.dumps([[line, *path] for path, line in self._lines.items()], separators=(",", ":"))

    @classmethod
    def from_json(cls, file: str, text: str) -> Locations:
        """The map of ``file`` from :meth:`to_json`'s text, parsed when a line is first asked for."""
        locs = cls(file)
        locs._serialized = text
        return locs

    def _materialize(self):
        text, self._serialized = self._serialized, None
        names = {}  # one string object per distinct key: paths share most of theirs
        self._lines = {tuple([names.setdefault(k, k) for k in entry[1:]]): entry[0] for entry in json.loads(text)}


def _yaml():
    """PyYAML, imported when a spec is read (not when the start-up cache serves it), and its loader:
    libyaml's parser when available (several times faster), the pure-Python one otherwise."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(loader, node):
    value = loader.construct_object(node, deep=True)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


class _RecursiveAlias(Exception):
    def __init__(self, node):
        super().__init__("recursive YAML alias")
        self.node = node


def _build(loader, node, path, locs, seen, containers):
    locs.set(path, node.start_mark.line + 1)
    if isinstance(node, containers):
        if id(node) in seen:  # an alias to one of its own ancestors: the data would be infinite
            raise _RecursiveAlias(node)
        seen.add(id(node))
        try:
            if isinstance(node, containers[1]):
                return [_build(loader, item, path + (i,), locs, seen, containers) for i, item in enumerate(node.value)]
            loader.flatten_mapping(node)
            out = {}
            for key_node, value_node in node.value:
                key = _scalar(loader, key_node)
                key = key if isinstance(key, str) else _key_to_str(key)
                out[key] = _build(loader, value_node, path + (key,), locs, seen, containers)
                locs.set(path + (key,), key_node.start_mark.line + 1)
            return out
        finally:
            seen.discard(id(node))
    return _scalar(loader, node)


def _key_to_str(key):
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def load_yaml(text: str, file: str) -> tuple[dict[str, Any], Locations]:
    """Parse ``text`` (the content of ``file``) -> (data, Locations).

    Raises SpecError naming the file and line on a YAML syntax error.
    """
    yaml, loader_class = _yaml()
    locs = Locations(file)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(SpecProblem(file, 1, "", "the file is empty",
                                        "write a Swagger 2.0 spec in it"))
        data = _build(loader, node, (), locs, set(), (yaml.MappingNode, yaml.SequenceNode))
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
    if not isinstance(data, dict):
        raise SpecError(SpecProblem(file, 1, "", "the spec is not a YAML mapping",
                                    "start the file with 'swagger: \"2.0\"'"))
    return data, locs

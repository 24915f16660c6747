"""Check that every regular expression of a spec compiles (stage 2, with the structure check).

Validators are generated on their first call (``SchemaCompiler(lazy=True)``), so what could
make generating one fail must be found at start-up instead: an unresolved ``$ref`` (checked by
``spec/document.py``) and a ``pattern`` (or ``patternProperties`` key) that is not a valid
regular expression (checked here, with the file and line of each).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pymacaron_core.exceptions import SpecProblem, format_location

if TYPE_CHECKING:
    from pymacaron_core.spec.yamlfile import Locations

# Values, not schemas: a "pattern" in them is data.
_DATA_KEYS = frozenset(("example", "examples", "default", "enum", "const", "x-example", "x-examples"))


def check_patterns(data: Any, locs: Locations) -> list[SpecProblem]:
    """Problems (file:line, fix) for each ``pattern`` / ``patternProperties`` key that does not compile."""
    problems: list[SpecProblem] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                error = _compile_error(pattern)
                if error:
                    problems.append(_problem(locs, path + ("pattern",), f"pattern {pattern!r}", error))
            props = node.get("patternProperties")
            if isinstance(props, dict):
                for key in props:
                    error = _compile_error(key)
                    if error:
                        problems.append(_problem(locs, path + ("patternProperties", key),
                                                 f"patternProperties key {key!r}", error))
            for key, value in node.items():
                if isinstance(value, (dict, list)) and key not in _DATA_KEYS and not key.startswith("x-"):
                    stack.append((value, path + (key,)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, (dict, list)):
                    stack.append((value, path + (i,)))
    return problems


def _compile_error(pattern):
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as e:
        return str(e) or e.__class__.__name__
    return None


def _problem(locs, path, what, error):
    return SpecProblem(locs.file, locs.line(path), format_location(path) or "(top level)",
                       f"{what} is not a valid regular expression: {error}",
                       "correct the regular expression (Python's re syntax), or quote it in the YAML")

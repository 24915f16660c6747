"""Write a spec as readable YAML: keys in document order, short leaves on one line, text as blocks."""

from __future__ import annotations

import yaml

FLOW_WIDTH = 72  # a mapping or list of plain values shorter than this is written on one line
_SCALARS = (str, int, float, bool, type(None))


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # never &id001 / *id001: every node is written where it is
        return True


def _inline_length(value, nested=False):
    """Rough length of ``value`` written in flow style; None when it should be written as a block.

    Flow style is for scalars, lists of scalars, and mappings of those (not nested deeper).
    """
    if isinstance(value, str):
        return None if "\n" in value else len(value) + 2
    if isinstance(value, _SCALARS):
        return len(str(value))
    if isinstance(value, list):
        parts = [_inline_length(v, True) if isinstance(v, _SCALARS) else None for v in value]
    elif isinstance(value, dict) and not nested:
        parts = [_inline_length(v, True) for v in value.values()]
        parts = [None if p is None else p + len(str(k)) + 2 for p, k in zip(parts, value, strict=True)]
    else:
        return None
    if any(p is None for p in parts):
        return None
    return sum(parts) + 2 * len(parts) + 2


def _flow(value):
    length = _inline_length(value)
    return length is not None and length <= FLOW_WIDTH


def _represent_dict(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_flow(data) or None)


def _represent_list(dumper, data):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_flow(data) or None)


def _represent_str(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def to_yaml(data) -> str:
    """``data`` (JSON-like) as YAML text: document key order, no aliases, multi-line text as ``|`` blocks."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100, indent=2)

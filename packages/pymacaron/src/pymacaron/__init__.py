"""PyMacaron: a spec-first Python microservice framework.

    from pymacaron import API, letsgo

The names below are imported on first use (PEP 562), so that light entry points
(``pymconfig``, ``pymversion``, ``pymacaron.resources``) do not pay for Flask and the spec machinery.
"""

import importlib
from typing import TYPE_CHECKING

from pymacaron.__about__ import __version__

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from pymacaron_core import ApiPool, get_model

    from pymacaron.bootstrap import API, get_port, letsgo, load_clients
    from pymacaron.config import get_config

_LAZY = {
    "API": "pymacaron.bootstrap",
    "ApiPool": "pymacaron_core",
    "get_config": "pymacaron.config",
    "get_model": "pymacaron_core",
    "get_port": "pymacaron.bootstrap",
    "letsgo": "pymacaron.bootstrap",
    "load_clients": "pymacaron.bootstrap",
}

__all__ = ["API", "ApiPool", "__version__", "get_config", "get_model", "get_port", "letsgo", "load_clients"]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pymacaron' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))

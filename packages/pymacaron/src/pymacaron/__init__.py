"""PyMacaron: a spec-first Python microservice framework.

    from pymacaron import API, letsgo
"""

from pymacaron_core import ApiPool, get_model

from pymacaron.__about__ import __version__
from pymacaron.bootstrap import API, get_port, letsgo, load_clients
from pymacaron.config import get_config

__all__ = ["API", "ApiPool", "__version__", "get_config", "get_model", "get_port", "letsgo", "load_clients"]

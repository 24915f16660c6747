"""Compatibility import path (pymacaron-core v1)."""

from pymacaron_core.apipool import ApiPool, apis

__all__ = ["ApiPool", "apis"]

"""Compatibility import path (pymacaron-core v1): ``from pymacaron_core.swagger import ApiPool``."""

from pymacaron_core.apipool import ApiPool

__all__ = ["ApiPool"]

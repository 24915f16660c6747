"""Compatibility import path (pymacaron-core v1)."""

from pymacaron_core.api import ApiSpec

__all__ = ["ApiSpec"]

"""Black-box acceptance testing of PyMacaron services."""

from pymacaron_unit.__about__ import __version__

__all__ = ["__version__"]

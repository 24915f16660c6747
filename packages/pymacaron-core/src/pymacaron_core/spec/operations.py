"""Compatibility: operations are described by :mod:`.description` (``Operation``, ``Parameter``)
and read from Swagger 2.0 by :mod:`.swagger2`."""

from pymacaron_core.spec.description import METHODS, Operation, Parameter, flask_var
from pymacaron_core.spec.swagger2 import compile_operations

__all__ = ["METHODS", "Operation", "Parameter", "compile_operations", "flask_var"]

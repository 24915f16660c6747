"""Asynchronous tasks for PyMacaron services, on Celery."""

from pymacaron_async.__about__ import __version__

__all__ = ["__version__"]

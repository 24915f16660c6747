"""Spec-first Python microservice framework: bootstrap, config, JWT auth, errors, crash reports, CLI."""

from pymacaron.__about__ import __version__

__all__ = ["__version__"]

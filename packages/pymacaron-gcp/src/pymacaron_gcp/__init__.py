"""Google Cloud Run and GKE deploys for PyMacaron services."""

from pymacaron_gcp.__about__ import __version__

__all__ = ["__version__"]

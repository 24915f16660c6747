"""Google Cloud Run and GKE deploys for PyMacaron services.

Deploy targets (entry-point group ``pymacaron.deploy_targets``): ``gcp-cloud-run``
(:class:`CloudRunTarget`) and ``gke`` (:class:`GkeTarget`). Commands: ``pymacaron gcp run`` /
``pymgcr`` and ``pymacaron gcp gke`` / ``pymgke``. The targets are imported on first use, so
``import pymacaron_gcp`` (and the CLI's plug-in loading) stays light.
"""

from pymacaron_gcp.__about__ import __version__

__all__ = ["CloudRunTarget", "GkeTarget", "SettingsError", "__version__"]

_LAZY = {
    "CloudRunTarget": "pymacaron_gcp.cloudrun",
    "GkeTarget": "pymacaron_gcp.gke",
    "SettingsError": "pymacaron_gcp._settings",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pymacaron_gcp' has no attribute {name!r}")

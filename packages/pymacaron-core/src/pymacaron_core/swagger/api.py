"""Compatibility import path (pymacaron-core v1)."""

from pymacaron_core.api import API, APIClient, APIModels, default_error_callback

__all__ = ["API", "APIClient", "APIModels", "default_error_callback"]

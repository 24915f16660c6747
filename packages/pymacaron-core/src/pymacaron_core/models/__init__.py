"""Model classes generated from specs, and the global registry of them.

``get_model(name)`` returns the class of a definition, whichever API
defined it; same-named definitions in several APIs must be identical (their
documentation aside) and then share one class.
"""

from __future__ import annotations

from pymacaron_core.exceptions import ValidationError
from pymacaron_core.models.base import ModelAttributeError, PyMacaronModel


class Models:
    """Namespace of every registered model class, by name (``Models.Pet``)."""


_registry: dict = {}


def register_model(cls):
    _registry[cls._pym_name] = cls
    setattr(Models, cls._pym_name, cls)


def registered_models():
    return dict(_registry)


def get_model(name):
    try:
        return _registry[name]
    except KeyError:
        raise ValidationError(f"Swagger spec has no definition for model {name}") from None


def reset_models():
    for name in list(_registry):
        try:
            delattr(Models, name)
        except AttributeError:
            pass
    _registry.clear()


__all__ = ["ModelAttributeError", "Models", "PyMacaronModel", "get_model", "register_model",
           "registered_models", "reset_models"]

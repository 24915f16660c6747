"""Model classes generated from specs, and the global registry of them.

``get_model(name)`` returns the class of a definition, whichever API
defined it. Same-named identical definitions (documentation aside) share one
class. A client's copy of another service's spec may define a name differently:
that client keeps its own classes, and the served API's class keeps the name.
Two served APIs defining a name differently stop start-up.
"""

from __future__ import annotations

from pymacaron_core.exceptions import MergeApisException, ValidationError
from pymacaron_core.models.base import ModelAttributeError, PyMacaronModel


class Models:
    """Namespace of every registered model class, by name (``Models.Pet``)."""


_registry: dict = {}
_served: dict = {}  # model name -> the class of the served API that defines it


def register_model(cls):
    """Make ``cls`` the model of its name, unless a served API's different class holds the name."""
    holder = _served.get(cls._pym_name)
    if holder is not None and holder is not cls:
        return
    _registry[cls._pym_name] = cls
    setattr(Models, cls._pym_name, cls)


def register_served_models(api_name, classes, same_definition):
    """Register the models of an API being served; they win over clients' same-named models.

    Two *served* APIs defining a model differently (``same_definition(a, b)`` false) is a
    MergeApisException; a client's copy of a spec may differ (it keeps its own classes).
    """
    for name, cls in classes.items():
        holder = _served.get(name)
        if holder is not None and holder is not cls and holder._pym_api != api_name \
                and not same_definition(holder, cls):
            raise MergeApisException(
                f"model {name!r} is defined differently in the served APIs {holder._pym_api!r} and {api_name!r}: "
                "same-named models of served specs must have identical definitions; rename one of them")
    for name, cls in classes.items():
        _served[name] = cls
        _registry[name] = cls
        setattr(Models, name, cls)


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
    _served.clear()


__all__ = ["ModelAttributeError", "Models", "PyMacaronModel", "get_model", "register_model",
           "register_served_models", "registered_models", "reset_models"]

"""``from pymacaron.models import Hello``: every model of every loaded spec.

The names resolve when asked for (PEP 562), to the generated classes
themselves, so ``isinstance(x, Hello)`` works. A name that is not (yet) a
model raises AttributeError, so ``hasattr(pymacaron.models, "Hello")`` answers
False and ``from pymacaron.models import Hello`` an ImportError: models exist
once the specs are loaded (``api.load_apis(...)`` then ``api.start(...)``).
A name two served specs define differently raises MergeApisException, which names
them: take the class of one API with ``get_model(name, api=...)`` or
``ApiPool.<api>.model.<Name>``.
"""

from pymacaron_core.models import PyMacaronModel, ambiguous_models, get_model, registered_models


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    models = registered_models()
    if name in models:
        return models[name]
    if name in ambiguous_models():
        return get_model(name)  # raises MergeApisException naming the APIs and how to pick one
    loaded = ", ".join(sorted(models)) or "none: call api.load_apis() and api.start() first"
    raise AttributeError(f"pymacaron.models has no model {name!r} (loaded models: {loaded})")


def __dir__():
    return sorted(set(registered_models()) | {"PyMacaronModel", "get_model"})


__all__ = ["PyMacaronModel", "get_model"]

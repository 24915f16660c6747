"""Model classes generated from specs, each API's own, and the global names.

Every API has its own scope: ``ApiPool.<api>.model.Pet`` (or ``get_model("Pet", api=...)``) is the
class that API uses, always. The global name (``get_model("Pet")``, ``Models.Pet``,
``from pymacaron.models import Pet``) is the class of the one definition of that name:

- same-named identical definitions (documentation aside) share one class;
- a served API's class wins over a client's (a client's copy of another service's spec may
  define a name differently: that client keeps its own class);
- an API registered with ``yields=True`` (pymacaron's built-in APIs) gives the name up to any
  other served API: a service's spec may define its own ``Error``;
- two served APIs defining a name differently both serve, each with its own class; the global
  name is then ambiguous and looking it up raises :class:`MergeApisException` naming the APIs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymacaron_core.exceptions import MergeApisException, ValidationError
from pymacaron_core.models.base import ModelAttributeError, PyMacaronModel


class Models:
    """Namespace of every model class known by a global name (``Models.Pet``)."""


_registry: dict[str, type] = {}  # global name -> class
_by_api: dict[str, dict[str, type]] = {}  # API name -> its own classes by name
_served: dict[str, dict[str, tuple[type, bool]]] = {}  # name -> {served API: (class, yields)}
_ambiguous: dict[str, tuple[str, ...]] = {}  # name -> the served APIs defining it differently


def _set_global(name: str, cls: type | None) -> None:
    if cls is None:
        _registry.pop(name, None)
        if name in vars(Models):
            delattr(Models, name)
        return
    _registry[name] = cls
    setattr(Models, name, cls)


def register_model(cls: type, api: str | None = None) -> None:
    """Add ``cls`` to the scope of ``api`` (default: the API that built it), and give it its global
    name unless a served API holds that name."""
    name = cls._pym_name  # type: ignore[attr-defined]
    _by_api.setdefault(api or cls._pym_api, {})[name] = cls  # type: ignore[attr-defined]
    if name not in _served:
        _set_global(name, cls)


def register_served_models(api_name: str, classes: dict[str, type],
                           same_definition: Callable[[type, type], bool], yields: bool = False) -> None:
    """Register the models of an API being served: they win the global names over clients' models.

    ``yields``: this API's names give way to any other served API's (pymacaron's built-in APIs, so
    a service may define its own ``Error``). Served APIs defining a name differently (``same_definition``
    false) each keep their class; the global name becomes ambiguous (see :func:`get_model`).
    """
    scope = _by_api.setdefault(api_name, {})
    for name, cls in classes.items():
        scope[name] = cls
        _served.setdefault(name, {})[api_name] = (cls, yields)
        _settle(name, same_definition)


def _settle(name: str, same_definition: Callable[[type, type], bool]) -> None:
    """Give the global ``name`` to the one definition of the served APIs that hold it, or mark it ambiguous."""
    holders = _served[name]
    ranked = [(api, cls) for api, (cls, yields) in holders.items() if not yields] \
        or [(api, cls) for api, (cls, _) in holders.items()]
    groups: list[list[tuple[str, type]]] = []
    for api, cls in ranked:
        for group in groups:
            first = group[0][1]
            if first is cls or same_definition(first, cls):
                group.append((api, cls))
                break
        else:
            groups.append([(api, cls)])
    if len(groups) == 1:
        _ambiguous.pop(name, None)
        _set_global(name, groups[0][0][1])
    else:
        _ambiguous[name] = tuple(api for api, _ in ranked)
        _set_global(name, None)


def registered_models() -> dict[str, type]:
    """The classes known by a global name, by name (ambiguous names are left out)."""
    return dict(_registry)


def api_models(api: str) -> dict[str, type]:
    """The classes an API uses, by name (empty when no API of that name is loaded)."""
    return dict(_by_api.get(api, {}))


def classes_named(name: str) -> list[type]:
    """Every distinct class of that name in any API's scope, the global one first."""
    found = [_registry[name]] if name in _registry else []
    for scope in _by_api.values():
        cls = scope.get(name)
        if cls is not None and all(cls is not other for other in found):
            found.append(cls)
    return found


def ambiguous_models() -> dict[str, tuple[str, ...]]:
    """Names that served APIs define differently -> those APIs (their global name cannot be used)."""
    return dict(_ambiguous)


def yielding_model(name: str) -> type | None:
    """The class of ``name`` in a served API registered with ``yields=True`` (pymacaron's own
    ``Error``, whatever a service's spec defines), else the global one, else None."""
    for cls, yields in (_served.get(name) or {}).values():
        if yields:
            return cls
    return _registry.get(name)


def get_model(name: str, api: str | None = None) -> Any:
    """The model class of a definition: the one the API named ``api`` uses, or the class of its global
    name. Unknown: ValidationError (as v1). Defined differently by served APIs: MergeApisException,
    naming them (ask for one API's class with ``api=``)."""
    if api is not None:
        try:
            return _by_api[api][name]
        except KeyError:
            raise ValidationError(f"API {api!r} has no definition for model {name}") from None
    try:
        return _registry[name]
    except KeyError:
        pass
    apis = _ambiguous.get(name)
    if apis:
        listed = " and ".join(repr(a) for a in apis)
        raise MergeApisException(
            f"model {name!r} is defined differently by the served APIs {listed}: name the API, e.g. "
            f"get_model({name!r}, api={apis[-1]!r}) or ApiPool.{apis[-1]}.model.{name}")
    raise ValidationError(f"Swagger spec has no definition for model {name}")


def forget_api(api: str) -> None:
    """Drop an API's scope (it is being loaded again)."""
    _by_api.pop(api, None)


def reset_models() -> None:
    """Forget every model (``ApiPool.reset()``)."""
    for name in list(_registry):
        _set_global(name, None)
    _registry.clear()
    _by_api.clear()
    _served.clear()
    _ambiguous.clear()


__all__ = ["ModelAttributeError", "Models", "PyMacaronModel", "ambiguous_models", "api_models", "classes_named", "forget_api",
           "get_model", "register_model", "register_served_models", "registered_models", "reset_models",
           "yielding_model"]

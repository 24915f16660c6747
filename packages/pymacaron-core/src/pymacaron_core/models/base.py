"""PyMacaronModel: the base class of every model generated from a spec.

Declared properties live in the instance ``__dict__`` (so reading one is a
plain attribute lookup) and read as ``None`` when unset, through class-level
defaults. Undeclared keys accepted by the schema (``additionalProperties``)
are kept apart in ``_pym_extra`` and serialised too. Any other attribute set
on an instance is local: it is never serialised. ``m['key'] = v`` on a key
that is not a property raises (as in v1), unless the definition explicitly
declares ``additionalProperties``.

Generated subclasses receive, from :mod:`pymacaron_core.models.factory`:
``_pym_name``, ``_pym_props`` (ordered names), ``_pym_prop_set``,
``_pym_additional``, ``_pym_validator``, ``_pym_build`` (dict -> instance,
no validation) and ``_pym_marshal`` (instance -> dict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, TypeVar

from pymacaron_core.exceptions import ValidationError


class ModelAttributeError(AttributeError, KeyError):
    """Unknown property on a model (both an AttributeError and a KeyError)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


M = TypeVar("M", bound="PyMacaronModel")


class PyMacaronModel:
    """The base class of every model class generated from a spec's object definitions.

    ``Pet(name="Rex")`` sets properties by keyword (an unknown one raises unless the definition
    accepts additional properties); ``Pet.from_json(d)`` validates then builds; ``pet.to_json()``
    gives the JSON-ready dict back. Each generated class belongs to one API (``_pym_api``).
    """

    _pym_name: ClassVar[str] = "PyMacaronModel"
    _pym_api: ClassVar[str | None] = None
    _pym_props: ClassVar[tuple[str, ...]] = ()
    _pym_prop_set: ClassVar[frozenset[str]] = frozenset()
    _pym_additional = True  # undeclared keys are kept when building from JSON
    _pym_open = False  # m['undeclared'] = x allowed: the definition declares additionalProperties
    _pym_validator: ClassVar[Callable[[Any], list] | None] = None
    _pym_storage: ClassVar[dict[str, str]] = {}  # property -> __dict__ key, for properties named like a method
    _pym_fast_set: ClassVar[frozenset[str]] = frozenset()  # properties stored under their own name
    _pym_schema: ClassVar[dict[str, Any]] = {}
    __persistence_class__: ClassVar[Any] = None
    if TYPE_CHECKING:  # set on each generated class by the model factory
        @staticmethod
        def _pym_build(j: Any) -> Any: ...

        @staticmethod
        def _pym_marshal(o: Any, keep_datetime: bool = False) -> Any: ...

    def __init__(self, **kwargs: Any):
        if kwargs:
            if kwargs.keys() <= self._pym_fast_set:
                self.__dict__.update(kwargs)
            else:
                self._pym_set_many(kwargs)

    def _pym_set_many(self, values):
        props = self._pym_prop_set
        storage = self._pym_storage
        d = self.__dict__
        for key, value in values.items():
            if key in props:
                d[storage.get(key, key)] = value
            elif self._pym_additional:
                d.setdefault("_pym_extra", {})[key] = value
            else:
                raise ModelAttributeError(
                    f"Model '{self._pym_name}' has no property {key!r} "
                    f"(properties: {', '.join(self._pym_props) or 'none'})")

    # -- attribute and item access ----------------------------------------

    if not TYPE_CHECKING:  # type checkers see only declared attributes (the stubs of `pymacaron stubs`)
        def __getattr__(self, name):
            # only called when normal lookup fails: extras, or a real miss
            extra = self.__dict__.get("_pym_extra")
            if extra and name in extra:
                return extra[name]
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            raise AttributeError(f"Model '{self._pym_name}' has no attribute {name}")

    def __delattr__(self, name):
        if name in self._pym_prop_set and name not in self._pym_storage:
            self.__dict__.pop(name, None)
            return
        extra = self.__dict__.get("_pym_extra")
        if extra and name in extra:
            del extra[name]
            return
        object.__delattr__(self, name)

    def __getitem__(self, key):
        if key in self._pym_prop_set:
            return self.__dict__.get(self._pym_storage.get(key, key))
        extra = self.__dict__.get("_pym_extra")
        if extra and key in extra:
            return extra[key]
        raise ModelAttributeError(f"Model '{self._pym_name}' has no property {key!r}")

    def __setitem__(self, key, value):
        if key not in self._pym_prop_set and not self._pym_open:
            raise ModelAttributeError(
                f"Model '{self._pym_name}' has no property {key!r} (properties: {', '.join(self._pym_props) or 'none'}"
                "; a definition with 'additionalProperties: true' accepts others)")
        self._pym_set_many({key: value})

    def __delitem__(self, key):
        if key in self._pym_prop_set:
            self.__dict__.pop(self._pym_storage.get(key, key), None)
            return
        extra = self.__dict__.get("_pym_extra")
        if extra and key in extra:
            del extra[key]
            return
        raise ModelAttributeError(f"Model '{self._pym_name}' has no property {key!r}")

    def __contains__(self, key):
        return self[key] is not None if key in self._pym_prop_set else \
            key in (self.__dict__.get("_pym_extra") or ())

    # -- comparison and display -------------------------------------------

    def _pym_values(self):
        d = self.__dict__
        storage = self._pym_storage
        values = {k: d[storage.get(k, k)] for k in self._pym_props if d.get(storage.get(k, k)) is not None}
        extra = d.get("_pym_extra")
        if extra:
            values.update((k, v) for k, v in extra.items() if v is not None)
        return values

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self._pym_values() == other._pym_values()

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self._pym_values().items())
        return f"{self._pym_name}({inner})"

    # -- (de)serialisation ------------------------------------------------

    def to_json(self, keep_datetime: bool = False) -> dict[str, Any]:
        """The JSON-ready dict of this model (nested models become dicts).

        A property left unset (or None) is omitted unless it is required or
        ``x-nullable``. Dates become ISO strings unless ``keep_datetime``,
        which keeps top-level date and datetime values as objects.
        """
        return type(self)._pym_marshal(self, keep_datetime)

    @classmethod
    def from_json(cls: type[M], j: Any, keep_datetime: bool = False) -> M:
        """Validate ``j`` against the definition and build the model (nested too)."""
        if cls._pym_validator is not None:
            problems = cls._pym_validator(j)
            if problems:
                raise ValidationError(
                    f"Invalid {cls._pym_name}: " + "; ".join(str(p) for p in problems), problems)
        return cls._pym_build(j)

    def update_from_dict(self: M, d: dict[str, Any], ignore_none: bool = False) -> M:
        """Set properties from a dict; None deletes a property unless ``ignore_none``."""
        for key, value in d.items():
            if value is None:
                if not ignore_none:
                    try:
                        del self[key]
                    except KeyError:
                        pass
            else:
                self[key] = value
        return self

    def clone(self: M) -> M:
        """A deep copy made through JSON (nested models are copies too)."""
        return type(self)._pym_build(type(self)._pym_marshal(self, False))

    def validate(self: M) -> M:
        """Raise ValidationError listing every problem if this model breaks its spec."""
        validator = type(self)._pym_validator
        problems = validator(type(self)._pym_marshal(self, False)) if validator is not None else []
        if problems:
            raise ValidationError(f"Invalid {self._pym_name}: " + "; ".join(str(p) for p in problems), problems)
        return self

    @classmethod
    def get_model_name(cls) -> str:
        """The name of the definition this class was generated from."""
        return cls._pym_name

    def __deepcopy__(self, memo):
        import copy

        new = type(self).__new__(type(self))
        memo[id(self)] = new
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __copy__(self):
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __reduce__(self):
        # pickled by model name and API: the class is generated, so it is found again in the registry
        return (_unpickle_model, (self._pym_name, self.__dict__.copy(), self._pym_api))


def _unpickle_model(name, state, api=None):
    from pymacaron_core.models import api_models, get_model

    cls = api_models(api).get(name) if api else None
    if cls is None:
        cls = get_model(name)
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj

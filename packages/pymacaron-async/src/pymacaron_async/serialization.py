"""Task arguments on the wire: JSON values and pymacaron models, nested in lists and dicts.

A model travels as its JSON plus the key ``__pymacaron_model_name`` and is
rebuilt in the worker with ``get_model(name).from_json(...)`` (so it is
validated again there). A model whose name does not designate its class
globally (two served specs define it differently, or a client's own copy)
also carries ``__pymacaron_model_api``, and is rebuilt as that API's class. Tuples travel as lists. Anything else that JSON
cannot carry (datetimes, sets, bytes, objects...) is refused when the task
is scheduled, with the path of the argument at fault, rather than failing
later in the worker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pymacaron_async.exceptions import TaskArgumentError

MODEL_KEY = "__pymacaron_model_name"
API_KEY = "__pymacaron_model_api"
_SCALARS = (str, int, bool, type(None))


def _is_model(o):
    return hasattr(o, "get_model_name") and hasattr(o, "to_json") and not isinstance(o, type)


def model_to_task_arg(o: Any, where: str = "argument") -> Any:
    """``o`` as a JSON value, models tagged with their name; TaskArgumentError naming ``where`` otherwise."""
    if isinstance(o, _SCALARS):
        return o
    if isinstance(o, float):
        if not math.isfinite(o):
            raise TaskArgumentError(f"{where} is {o!r}, which JSON cannot carry: pass a finite number or None")
        return o
    if _is_model(o):
        j = o.to_json()
        name = j[MODEL_KEY] = o.get_model_name()
        api = getattr(type(o), "_pym_api", None)
        if api and not _global_class_is(name, type(o)):
            j[API_KEY] = api
        return j
    if isinstance(o, (list, tuple)):
        return [model_to_task_arg(v, f"{where}[{i}]") for i, v in enumerate(o)]
    if isinstance(o, dict):
        out = {}
        for k, v in o.items():
            if not isinstance(k, str):
                raise TaskArgumentError(f"{where} has the key {k!r} ({type(k).__name__}): JSON object keys are "
                                        "strings; convert the keys with str() before calling the task")
            if k in (MODEL_KEY, API_KEY):
                raise TaskArgumentError(f"{where} uses the key {k!r}, reserved for pymacaron models")
            out[k] = model_to_task_arg(v, f"{where}[{k!r}]")
        return out
    raise TaskArgumentError(
        f"{where} is a {type(o).__module__}.{type(o).__qualname__}, which cannot be sent to a worker: "
        "task arguments must be JSON values (str, int, float, bool, None, lists, dicts with string keys) or "
        "pymacaron models (e.g. pass a datetime as an ISO string, a set as a list)")


def task_arg_to_model(o: Any, where: str = "argument") -> Any:
    """The reverse of :func:`model_to_task_arg`: tagged dicts become models again."""
    if isinstance(o, list):
        return [task_arg_to_model(v, f"{where}[{i}]") for i, v in enumerate(o)]
    if isinstance(o, dict):
        if MODEL_KEY in o:
            return _rebuild_model(o, where)
        return {k: task_arg_to_model(v, f"{where}[{k!r}]") for k, v in o.items()}
    return o


def _rebuild_model(o, where):
    from pymacaron_core.models import get_model

    j = dict(o)
    name = j.pop(MODEL_KEY)
    api = j.pop(API_KEY, None)
    of = f" of API {api!r}" if api else ""
    try:
        cls = get_model(name, api=api) if api else get_model(name)
    except Exception:
        raise TaskArgumentError(f"{where} is a {name} model{of}, but no loaded spec defines {name}{of}: the worker "
                                f"must load the API defining it (server.py's load_apis)") from None
    try:
        return cls.from_json(j)
    except Exception as e:
        raise TaskArgumentError(f"{where}: cannot rebuild the {name} model{of}: {e}") from None


def _global_class_is(name: str, cls: type) -> bool:
    from pymacaron_core.models import registered_models

    return registered_models().get(name) is cls


def serialize_call(args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """(args, kwargs) -> ([...], {...}) ready for JSON; TaskArgumentError names the argument at fault."""
    wire_args = [model_to_task_arg(v, f"argument {i + 1}") for i, v in enumerate(args)]
    wire_kwargs = {}
    for k, v in kwargs.items():
        wire_kwargs[k] = model_to_task_arg(v, f"argument {k}=")
    return wire_args, wire_kwargs


def deserialize_call(args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The reverse of :func:`serialize_call`: the arguments with their models rebuilt."""
    return ([task_arg_to_model(v, f"argument {i + 1}") for i, v in enumerate(args)],
            {k: task_arg_to_model(v, f"argument {k}=") for k, v in kwargs.items()})

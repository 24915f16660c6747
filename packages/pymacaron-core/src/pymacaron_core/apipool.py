"""ApiPool: the process-wide registry of loaded APIs.

It stays global for compatibility (``ApiPool.<api>.model.<Name>``), but
``ApiPool.reset()`` forgets every API and model so tests are independent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pymacaron_core.api import API
from pymacaron_core.models import forget_api, register_model, reset_models

apis: dict[str, API] = {}


class _ApiPoolType(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        loaded = ", ".join(apis) or "none"
        raise AttributeError(f"ApiPool has no API {name!r} (loaded: {loaded})")

    @property
    def current_server_name(cls) -> str:
        """The served APIs' names, comma-separated (pymacaron's built-in ping API left out)."""
        return _current_server_name()

    @property
    def current_server_api(cls) -> API | None:
        """The first served API other than pymacaron's built-in ping API, or None."""
        return _current_server_api()


def _current_server_name() -> str:
    return ",".join(sorted(n for n, a in apis.items() if a.is_server and n != "ping"))


def _current_server_api() -> API | None:
    for name, api in apis.items():
        if api.is_server and name != "ping":
            return api
    return None


class ApiPool(metaclass=_ApiPoolType):
    """The loaded APIs of the process: ``ApiPool.add(name, yaml_path=...)`` loads one, then
    ``ApiPool.<name>`` (or ``ApiPool.get(name)``) is its :class:`~pymacaron_core.api.API`."""

    @classmethod
    def add(cls, name: str, yaml_str: str | None = None, yaml_path: str | None = None, timeout: float = 10,
            error_callback: Callable[[BaseException], Any] | None = None, formats: Any = None,
            do_persist: bool = True, host: str | None = None, port: int | str | None = None, local: bool = False,
            proto: str | None = None, verify_ssl: bool = True, base_path: str | None = None,
            default_definitions: dict[str, Any] | None = None, strict: bool = False,
            client_base_path: bool = False, cache_dir: str | None = None, cache_versions: Sequence[str] = ()) -> API:
        """Load a spec as the API ``name`` (replacing an API of that name), register its models, and
        return it; its routes are added by ``spawn_api``. The arguments are :class:`API`'s."""
        api = API(name, yaml_str=yaml_str, yaml_path=yaml_path, timeout=timeout,
                  error_callback=error_callback, formats=formats, do_persist=do_persist, host=host,
                  port=port, local=local, proto=proto, verify_ssl=verify_ssl, base_path=base_path,
                  default_definitions=default_definitions, strict=strict, client_base_path=client_base_path,
                  cache_dir=cache_dir, cache_versions=cache_versions)
        old = apis.get(name)
        if old is not None:
            old.transport.close() if hasattr(old.transport, "close") else None
        apis[name] = api
        setattr(cls, name, api)
        forget_api(name)
        for model in api.models.values():
            register_model(model, api=name)
        return api

    @classmethod
    def get(cls, name: str) -> API:
        """The loaded API ``name`` (KeyError if none)."""
        return apis[name]

    @classmethod
    def has(cls, name: str) -> bool:
        """Whether an API of that name is loaded."""
        return name in apis

    @classmethod
    def all(cls) -> dict[str, API]:
        """The loaded APIs, by name (a copy)."""
        return dict(apis)

    @classmethod
    def merge(cls) -> None:
        """Kept for compatibility: same-named models are checked and shared at ``add``."""
        return None

    @classmethod
    def reset(cls) -> None:
        """Forget every API and model (for tests, or to reload specs)."""
        for name, api in list(apis.items()):
            if hasattr(api.transport, "close"):
                api.transport.close()
            try:
                delattr(cls, name)
            except AttributeError:
                pass
        apis.clear()
        reset_models()

    @property
    def current_server_name(self) -> str:
        """The served APIs' names, comma-separated (pymacaron's built-in ping API left out)."""
        return _current_server_name()

    @property
    def current_server_api(self) -> API | None:
        """The first served API other than pymacaron's built-in ping API, or None."""
        return _current_server_api()

"""ApiPool: the process-wide registry of loaded APIs.

It stays global for compatibility (``ApiPool.<api>.model.<Name>``), but
``ApiPool.reset()`` forgets every API and model so tests are independent.
"""

from __future__ import annotations

from pymacaron_core.api import API
from pymacaron_core.models import register_model, reset_models

apis: dict = {}


class _ApiPoolType(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        loaded = ", ".join(apis) or "none"
        raise AttributeError(f"ApiPool has no API {name!r} (loaded: {loaded})")

    @property
    def current_server_name(cls):
        return ",".join(sorted(n for n, a in apis.items() if a.is_server and n != "ping"))

    @property
    def current_server_api(cls):
        for name, api in apis.items():
            if api.is_server and name != "ping":
                return api
        return None


class ApiPool(metaclass=_ApiPoolType):
    @classmethod
    def add(cls, name, yaml_str=None, yaml_path=None, timeout=10, error_callback=None, formats=None,
            do_persist=True, host=None, port=None, local=False, proto=None, verify_ssl=True,
            base_path=None, default_definitions=None, strict=False, client_base_path=False, cache_dir=None,
            cache_versions=()):
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
        for model in api.models.values():
            register_model(model)
        return api

    @classmethod
    def get(cls, name):
        return apis[name]

    @classmethod
    def has(cls, name):
        return name in apis

    @classmethod
    def all(cls):
        return dict(apis)

    @classmethod
    def merge(cls):
        """Kept for compatibility: same-named models are checked and shared at ``add``."""
        return None

    @classmethod
    def reset(cls):
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
    def current_server_name(self):
        return type(self).current_server_name

    @property
    def current_server_api(self):
        return type(self).current_server_api

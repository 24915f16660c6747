"""How many workers a service runs, and how much memory they need.

Used by ``pymacaron config --gunicorn-worker-count/--celery-worker-count/--memory-limit``, by
deploy targets (container memory) and by the Celery worker launcher. The rules (from pymacaron v1):

- web workers: ``cpu * 2 + 1``;
- Celery workers: the config's ``worker_count``, else ``cpu * 2``; never fewer than 2
  (v1 meant to enforce that minimum and did not);
- memory: 400 MiB per web worker plus 200 MiB per Celery worker;
- a Celery worker process is recycled above 200 MiB (``--max-memory-per-child``, in KiB).

``config`` may be a :class:`~pymacaron.config.PyMacaronConfig`, a plain mapping (e.g. the raw
yaml read by the CLI) or None for the loaded service configuration (defaults when there is none).
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = [
    "CELERY_WORKER_MEMORY_MIB",
    "GUNICORN_WORKER_MEMORY_MIB",
    "MIN_CELERY_WORKERS",
    "ResourceConfigError",
    "as_positive_int",
    "get_celery_worker_count",
    "get_celery_worker_memory_limit",
    "get_cpu_count",
    "get_gunicorn_worker_count",
    "get_memory_limit",
]

GUNICORN_WORKER_MEMORY_MIB = 400
CELERY_WORKER_MEMORY_MIB = 200
MIN_CELERY_WORKERS = 2


class ResourceConfigError(ValueError):
    """A resource setting (``cpu_count``, ``worker_count``) is not a positive integer."""


def _lookup(config: Any, key: str) -> Any:
    if config is None:
        from pymacaron.config import config_loaded, get_config, get_config_path

        if not config_loaded() and get_config_path()[0] is None:
            return None  # no pym-config.yaml anywhere: the defaults apply
        config = get_config()
    if hasattr(config, "get"):
        return config.get(key)
    return getattr(config, key, None)


def as_positive_int(value: object, what: str) -> int:
    """``value`` as an int >= 1 (ResourceConfigError naming ``what`` otherwise; 2.0 and "2" are 2)."""
    number = None
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or number < 1:
        raise ResourceConfigError(f"{what} must be a positive integer, got {value!r}")
    return number


def get_cpu_count(cpu_count: int | str | None = None) -> int:
    """``cpu_count`` if given (validated), else the CPUs this process may use."""
    if cpu_count is not None:
        return as_positive_int(cpu_count, "cpu_count")
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def get_gunicorn_worker_count(cpu_count: int | str | None = None) -> int:
    """Web workers: ``cpu * 2 + 1`` (``cpu_count`` defaults to this machine's CPUs)."""
    return get_cpu_count(cpu_count) * 2 + 1


def get_celery_worker_count(cpu_count: int | str | None = None, config: Any = None) -> int:
    """Celery workers: ``worker_count`` from the config, else ``cpu * 2``; at least 2."""
    configured = _lookup(config, "worker_count")
    if configured is not None:
        count = as_positive_int(configured, "worker_count (pym-config.yaml)")
    else:
        count = get_cpu_count(cpu_count) * 2
    return max(MIN_CELERY_WORKERS, count)


def get_memory_limit(default_celery_worker_count: int | str | None = None, cpu_count: int | str | None = None,
                     config: Any = None) -> int:
    """Memory (MiB) for the web workers plus the Celery workers, rounded up."""
    if default_celery_worker_count is not None:
        celery = max(MIN_CELERY_WORKERS, as_positive_int(default_celery_worker_count, "default_celery_worker_count"))
    else:
        celery = get_celery_worker_count(cpu_count=cpu_count, config=config)
    web = get_gunicorn_worker_count(cpu_count)
    return int(math.ceil(web * GUNICORN_WORKER_MEMORY_MIB + celery * CELERY_WORKER_MEMORY_MIB))


def get_celery_worker_memory_limit() -> int:
    """Per-child memory ceiling of a Celery worker, in KiB (``--max-memory-per-child``)."""
    return CELERY_WORKER_MEMORY_MIB * 1024

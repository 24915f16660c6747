"""pymacaron.resources: worker counts and memory limits (SPEC P38, with the minimum of 2 enforced)."""

import os

import pytest

from pymacaron import resources
from pymacaron.config import load_config
from pymacaron.resources import (
    ResourceConfigError,
    as_positive_int,
    get_celery_worker_count,
    get_celery_worker_memory_limit,
    get_cpu_count,
    get_gunicorn_worker_count,
    get_memory_limit,
)


def test_public_surface_is_sorted_and_complete():
    assert resources.__all__ == sorted(resources.__all__)
    assert all(hasattr(resources, name) for name in resources.__all__)


@pytest.mark.parametrize("cpu, expected", [(1, 3), (2, 5), (8, 17)])
def test_gunicorn_workers(cpu, expected):
    assert get_gunicorn_worker_count(cpu) == expected


def test_cpu_count_defaults_to_this_machine():
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert get_cpu_count() == usable
    assert get_gunicorn_worker_count() == usable * 2 + 1


@pytest.mark.parametrize("config, cpu, expected", [
    ({}, 1, 2),
    ({}, 3, 6),
    ({"worker_count": 7}, 1, 7),
    ({"worker_count": 1}, 4, 2),     # the v1 minimum of 2, really applied
    ({"worker_count": "3"}, 1, 3),
])
def test_celery_workers(config, cpu, expected):
    assert get_celery_worker_count(cpu_count=cpu, config=config) == expected


def test_memory_limit_adds_web_and_celery_workers():
    assert get_memory_limit(cpu_count=1, config={}) == 3 * 400 + 2 * 200
    assert get_memory_limit(cpu_count=2, config={"worker_count": 5}) == 5 * 400 + 5 * 200
    assert get_memory_limit(default_celery_worker_count=4, cpu_count=1, config={"worker_count": 9}) == 3 * 400 + 4 * 200
    assert get_memory_limit(default_celery_worker_count=1, cpu_count=1) == 3 * 400 + 2 * 200


def test_celery_worker_memory_limit_in_kib():
    assert get_celery_worker_memory_limit() == 200 * 1024


def test_the_loaded_service_config_is_used(tmp_path, monkeypatch):
    load_config(data={"name": "x", "worker_count": 6})
    assert get_celery_worker_count(cpu_count=1) == 6
    assert get_memory_limit(cpu_count=1) == 3 * 400 + 6 * 200


def test_defaults_without_any_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # conftest unsets $PYM_CONFIG
    monkeypatch.setattr("sys.argv", [str(tmp_path / "script.py")])
    assert get_celery_worker_count(cpu_count=2) == 4


def test_a_config_file_on_disk_is_loaded(tmp_path, monkeypatch):
    (tmp_path / "pym-config.yaml").write_text("name: x\nlive_host: x.com\nworker_count: 9\n")
    monkeypatch.setenv("PYM_CONFIG", str(tmp_path))
    assert get_celery_worker_count(cpu_count=1) == 9


@pytest.mark.parametrize("value", [0, -1, "two", 2.5, True, None, [2]])
def test_bad_counts_are_named(value):
    with pytest.raises(ResourceConfigError, match=r"worker_count \(pym-config.yaml\) must be a positive integer"):
        get_celery_worker_count(cpu_count=1, config={"worker_count": value} if value is not None else {
            "worker_count": "none"})
    with pytest.raises(ResourceConfigError, match="cpu_count must be a positive integer"):
        get_gunicorn_worker_count(value if value is not None else "none")


def test_as_positive_int_accepts_whole_numbers():
    assert [as_positive_int(v, "n") for v in (1, "12", 3.0, " 4 ")] == [1, 12, 3, 4]

"""pymacaron.limits: the request limits read from pym-config.yaml, their defaults, and clear errors."""

import pytest

from pymacaron.config import ConfigError, load_config
from pymacaron.limits import DEFAULT_THREADS, Limits, limits_from_config


def test_defaults():
    assert limits_from_config(None) == Limits(max_body_size=10 * 1024 * 1024, body_timeout=60.0,
                                              handler_timeout=60.0, threads=DEFAULT_THREADS)
    assert limits_from_config(load_config(data={})) == limits_from_config(None)


def test_values_and_zero_for_no_limit(monkeypatch):
    monkeypatch.delenv("PYM_THREADS", raising=False)
    config = load_config(data={"max_body_size": 0, "body_timeout": 2.5, "handler_timeout": 0, "threads": 3})
    assert limits_from_config(config) == Limits(max_body_size=None, body_timeout=2.5, handler_timeout=None, threads=3)
    monkeypatch.setenv("PYM_THREADS", "5")  # the production command passes its threads setting this way
    assert limits_from_config(config).threads == 5


@pytest.mark.parametrize("key, value, message", [
    ("handler_timeout", "soon", "handler_timeout must be a number of seconds (e.g. handler_timeout: 60), or 0 "
                                "for no limit; got 'soon'"),
    ("body_timeout", -1, "body_timeout must be a number of seconds"),
    ("max_body_size", "1MB", "max_body_size must be a number of bytes"),
    ("threads", 0, "threads must be at least 1, got 0"),
    ("threads", "many", "threads must be a whole number, got 'many'"),
])
def test_bad_values_name_the_file_and_line(tmp_path, monkeypatch, key, value, message):
    monkeypatch.delenv("PYM_THREADS", raising=False)
    path = tmp_path / "pym-config.yaml"
    path.write_text(f"name: x\n{key}: {value!r}\n".replace("'", '"'))
    with pytest.raises(ConfigError) as e:
        limits_from_config(load_config(path=str(path)))
    assert f"{path} line 2: {message}" in str(e.value)

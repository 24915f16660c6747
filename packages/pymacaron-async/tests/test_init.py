"""The public surface of pymacaron_async: explicit, sorted, importable and used as its README shows."""

import importlib.metadata
import re
import subprocess
import sys
import types
from pathlib import Path

import pymacaron_async

README = Path(__file__).resolve().parent.parent / "README.md"


def test_all_is_sorted_and_complete():
    assert pymacaron_async.__all__ == sorted(pymacaron_async.__all__)
    for name in pymacaron_async.__all__:
        assert hasattr(pymacaron_async, name), name


def test_the_documented_import_works():
    from pymacaron_async import asynctask

    assert asynctask is pymacaron_async.task.asynctask
    assert pymacaron_async.__version__ == importlib.metadata.version("pymacaron-async")  # __about__.py, as installed


def test_importing_the_package_does_not_import_celery():
    code = "import sys, pymacaron_async; print('celery' in sys.modules, 'flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.split() == ["False", "False"]  # pymacaron imports it only when with_async is set


def readme_snippets():
    """{name: code} of the README's python blocks marked ``<!-- readme-test: name -->``."""
    return dict(re.findall(r"<!-- readme-test: (\w+) -->\n```python\n(.*?)```", README.read_text(), re.S))


def test_the_readme_snippets_run(tmp_path):
    from pymacaron.config import load_config

    (tmp_path / "pym-config.yaml").write_text("name: readme\nwith_async: true\n")
    load_config(path=str(tmp_path))
    snippets = readme_snippets()
    assert set(snippets) == {"tasks", "eager"}
    module = types.ModuleType("readme_example")
    sys.modules["readme_example"] = module
    try:
        calls = []
        exec(snippets["tasks"], module.__dict__)
        module.send_email.func = lambda *a, **k: calls.append((a, k))  # what the task does, observed
        exec(snippets["eager"], module.__dict__)
        assert calls == [(("Hi", "inline"), {}), (("Hi", "inline, errors raised"), {})]
        with pymacaron_async.eager_tasks():
            module.do_signup_user()
        assert calls[2:] == [(("Welcome!", "You now have an account"), {"to": "me@example.com"}),
                             (("Welcome!", "The same call, as pymacaron's docs write it"), {})]
        assert module.send_email.name == "readme_example:send_email"
    finally:
        del sys.modules["readme_example"]

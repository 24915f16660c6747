"""``python -m pymacaron.docker.warm``: the Dockerfile's step that warms the start-up cache in the image."""

import os
import subprocess
import sys
import textwrap

import pytest

SPEC = textwrap.dedent("""\
    swagger: '2.0'
    info: {title: w, version: '1'}
    paths:
      /w:
        get:
          x-bind-server: whandlers.get_w
          responses:
            200: {description: ok, schema: {$ref: '#/definitions/W'}}
    definitions:
      W: {type: object, properties: {n: {type: string, pattern: '^[a-z]+$'}}}
""")


def _service(tmp_path, spec=SPEC, config="name: w\nlive_url: https://w.example.com\njwt_secret: W_SECRET\nenv_secrets: [W_SECRET]\n"):
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis" / "w.yaml").write_text(spec)
    (tmp_path / "pym-config.yaml").write_text(config)
    (tmp_path / "whandlers.py").write_text("def get_w():\n    return {'n': 'x'}\n")
    return tmp_path


def _warm(folder):
    env = {k: v for k, v in os.environ.items() if k != "W_SECRET"}  # no secrets at build time
    return subprocess.run([sys.executable, "-m", "pymacaron.docker.warm", str(folder)], capture_output=True,
                          text=True, timeout=120, env=env)


def test_it_writes_the_cache_a_start_then_uses(tmp_path, monkeypatch):
    """The entries it writes are those a start looks up: building the app writes no new one."""
    folder = _service(tmp_path)
    done = _warm(folder)
    assert done.returncode == 0, done.stderr
    assert "start-up cache written in" in done.stdout
    cache = folder / ".pym" / "cache"
    warmed = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(warmed) == 3  # ping as the defaults' source, ping and w as served APIs
    assert list((folder / "__pycache__").glob("whandlers.*.pyc"))  # bytecode compiled
    code = textwrap.dedent(f"""
        import os, sys
        os.chdir({str(folder)!r}); sys.path.insert(0, {str(folder)!r})
        from flask import Flask
        from pymacaron import API
        from pymacaron.config import load_config
        load_config(path=".")
        app = Flask("w")
        api = API(app)
        api.load_apis("apis")
        api.start(serve="w")
        print(app.test_client().get("/w").get_json())
    """)
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, W_SECRET="s" * 32))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "{'n': 'x'}"
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == warmed


def test_a_spec_error_stops_the_build_with_its_line(tmp_path):
    folder = _service(tmp_path, spec=SPEC.replace("'^[a-z]+$'", "'^[a-z+$'"))
    done = _warm(folder)
    assert done.returncode == 1
    assert "a spec of the service has errors" in done.stderr
    assert "w.yaml line 10, definitions.W.properties.n.pattern" in done.stderr
    assert len(list((folder / ".pym" / "cache").iterdir())) == 2  # the built-in API's: never the broken spec's


@pytest.mark.parametrize("config", ["name: w\nstartup_cache: false\n"])
def test_startup_cache_false_writes_nothing(tmp_path, config):
    folder = _service(tmp_path, config=config)
    done = _warm(folder)
    assert done.returncode == 0 and "no start-up cache written" in done.stdout
    assert not (folder / ".pym").exists()


def test_a_folder_without_apis_is_refused(tmp_path):
    done = _warm(tmp_path)
    assert done.returncode != 0 and "is not a folder: nothing to load" in done.stderr

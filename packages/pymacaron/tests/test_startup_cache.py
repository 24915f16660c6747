"""A service's start with the start-up cache (``<project>/.pym/cache``), in fresh processes.

With a warm cache, importing pymacaron and building the app imports none of the libraries a
request does not need (but PyYAML, for pym-config.yaml); a handler moved away is still reported at start-up (handlers are never
cached); ``startup_cache: false`` writes nothing.
"""

import json
import os
import subprocess
import sys

import pytest

SPEC = {
    "swagger": "2.0", "info": {"title": "svc", "version": "1"}, "produces": ["application/json"],
    "paths": {"/items/{item_id}": {"post": {
        "operationId": "post_item", "x-bind-server": "handlers.post_item",
        "parameters": [{"in": "path", "name": "item_id", "type": "integer", "required": True},
                       {"in": "body", "name": "body", "required": True, "schema": {"$ref": "#/definitions/Item"}}],
        "responses": {"200": {"description": "the item", "schema": {"$ref": "#/definitions/Item"}}}}}},
    "definitions": {"Item": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "when": {"type": "string", "format": "date-time"}}}},
}

SERVER = """\
import os
from flask import Flask
from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis"))
    api.start(serve="svc")


letsgo(__name__, callback=start)
"""

# Imported, then the app built and asked once (a body with no date: no date parsing needed).
PROBE = """\
import json, sys
import server
r = server.app.test_client().post("/items/3", json={"name": "x"})
assert r.status_code == 200, r.data
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""

# yaml is not in the list: pym-config.yaml is still read with PyYAML at every start (the specs are not).
NOT_AT_START = ["jwt", "cryptography", "requests", "urllib3", "dateutil", "simplejson",
                "rfc3339_validator", "rfc3986_validator", "fqdn", "boto3", "botocore", "celery", "jsonschema"]


@pytest.fixture
def service(tmp_path):
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis" / "svc.yaml").write_text(json.dumps(SPEC, indent=1))
    (tmp_path / "handlers.py").write_text("def post_item(body, item_id):\n    return body\n")
    (tmp_path / "server.py").write_text(SERVER)
    (tmp_path / "pym-config.yaml").write_text("name: svc\nlive_host: svc.example.com\n")
    return tmp_path


def _probe(folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYM_")}
    env.update(PYM_ROOT=str(folder / "no-pym-root"), NO_ERROR_REPORTING="1")
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)
    return done


def test_a_warm_start_imports_nothing_a_request_does_not_need(service):
    cold = _probe(service)
    assert cold.returncode == 0, cold.stderr
    assert os.listdir(service / ".pym" / "cache")
    warm = _probe(service)
    assert warm.returncode == 0, warm.stderr
    loaded = set(json.loads(warm.stdout))
    assert "flask" in loaded and "pymacaron_core" in loaded
    assert sorted(loaded & set(NOT_AT_START)) == []


def test_a_handler_moved_away_is_reported_at_start_up_with_a_warm_cache(service):
    assert _probe(service).returncode == 0
    os.rename(service / "handlers.py", service / "handlers_moved.py")
    done = _probe(service)
    assert done.returncode != 0
    assert "x-bind-server 'handlers.post_item'" in done.stderr
    assert "svc.yaml" in done.stderr


def test_a_changed_handler_path_is_used_with_a_warm_cache(service):
    assert _probe(service).returncode == 0
    (service / "other.py").write_text("def post_item(body, item_id):\n    body.name = 'other'\n    return body\n")
    spec = json.loads((service / "apis" / "svc.yaml").read_text())
    spec["paths"]["/items/{item_id}"]["post"]["x-bind-server"] = "other.post_item"
    (service / "apis" / "svc.yaml").write_text(json.dumps(spec))
    (service / "check.py").write_text(
        "import server\nr = server.app.test_client().post('/items/3', json={'name': 'x'})\n"
        "assert r.json == {'name': 'other'}, r.json\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYM_")}
    env.update(PYM_ROOT=str(service / "no-pym-root"))
    done = subprocess.run([sys.executable, "check.py"], cwd=service, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_startup_cache_false_writes_no_cache(service):
    (service / "pym-config.yaml").write_text("name: svc\nlive_host: svc.example.com\nstartup_cache: false\n")
    assert not (service / ".pym").exists()
    done = _probe(service)
    assert done.returncode == 0, done.stderr
    assert not (service / ".pym" / "cache").exists()

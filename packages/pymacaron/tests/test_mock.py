"""``pymacaron mock`` and ``pymacaron run --mock-unbound``: real servers, real HTTP; and the data generator."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests
from cli_testing import clean_env, free_port, script, write

from pymacaron.mock import generate

WAIT = 90.0

SPEC = """\
swagger: '2.0'
info: {title: catalog, version: 1.0.0}
host: catalog.example.com
schemes: [https]
consumes: [application/json]
produces: [application/json]
securityDefinitions:
  jwt: {type: apiKey, in: header, name: Authorization}
security: [{jwt: []}]
paths:
  /items/{item_id}:
    get:
      x-bind-server: catalog.api.get_item
      parameters:
        - {in: path, name: item_id, type: integer, required: true}
      responses:
        '200':
          description: An item
          schema: {$ref: '#/definitions/Item'}
          examples:
            application/json: {id: 7, name: teapot, tags: [kitchen], price: 12.5}
  /items:
    get:
      x-bind-server: catalog.api.list_items
      parameters:
        - {in: query, name: limit, type: integer, minimum: 1, maximum: 50}
      responses:
        '200': {description: Items, schema: {type: array, items: {$ref: '#/definitions/Item'}}}
    post:
      x-bind-server: catalog.api.add_item
      x-decorate-server: pymacaron.auth.requires_auth
      parameters:
        - {in: body, name: item, required: true, schema: {$ref: '#/definitions/Item'}}
      responses:
        '201': {description: Created, schema: {$ref: '#/definitions/Receipt'}}
        default: {description: Error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Item:
    type: object
    x-parent: catalog.models.NotThere
    required: [id, name]
    properties:
      id: {type: integer, minimum: 1}
      name: {type: string, minLength: 2}
      tags: {type: array, items: {type: string}}
      price: {type: number}
  Receipt:
    type: object
    required: [item_id, status, created]
    properties:
      item_id: {type: integer, example: 42}
      status: {type: string, enum: [queued, done]}
      created: {type: string, format: date-time}
"""


class Server:
    def __init__(self, command, cwd, env=None):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(command, cwd=str(cwd), env=env or clean_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def wait_ready(self, port):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server exited:\n{self.output()}"
            try:
                if requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"no /ping within {WAIT:g} s:\n{self.output()}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """`pymacaron mock apis/catalog.yaml` of a spec alone: no handlers, its x-parent class missing."""
    folder = tmp_path_factory.mktemp("consumer")
    write(folder, {"apis/catalog.yaml": SPEC})
    port = free_port()
    server = Server([script("pymacaron"), "mock", "apis/catalog.yaml", "--port", str(port)], folder)
    try:
        server.wait_ready(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_mock_answers_the_response_examples(mock):
    r = requests.get(f"{mock}/items/3", timeout=10)
    assert (r.status_code, r.json()) == (200, {"id": 7, "name": "teapot", "tags": ["kitchen"], "price": 12.5})


def test_mock_generates_data_fitting_the_schema(mock):
    r = requests.get(f"{mock}/items", params={"limit": 5}, timeout=10)
    assert (r.status_code, r.json()) == (200, [{"id": 1, "name": "string", "tags": ["string"], "price": 0.0}])


def test_mock_answers_the_success_status_without_security_or_decorators(mock):
    r = requests.post(f"{mock}/items", json={"id": 2, "name": "cup"}, timeout=10)
    assert (r.status_code, r.json()) == (201, {"item_id": 42, "status": "queued", "created": "2024-01-01T00:00:00Z"})


@pytest.mark.parametrize("method, path, body, where", [
    ("GET", "/items/notanumber", None, "item_id"),
    ("GET", "/items?limit=500", None, "limit"),
    ("POST", "/items", {"id": 0, "name": "cup"}, "body.id"),
    ("POST", "/items", {"name": "cup"}, "id"),
])
def test_mock_validates_requests(mock, method, path, body, where):
    r = requests.request(method, f"{mock}{path}", json=body, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"] == "INVALID_PARAMETER" and where in r.json()["error_description"]


def test_mock_of_a_missing_spec(tmp_path):
    done = subprocess.run([script("pymacaron"), "mock", "apis/nope.yaml"], cwd=str(tmp_path), env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "apis/nope.yaml: no such file" in done.stderr


SERVICE_SPEC = """\
swagger: '2.0'
info: {title: shop, version: 1.0.0}
host: shop.example.com
schemes: [https]
produces: [application/json]
paths:
  /hello:
    get:
      x-bind-server: shop.api.hello
      responses:
        '200': {description: Hi, schema: {$ref: '#/definitions/Note'}}
  /later:
    get:
      summary: Not written yet.
      responses:
        '200': {description: Soon, schema: {$ref: '#/definitions/Note'}}
definitions:
  Note:
    type: object
    required: [text]
    properties:
      text: {type: string, example: coming soon}
"""

SERVER = """\
import os

from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis"))
    api.start(serve="shop")


letsgo(__name__, callback=start)
"""


@pytest.mark.parametrize("command", [["pymacaron", "run"], ["python", "server.py"]])
def test_run_mock_unbound_answers_operations_without_a_handler(tmp_path, command):
    """``pymacaron run --mock-unbound`` and ``python server.py --mock-unbound``: the operation without a
    handler answers its example, the bound one its handler; without the flag start-up is refused."""
    command = [script("pymacaron"), "run"] if command[0] == "pymacaron" else [sys.executable, "server.py"]
    write(tmp_path, {"apis/shop.yaml": SERVICE_SPEC, "server.py": SERVER, "shop/__init__.py": "",
                     "shop/api.py": "def hello():\n    return {'text': 'real'}\n",
                     "pym-config.yaml": "name: shop\nlive_url: https://shop.example.com\n"})
    refused = subprocess.run([*command, "--port", str(free_port())], cwd=str(tmp_path),
                             env=clean_env(), capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "GET /later" in refused.stderr and "no x-bind-server" in refused.stderr

    port = free_port()
    server = Server([*command, "--mock-unbound", "--port", str(port)], tmp_path)
    try:
        server.wait_ready(port)
        assert requests.get(f"http://127.0.0.1:{port}/hello", timeout=10).json() == {"text": "real"}
        assert requests.get(f"http://127.0.0.1:{port}/later", timeout=10).json() == {"text": "coming soon"}
        assert "GET /later answers a mock (no x-bind-server)" in server.output()
    finally:
        server.stop()


DEFINITIONS = {
    "Node": {"type": "object", "required": ["name"],
             "properties": {"name": {"type": "string"}, "child": {"$ref": "#/definitions/Node"}}},
    "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}}},
}


@pytest.mark.parametrize("schema, data", [
    ({"type": "string", "minLength": 8}, "stringxx"),
    ({"type": "string", "maxLength": 3}, "str"),
    ({"type": "string", "format": "email"}, "user@example.com"),
    ({"type": "string", "format": "date"}, "2024-01-01"),
    ({"type": "integer", "minimum": 5, "maximum": 9}, 5),
    ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 6),
    ({"type": "number", "maximum": -2}, -2.0),
    ({"type": "integer", "minimum": 1, "multipleOf": 5}, 5),
    ({"type": "integer", "exclusiveMinimum": 3}, 4),
    ({"type": "integer", "exclusiveMaximum": -3}, -4),
    ({"type": "boolean"}, True),
    ({"type": "string", "enum": ["b", "a"]}, "b"),
    ({"type": "string", "default": "d"}, "d"),
    ({"type": ["null", "integer"]}, 0),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, [0, 0]),
    ({"type": "string", "examples": ["from 3.1"]}, "from 3.1"),
    ({"allOf": [{"$ref": "#/definitions/Base"}, {"properties": {"n": {"type": "integer"}}}]},
     {"id": "00000000-0000-4000-8000-000000000000", "n": 0}),
])
def test_generate(schema, data):
    assert generate(schema, DEFINITIONS) == data


def test_generate_stops_recursive_models_and_is_deterministic():
    data = generate({"$ref": "#/definitions/Node"}, DEFINITIONS)
    depth = 0
    while "child" in data:
        data, depth = data["child"], depth + 1
    assert data == {"name": "string"} and 2 < depth < 10
    assert generate({"$ref": "#/definitions/Node"}, DEFINITIONS) == generate({"$ref": "#/definitions/Node"},
                                                                               DEFINITIONS)

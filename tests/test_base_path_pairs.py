"""basePath, both directions: which client reaches which server with the same spec file.

pymacaron v1 ignored ``basePath`` on both sides: its servers served the spec's paths as written, its
clients called them. v3 servers serve ``<basePath><path>`` and, with ``base_path_aliases`` (the default),
the path as written too; v3 clients call the path as written, unless ``client_base_path`` is set.

Each server and each client is a real process: three servers (a v1-shaped one: ours, serving the paths as
written, as v1 did; a v3 one with aliases; a v3 one without) and three clients (a v1 client calling
``<host>:<port><path>`` as v1's generated clients did; a v3 client; a v3 client with
``client_base_path: true``). Two operations: ``/hello`` under ``basePath: /v1``, and ``/v1/hi``, a v1 spec
whose paths already start with its basePath.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import example_env, free_port  # noqa: E402

SPEC = """\
swagger: '2.0'
info: {title: greeter, version: '1'}
host: localhost
schemes: [http]
basePath: /v1
produces: [application/json]
paths:
  /hello:
    get:
      x-bind-server: greeter_handlers.hello
      x-bind-client: hello
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Greeting'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /v1/hi:
    get:
      x-bind-server: greeter_handlers.hi
      x-bind-client: hi
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Greeting'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Greeting:
    type: object
    properties:
      text: {type: string}
"""

HANDLERS = """\
from flask import request
from pymacaron.models import Greeting


def hello():
    return Greeting(text="hello at " + request.path)


def hi():
    return Greeting(text="hi at " + request.path)
"""

SERVER = """\
import os
import sys

from flask import Flask
from werkzeug.serving import make_server

from pymacaron import API

mode = sys.argv[1]
app = Flask(__name__)
if mode == "v1":
    # a v1-shaped server: the spec's paths served as written, basePath ignored (as pymacaron v1 did)
    from pymacaron.bootstrap import builtin_definitions
    from pymacaron_core import ApiPool

    ApiPool.add("greeter", yaml_path="apis/greeter.yaml", base_path="", default_definitions=builtin_definitions())
    ApiPool.greeter.spawn_api(app)
else:
    api = API(app)
    api.load_apis("apis")
    api.start(serve="greeter")
server = make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""

CLIENT = """\
import json
import sys

import requests

from pymacaron.bootstrap import builtin_definitions, client_base_path
from pymacaron.config import get_config
from pymacaron_core import ApiPool

mode, targets = sys.argv[1], json.loads(sys.argv[2])
results = {}
for server, port in targets.items():
    for op in ("hello", "hi"):
        if mode == "v1":
            # pymacaron v1's client URL: <proto>://<host>:<port>/<path as written in the spec>
            path = {"hello": "/hello", "hi": "/v1/hi"}[op]
            r = requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            results[f"{server} {op}"] = r.json().get("text") if r.status_code == 200 else r.status_code
            continue
        api = ApiPool.add("greeter", yaml_path="apis/greeter.yaml", host="127.0.0.1", port=port,
                          client_base_path=client_base_path(get_config(), "greeter"),
                          default_definitions=builtin_definitions(), error_callback=lambda e: e)
        answer = getattr(api.client, op)(max_attempts=1)
        results[f"{server} {op}"] = answer.text if hasattr(answer, "text") and answer.text else \\
            getattr(answer, "status_code", None) or getattr(answer, "status", None)
print(json.dumps(results))
"""

CONFIG = """\
name: greeter
live_host: greeter.example.com
"""

SERVERS = {"v1": "", "v3": "base_path_aliases: true\n", "v3-no-aliases": "base_path_aliases: false\n"}
CLIENTS = {"v1": "", "v3": "", "v3-prefixed": "client_base_path: true\n"}

# server -> client -> (GET hello, GET hi): what comes back (the path served), or the status
EXPECTED = {
    "v1": {"v1": ("hello at /hello", "hi at /v1/hi"), "v3": ("hello at /hello", "hi at /v1/hi"),
           "v3-prefixed": (404, 404)},
    "v3": {"v1": ("hello at /hello", "hi at /v1/hi"), "v3": ("hello at /hello", "hi at /v1/hi"),
           "v3-prefixed": ("hello at /v1/hello", "hi at /v1/v1/hi")},
    "v3-no-aliases": {"v1": (404, 404), "v3": (404, 404),
                      "v3-prefixed": ("hello at /v1/hello", "hi at /v1/v1/hi")},
}


def write_service(folder, config):
    (folder / "apis").mkdir(parents=True)
    (folder / "apis" / "greeter.yaml").write_text(SPEC)
    (folder / "greeter_handlers.py").write_text(HANDLERS)
    (folder / "server.py").write_text(SERVER)
    (folder / "client.py").write_text(CLIENT)
    (folder / "pym-config.yaml").write_text(CONFIG + config)
    return folder


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The three servers, each a real process on its own port."""
    started = {}
    try:
        for name, config in SERVERS.items():
            folder = write_service(tmp_path_factory.mktemp(name), config)
            port = free_port()
            log = open(folder / "server.log", "wb")
            proc = subprocess.Popen([sys.executable, "server.py", name, str(port)], cwd=folder, stdout=log,
                                    stderr=subprocess.STDOUT, env=example_env(PYM_CONFIG=str(folder)),
                                    start_new_session=True)
            started[name] = (proc, port, folder, log)
        for proc, port, folder, _log in started.values():
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, (folder / "server.log").read_text()
                try:
                    if requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code in (200, 404):
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, (folder / "server.log").read_text()
                time.sleep(0.2)
        yield {name: port for name, (_proc, port, _folder, _log) in started.items()}
    finally:
        for proc, _port, _folder, log in started.values():
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)
            log.close()


@pytest.fixture(scope="module")
def results(servers, tmp_path_factory):
    """Each client, a real process of its own, calling both operations of every server."""
    runs = {}
    for name, config in CLIENTS.items():
        folder = write_service(tmp_path_factory.mktemp(f"client-{name}"), config)
        runs[name] = subprocess.Popen([sys.executable, "client.py", name, json.dumps(servers)], cwd=folder,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env=example_env(PYM_CONFIG=str(folder)))
    out = {}
    for name, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        out[name] = json.loads(stdout.strip().splitlines()[-1])
    return out


@pytest.mark.parametrize("server", list(SERVERS))
@pytest.mark.parametrize("client", list(CLIENTS))
def test_which_client_reaches_which_server(results, server, client):
    got = (results[client][f"{server} hello"], results[client][f"{server} hi"])
    assert got == EXPECTED[server][client]


def test_every_pair_the_issue_names_works(results):
    """v3 client -> v1 server, v1 client -> v3 server, v3 -> v3 with aliases on (default client) and off
    (client_base_path)."""
    for server, client in (("v1", "v3"), ("v3", "v1"), ("v3", "v3"), ("v3-no-aliases", "v3-prefixed")):
        assert all(isinstance(v, str) for v in EXPECTED[server][client])
        assert (results[client][f"{server} hello"], results[client][f"{server} hi"]) == EXPECTED[server][client]


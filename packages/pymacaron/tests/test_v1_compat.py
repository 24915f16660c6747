"""v1 services and v1 code keep working: start() signatures, models imports, old specs, unchecked responses,
downstream failures."""

import logging
import subprocess
import sys
import textwrap

import pytest
import requests
from cli_testing import clean_env, free_port
from crash_testing import reports  # noqa: F401
from pym_testing import DEFAULT_CONFIG, DEFAULT_HANDLERS, DEFAULT_SPEC

from pymacaron.bootstrap import _call_start
from pymacaron_core import SpecError


@pytest.mark.parametrize("start, expected", [
    ("def start(port, debug):\n    return (port, debug)", (8081, False)),
    ("def start(port=8080, debug=False):\n    return (port, debug)", (8081, False)),
    ("def start(port):\n    return (port,)", (8081,)),
    ("def start(p, d):\n    return (p, d)", (8081, False)),
    ("def start(**kwargs):\n    return tuple(sorted(kwargs.items()))", (("debug", False), ("port", 8081))),
    ("def start():\n    return ()", ()),
])
def test_start_is_called_the_way_it_can_be_called(start, expected):
    namespace = {}
    exec(start, namespace)
    assert _call_start(namespace["start"], 8081, False) == expected


SERVER = """\
import os
from flask import Flask
from pymacaron import API, letsgo

app = Flask(__name__)


def start(port, debug):
    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(os.path.dirname(os.path.realpath(__file__)), "apis"))
    api.start(serve="testsvc")


letsgo(__name__, callback=start)
"""


def test_a_v1_server_py_with_start_port_debug_can_be_imported(tmp_path):
    """gunicorn, granian and the async worker import server.py: v1's 'def start(port, debug):' must not fail."""
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis" / "testsvc.yaml").write_text(DEFAULT_SPEC.replace("HANDLERS", "handlers"))
    (tmp_path / "handlers.py").write_text(DEFAULT_HANDLERS)
    (tmp_path / "pym-config.yaml").write_text(DEFAULT_CONFIG)
    (tmp_path / "server.py").write_text(SERVER)
    code = "import server; print(server.app.test_client().get('/hello?name=v1').get_json()['message'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=clean_env(PYM_TEST_JWT_SECRET="x" * 40))
    assert (done.returncode, done.stdout) == (0, "hello v1\n"), done.stderr


def test_pymacaron_models_misses_do_not_break_hasattr(service):
    import pymacaron.models

    assert not hasattr(pymacaron.models, "Hello")  # before the specs are loaded
    with pytest.raises(ImportError):
        exec("from pymacaron.models import Hello", {})
    service()
    assert hasattr(pymacaron.models, "Hello") and not hasattr(pymacaron.models, "Nope")
    with pytest.raises(AttributeError, match=r"pymacaron.models has no model 'Nope' \(loaded models: .*Hello"):
        pymacaron.models.Nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from pymacaron.models import Nope", {})


OLD_SPEC = DEFAULT_SPEC.replace("info: {title: testsvc, version: 1.0.0}", "info: {version: 1.0.0}").replace(
    "        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}\n",
    "        '200': {description: ok, type: object, schema: {$ref: '#/definitions/Hello'}}\n", 1)


def test_an_old_spec_is_served_with_warnings(service, caplog):
    with caplog.at_level(logging.WARNING, logger="pymacaron_core.spec"):
        app = service(spec=OLD_SPEC)
    assert app.test_client().get("/hello").status_code == 200
    warnings = "\n".join(r.getMessage() for r in caplog.records)
    assert "apis/testsvc.yaml line 2, info: warning: invalid Swagger 2.0: 'title' is a required property" in warnings
    assert "apis/testsvc.yaml line 13, paths./hello.get.responses.200: warning:" in warnings


def test_strict_spec_makes_them_errors(service):
    with pytest.raises(SpecError, match="line 2, info: invalid Swagger 2.0: 'title' is a required property"):
        service(spec=OLD_SPEC, config=DEFAULT_CONFIG + "strict_spec: true\n")


BAD_RESPONSE_HANDLERS = """\
def do_hello(name=None):
    return {"message": 42, "extra": name}
"""


def test_validate_responses_false_sends_unchecked_responses(service):
    checked = service(handlers=BAD_RESPONSE_HANDLERS).test_client().get("/hello?name=x")
    assert checked.status_code == 500 and checked.json["error"] == "BAD_RESPONSE"


def test_validate_responses_off(service):
    app = service(handlers=BAD_RESPONSE_HANDLERS, config=DEFAULT_CONFIG + "validate_responses: false\n")
    r = app.test_client().get("/hello?name=x")
    assert r.status_code == 200 and r.json == {"message": 42, "extra": "x"}


@pytest.mark.parametrize("key, value", [("strict_spec", "1"), ("validate_responses", "0"),
                                        ("client_base_path", "maybe")])
def test_switches_take_booleans(service, key, value):
    from pymacaron.config import ConfigError

    with pytest.raises(ConfigError, match=f"{key} must be true"):
        service(config=DEFAULT_CONFIG + f"{key}: {value}\n")


DOWNSTREAM_SPEC = DEFAULT_SPEC.replace("  /hello/auth:", """\
  /relay:
    get:
      x-bind-server: HANDLERS.relay
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /caught:
    get:
      x-bind-server: HANDLERS.caught
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /hello/auth:""")

DOWNSTREAM_HANDLERS = DEFAULT_HANDLERS + """
import requests
from pymacaron import load_clients
from pymacaron_core import ApiPool


def relay():
    return ApiPool.remote.client.hello(max_attempts=1)


def caught():
    try:
        ApiPool.remote.client.hello(max_attempts=1)
    except requests.exceptions.ConnectionError as e:  # v1 code catching requests' exceptions
        return Hello(message="down: " + type(e).__name__)
"""

REMOTE = """\
swagger: '2.0'
info: {title: remote, version: 1.0.0}
host: 127.0.0.1:PORT
schemes: [http]
paths:
  /hello:
    get:
      x-bind-client: hello
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
definitions:
  Hello:
    type: object
    required: [message]
    properties:
      message: {type: string}
"""


def test_an_unreachable_api_is_a_502_naming_it_but_not_its_url(service, tmp_path, reports):  # noqa: F811
    port = free_port()
    app = service(spec=DOWNSTREAM_SPEC, handlers=DOWNSTREAM_HANDLERS)
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "remote.yaml").write_text(REMOTE.replace("PORT", str(port)))
    from pymacaron import load_clients

    load_clients(path=str(tmp_path / "clients"), apis=["remote"])
    web = app.test_client()
    r = web.get("/relay")
    assert r.status_code == 502 and r.json["error"] == "UPSTREAM_UNAVAILABLE" and r.json["error_id"]
    assert r.json["error_description"] == ("API 'remote' could not be reached (GET /hello, client method hello) after 1 "
                                           "attempt: ConnectionError")
    assert str(port) not in r.get_data(as_text=True)
    report = reports.wait(1)[0]
    assert report.title.startswith("FATAL BACKEND ERROR testsvc 502 UPSTREAM_UNAVAILABLE")
    assert report.data["upstream"] == {"api": "remote", "operation": "GET /hello",
                                       "url": f"http://127.0.0.1:{port}/hello", "attempts": 1}
    r = web.get("/caught")
    assert r.status_code == 200 and r.json == {"message": "down: UpstreamConnectionError"}
    assert issubclass(requests.exceptions.ConnectionError, Exception)


def test_a_module_reading_the_call_id_as_v1_did(service):
    handlers = DEFAULT_HANDLERS + textwrap.dedent("""
        from flask import g
        from flask.globals import _cv_app


        def do_hello(name=None):
            return Hello(message="%s %s %s" % (g.call_id, _cv_app.get().call_path, g.call_path))
        """)
    app = service(handlers=handlers)
    r = app.test_client().get("/hello", headers={"PymCallerID": "id-1", "PymCallerPath": "front"})
    assert r.json["message"] == "id-1 front.testsvc front.testsvc"

"""Helpers for pymacaron's tests: write a small service to a folder and start it in-process."""

import importlib
import sys
import textwrap
import uuid

from flask import Flask

DEFAULT_CONFIG = """\
name: testsvc
live_host: testsvc.example.com
jwt_secret: PYM_TEST_JWT_SECRET
jwt_issuer: test.pymacaron.com
jwt_audience: testaudience
env_secrets: [PYM_TEST_JWT_SECRET]
"""

JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256!"

DEFAULT_SPEC = """\
swagger: '2.0'
info: {title: testsvc, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /hello:
    get:
      x-bind-server: HANDLERS.do_hello
      parameters:
        - {in: query, name: name, type: string}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /hello/auth:
    get:
      x-bind-server: HANDLERS.do_hello
      x-decorate-server: pymacaron.auth.requires_auth
      parameters:
        - {in: query, name: name, type: string}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Hello:
    type: object
    required: [message]
    properties:
      message: {type: string}
"""

DEFAULT_HANDLERS = """\
from pymacaron.models import Hello
from pymacaron.auth import get_userid


def do_hello(name=None):
    return Hello(message="hello %s%s" % (name or "world", (" from " + get_userid()) if get_userid() else ""))
"""


def make_service(tmp_path, monkeypatch, spec=DEFAULT_SPEC, handlers=DEFAULT_HANDLERS, config=DEFAULT_CONFIG,
                 serve=None, include_crash_api=False, api_kwargs=None, name="testsvc"):
    """Write apis/<name>.yaml, a handlers module and pym-config.yaml under tmp_path; start an API.

    Returns the Flask app (routes spawned, nothing listening). ``HANDLERS`` in the spec is
    replaced by the generated handlers module name.
    """
    module = f"handlers_{uuid.uuid4().hex[:8]}"
    (tmp_path / "apis").mkdir(exist_ok=True)
    (tmp_path / "apis" / f"{name}.yaml").write_text(textwrap.dedent(spec).replace("HANDLERS", module))
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(handlers))
    if config is not None:
        (tmp_path / "pym-config.yaml").write_text(textwrap.dedent(config))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYM_TEST_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("PYM_CONFIG", str(tmp_path))
    importlib.invalidate_caches()
    from pymacaron import API

    app = Flask(name)
    api = API(app, **(api_kwargs or {}))
    api.load_apis(str(tmp_path / "apis"), include_crash_api=include_crash_api)
    api.start(serve=serve if serve is not None else [name] + (["crash"] if include_crash_api else []))
    app.pym_api = api
    app.pym_handlers = sys.modules.get(module)
    return app

"""``pymacaron routes``: the served operations of a real service folder, through the console script."""

import json
import subprocess

import pytest
from cli_testing import cli, clean_env, script, write

SPEC = """\
swagger: '2.0'
info: {title: shop, version: 1.0.0}
host: shop.example.com
schemes: [https]
produces: [application/json]
securityDefinitions:
  jwt: {type: apiKey, in: header, name: Authorization}
  partner_key: {type: apiKey, in: header, name: X-Partner-Key}
paths:
  /items/{item_id}:
    get:
      summary: One item.
      x-bind-server: shop.api.get_item
      parameters:
        - {in: path, name: item_id, type: integer, required: true}
      responses:
        '200': {description: An item, schema: {$ref: '#/definitions/Item'}}
  /me:
    get:
      x-bind-server: shop.api.who_am_i
      x-decorate-server: pymacaron.auth.requires_auth
      responses:
        '200': {description: The caller, schema: {$ref: '#/definitions/Item'}}
  /stats:
    post:
      summary: Usage counters.
      x-bind-server: shop.api.stats
      security: [{partner_key: []}, {jwt: []}]
      responses:
        '200': {description: Usage, schema: {$ref: '#/definitions/Item'}}
definitions:
  Item:
    type: object
    properties:
      name: {type: string}
"""

API = '''\
from pymacaron.models import Item


def get_item(item_id):
    """Look the item up.

    More text that routes does not show.
    """
    return Item(name=str(item_id))


def who_am_i():
    return Item(name="me")


def stats():
    """Count calls."""
    return Item(name="stats")
'''

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

CONFIG = """\
name: shop
live_url: https://shop.example.com
jwt_issuer: shop.example.com
jwt_audience: shop-clients
jwt_secret: PYM_JWT_SECRET
env_secrets: [PYM_JWT_SECRET]
security_verifiers:
  partner_key: shop.partners.check
"""


@pytest.fixture
def shop(tmp_path):
    write(tmp_path, {"apis/shop.yaml": SPEC, "shop/__init__.py": "", "shop/api.py": API, "server.py": SERVER,
                     "shop/partners.py": "def check(key, scopes, scheme):\n    return key == 'k'\n",
                     "pym-config.yaml": CONFIG})
    return tmp_path


def env():
    return clean_env(PYM_JWT_SECRET="routes-test-secret-" + "x" * 32)


def test_routes_lists_every_served_operation(shop):
    done = cli("pymacaron", "routes", cwd=shop, env=env())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "HANDLER", "DECORATORS", "SECURITY"]
    rows = {tuple(line.split()[:2]): line for line in lines[1:] if line.split()[0] in ("GET", "POST")}
    assert set(rows) == {("GET", "/items/{item_id}"), ("GET", "/me"), ("POST", "/stats"), ("GET", "/ping"),
                         ("GET", "/version"), ("GET", "/auth/version")}
    assert rows[("GET", "/items/{item_id}")].split()[2:] == ["shop.api.get_item", "-", "public"]
    assert rows[("GET", "/me")].split()[2:] == ["shop.api.who_am_i", "pymacaron.auth.requires_auth", "JWT",
                                                "(requires_auth)"]
    assert rows[("POST", "/stats")].split()[2:] == ["shop.api.stats", "-", "partner_key,", "or", "jwt"]
    after_item = lines[lines.index(rows[("GET", "/items/{item_id}")]) + 1]
    assert after_item.strip() == "One item. | Look the item up."
    after_stats = lines[lines.index(rows[("POST", "/stats")]) + 1]
    assert after_stats.strip() == "Usage counters. | Count calls."


def test_routes_json(shop):
    done = cli("pymacaron", "routes", "--json", "--path", str(shop), cwd=shop.parent, env=env())
    assert done.returncode == 0, done.stderr
    rows = {(r["method"], r["path"]): r for r in json.loads(done.stdout)}
    assert rows[("GET", "/me")] == {"api": "shop", "method": "GET", "path": "/me", "handler": "shop.api.who_am_i",
                                    "decorators": ["pymacaron.auth.requires_auth"], "security": "JWT (requires_auth)",
                                    "summary": "", "doc": ""}


def test_routes_shows_why_a_service_does_not_load(shop):
    (shop / "shop" / "api.py").write_text(API.replace("def stats", "def statistics"))
    done = cli("pymacaron", "routes", cwd=shop, env=env())
    assert done.returncode == 1
    assert done.stderr.startswith("ERROR: the service does not load:")
    assert "shop.api.stats" in done.stderr and "Traceback" not in done.stderr


def test_routes_outside_a_service(tmp_path):
    done = cli("pymacaron", "routes", cwd=tmp_path, env=env())
    assert done.returncode == 1
    assert "no server.py in" in done.stderr


def test_routes_into_a_pipe_closed_early(shop):
    """`pymacaron routes | head -1`: no BrokenPipeError traceback."""
    unbuffered = dict(env(), PYTHONUNBUFFERED="1")  # each print is written at once: the second write meets the closed pipe
    done = subprocess.run(f"{script('pymacaron')} routes | head -1", shell=True, cwd=shop, env=unbuffered,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["METHOD", "PATH", "HANDLER", "DECORATORS", "SECURITY"]
    assert done.stderr == ""

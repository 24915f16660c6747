"""x-bind-server targets are imported and checked at start-up, with precise errors."""

import os
import sys

import pytest
from flask import Flask

from core_testing import FIXTURES
from pymacaron_core import ApiPool, SpecError

sys.path.insert(0, os.path.join(FIXTURES, "badhandlers"))

SPEC = """\
swagger: '2.0'
info: {title: items, version: '1'}
paths:
  /items/{item_id}:
    get:
      x-bind-server: HANDLER
      parameters:
        - {in: path, name: item_id, type: string, required: true}
        - {in: query, name: limit, type: integer}
      responses:
        200: {description: ok, schema: {$ref: '#/definitions/Ok'}}
definitions:
  Ok:
    type: object
    properties:
      ok: {type: string}
"""

BODY_SPEC = SPEC.replace("        - {in: query, name: limit, type: integer}",
                         "        - {in: query, name: limit, type: integer}\n"
                         "        - {in: body, name: body, schema: {$ref: '#/definitions/Ok'}}").replace(
    "    get:", "    post:")


def spawn(handler, spec=SPEC, tmp_path=None):
    path = tmp_path / "items.yaml"
    path.write_text(spec.replace("HANDLER", handler))
    ApiPool.add("items", yaml_path=str(path))
    app = Flask("t")
    ApiPool.items.spawn_api(app)
    return app


def error_of(handler, tmp_path, spec=SPEC):
    with pytest.raises(SpecError) as e:
        spawn(handler, spec, tmp_path)
    return str(e.value)


def test_good_handler(tmp_path):
    app = spawn("bh_ok.get_item", tmp_path=tmp_path)
    assert app.test_client().get("/items/1").json == {"ok": "x"}


def test_missing_module(tmp_path):
    msg = error_of("nosuchpkg.handlers.get_item", tmp_path)
    assert "items.yaml line 6" in msg
    assert "GET /items/{item_id}" in msg
    assert "x-bind-server 'nosuchpkg.handlers.get_item'" in msg
    assert "No module named 'nosuchpkg'" in msg
    assert "fix:" in msg


def test_missing_function_suggests_a_close_name(tmp_path):
    msg = error_of("bh_ok.get_itemz", tmp_path)
    assert "module 'bh_ok' has no function 'get_itemz'" in msg
    assert "did you mean bh_ok.get_item" in msg


def test_module_with_syntax_error(tmp_path):
    msg = error_of("bh_syntax.oops", tmp_path)
    assert "importing module 'bh_syntax' failed" in msg
    assert "bh_syntax.py line 1" in msg


def test_module_raising_at_import_shows_the_error_and_where(tmp_path):
    msg = error_of("bh_raises.anything", tmp_path)
    assert "KeyError" in msg and "BH_SURELY_UNSET_VARIABLE" in msg
    assert "bh_raises.py line 3" in msg


def test_not_callable(tmp_path):
    assert "is not a function" in error_of("bh_ok.NOT_A_FUNCTION", tmp_path)


def test_handler_missing_a_keyword(tmp_path):
    msg = error_of("bh_ok.no_kwargs", tmp_path)
    assert "the handler has no argument 'limit'" in msg
    assert "add 'limit=None'" in msg


def test_handler_with_kwargs_accepts_everything(tmp_path):
    app = spawn("bh_ok.takes_kwargs", tmp_path=tmp_path)
    assert app.test_client().get("/items/1?limit=2").json == {"ok": "['item_id', 'limit']"}


def test_handler_requiring_unknown_arguments(tmp_path):
    msg = error_of("bh_ok.needs_more", tmp_path)
    assert "requires an argument 'other' that the operation never passes" in msg


def test_handler_without_room_for_the_body(tmp_path):
    msg = error_of("bh_ok.takes_kwargs", tmp_path, BODY_SPEC)
    assert "takes no positional argument, but the operation has a body" in msg


def test_all_problems_are_reported_together(tmp_path):
    path = tmp_path / "items.yaml"
    text = SPEC.replace("HANDLER", "nosuch.mod.f").replace(
        "definitions:", "  /two:\n    get:\n      x-bind-server: bh_ok.nope\n"
        "      responses:\n        200: {description: ok}\n  /three:\n    get:\n"
        "      responses:\n        200: {description: ok}\ndefinitions:")
    path.write_text(text)
    ApiPool.add("items", yaml_path=str(path))
    with pytest.raises(SpecError) as e:
        ApiPool.items.spawn_api(Flask("t"))
    msg = str(e.value)
    assert msg.startswith("3 problems:")
    assert "No module named 'nosuch'" in msg and "has no function 'nope'" in msg
    assert "GET /three: the operation has no x-bind-server" in msg


def test_bad_x_decorate_server(tmp_path):
    spec = SPEC.replace("      x-bind-server: HANDLER", "      x-bind-server: HANDLER\n"
                        "      x-decorate-server: bh_ok.no_such_decorator")
    msg = error_of("bh_ok.get_item", tmp_path, spec)
    assert "x-decorate-server 'bh_ok.no_such_decorator'" in msg
    assert "items.yaml line 7" in msg

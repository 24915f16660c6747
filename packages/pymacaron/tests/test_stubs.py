"""``pymacaron stubs``: mypy, run on a service, catches wrong attributes, arguments and types."""

import os
import subprocess
import sys

import pytest
from cli_testing import cli, clean_env

from pymacaron.cli.new import render_service, write_service
from pymacaron.stubs import py_type

USAGE = '''\
from pymacaron import ApiPool
from pymacaron.models import Greeting, Message


def good() -> str:
    greeting = ApiPool.shop.client.say_hello(name="x", read_timeout=2)
    echoed = ApiPool.get("shop").client.echo(Message(text="hi", shout=True))
    return greeting.message + echoed.message + Message(text="a").render()


def bad() -> None:
    Greeting(message="x").mesage
    ApiPool.shop.client.say_hello(nam="x")
    Message(text=3)
    Greeting()
'''

EXPECTED = [
    'shop/usage.py:12: error: "Greeting" has no attribute "mesage"; maybe "message"?  [attr-defined]',
    'shop/usage.py:13: error: Unexpected keyword argument "nam" for "say_hello" of "_Client_shop"; did you mean '
    '"name"?  [call-arg]',
    'shop/usage.py:14: error: Argument "text" to "Message" has incompatible type "int"; expected "str"  [arg-type]',
    'shop/usage.py:15: error: Missing named argument "message" for "Greeting"  [call-arg]',
]


def test_mypy_checks_a_service_against_its_stubs(tmp_path):
    folder = tmp_path / "shop"
    write_service(str(folder), render_service("shop", "shop"))
    (folder / "shop" / "usage.py").write_text(USAGE)
    env = clean_env()
    done = cli("pymacaron", "stubs", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert "check with: PYTHONPATH=typings mypy ." in done.stdout
    assert (folder / "typings" / "pymacaron-stubs" / "py.typed").read_text() == "partial\n"

    mypy = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context",
                           "--cache-dir", str(tmp_path / "mypy-cache"), "shop", "server.py"],
                          cwd=str(folder), env=dict(env, PYTHONPATH="typings"), capture_output=True, text=True,
                          timeout=300)
    errors = [line for line in mypy.stdout.splitlines() if ": error:" in line]
    assert errors == EXPECTED, mypy.stdout + mypy.stderr  # the rest of the service, x-parent methods included, is clean

    stub = (folder / "typings" / "pymacaron-stubs" / "models.pyi").read_text()
    assert "class Message(_parent_Message, PyMacaronModel):" in stub
    assert "from shop.models import Message as _parent_Message" in stub
    assert "    def __init__(self, *, text: str, shout: bool | None = ...) -> None: ..." in stub


@pytest.mark.parametrize("schema, text", [
    ({"type": "string"}, "str"),
    ({"type": "string", "format": "date-time"}, "datetime.datetime"),
    ({"type": "string", "format": "date"}, "datetime.date"),
    ({"type": "integer", "x-nullable": True}, "int | None"),
    ({"type": ["number", "null"]}, "float | None"),
    ({"type": "array", "items": {"$ref": "#/definitions/Item"}}, "list[Item]"),
    ({"$ref": "#/definitions/Unknown"}, "Any"),
    ({"type": "object", "additionalProperties": {"type": "string"}}, "dict[str, Any]"),
    ({}, "Any"),
])
def test_py_type(schema, text):
    assert py_type(schema, {"Item"}) == text


def test_stubs_outside_a_service(tmp_path):
    done = cli("pymacaron", "stubs", cwd=tmp_path, env=clean_env())
    assert done.returncode == 1 and "no server.py in" in done.stderr
    assert not os.path.exists(tmp_path / "typings")

"""Helpers shared by pymacaron-core's tests (importable: conftest puts this folder on sys.path)."""

import os
import sys
from contextlib import contextmanager

from pymacaron_unit import LiveServer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
PETSTORE = os.path.join(FIXTURES, "petstore", "petstore.yaml")
sys.path.insert(0, os.path.join(FIXTURES, "petstore"))


@contextmanager
def serve(app):
    """Serve a WSGI app on 127.0.0.1 (random port) in a thread; yields the port."""
    with LiveServer(app) as server:
        yield server.port


_converted = {}


def converted_spec(path, version):
    """The text of the Swagger 2.0 spec at ``path``, converted by ``pymacaron convert`` to OpenAPI ``version``
    ("3.0" or "3.1"); "2.0" gives the file's own text."""
    key = (path, version)
    if key not in _converted:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if version != "2.0":
            from pymacaron_core.spec.convert import convert, to_yaml
            from pymacaron_core.spec.yamlfile import load_yaml

            data, _locs = load_yaml(text, path)
            text = to_yaml(convert(data, to=version)[0])
        _converted[key] = text
    return _converted[key]

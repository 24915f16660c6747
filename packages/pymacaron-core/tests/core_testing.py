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

"""Helpers shared by pymacaron-core's tests (importable: conftest puts this folder on sys.path)."""

import os
import sys
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
PETSTORE = os.path.join(FIXTURES, "petstore", "petstore.yaml")
sys.path.insert(0, os.path.join(FIXTURES, "petstore"))


@contextmanager
def serve(app):
    """Serve a WSGI app on 127.0.0.1 (random port) in a thread; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

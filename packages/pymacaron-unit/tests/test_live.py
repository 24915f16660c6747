"""LiveServer serves a WSGI app on 127.0.0.1 in a thread, and stops."""

import socket

import pytest
import requests
from flask import Flask

from pymacaron_unit import LiveServer


def test_serves_then_stops():
    app = Flask("live")
    app.add_url_rule("/ping", "ping", lambda: {"ok": "yes"})
    with LiveServer(app) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert requests.get(server.url + "/ping", timeout=10).json() == {"ok": "yes"}
    assert not server.thread.is_alive()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass

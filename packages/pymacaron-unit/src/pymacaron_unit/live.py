"""Serve a WSGI app on 127.0.0.1 in a background thread, for tests.

    with LiveServer(app) as server:
        requests.get(server.url + "/ping")

A random free port is used; ``stop()`` (or leaving the ``with`` block) shuts the
server down and waits for its thread, with a bound. Needs werkzeug (Flask's
own server), imported only when a server is made.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from werkzeug.serving import WSGIRequestHandler

import threading

STOP_TIMEOUT = 10  # seconds


class LiveServer:
    """A real werkzeug server for ``app`` on ``host`` and a free port, in a thread: ``start()``, ``stop()``, ``url``."""

    def __init__(self, app: Callable[..., Any], ssl_context: ssl.SSLContext | tuple[str, str] | str | None = None,
                 request_handler: type[WSGIRequestHandler] | None = None, host: str = "127.0.0.1"):
        from werkzeug.serving import make_server

        options: dict[str, Any] = {"threaded": True, "ssl_context": ssl_context}
        if request_handler is not None:
            options["request_handler"] = request_handler
        self.app = app
        self.server = make_server(host, 0, app, **options)
        self.host = host
        self.port = self.server.server_port
        self.url = f"{'https' if ssl_context else 'http'}://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"live-server-{self.port}", daemon=True)

    def start(self) -> LiveServer:
        """Serve in a daemon thread -> self."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket (bounded wait for the thread)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(STOP_TIMEOUT)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

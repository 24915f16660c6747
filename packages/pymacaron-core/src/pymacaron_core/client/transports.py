"""How a generated client sends a request.

Both transports are called as ``send(url, method=, headers=, params=, data=,
timeout=, verify=)`` and return an object with ``status_code``, ``headers``,
``content``, ``text`` and ``json()``. That one signature is what an
``x-decorate-request`` decorator (e.g. ``pymacaron.auth.add_auth``) wraps.

- :class:`HttpTransport`: real HTTP with a pooled ``requests.Session``.
- :class:`WsgiTransport`: calls a Flask app in-process (APIs served by this
  process): no socket, no timeout, same headers and parameters.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.test import TestResponse


class HttpTransport:
    """Sends a client's requests over HTTP, through one pooled ``requests.Session``."""

    def __init__(self) -> None:
        self._session: Any = None

    @property
    def session(self) -> Any:
        """The ``requests.Session`` requests go through (created, and requests imported, on first use)."""
        if self._session is None:
            import requests  # on the first call over HTTP: not at start-up

            self._session = requests.Session()
        return self._session

    def __call__(self, url, method="GET", headers=None, params=None, data=None, timeout=None,
                 verify=True, files=None):
        return self.session.request(method, url, headers=headers, params=params, data=data,
                                    timeout=timeout, verify=verify, files=files)

    def close(self) -> None:
        """Close the pooled session (a later request opens a new one)."""
        if self._session is not None:
            self._session.close()
            self._session = None


class WsgiResponse:
    """The parts of a requests.Response that clients use, from a test response."""

    def __init__(self, resp: TestResponse) -> None:
        self.status_code = resp.status_code
        self.headers = resp.headers
        self.content = resp.get_data()
        self.ok = 200 <= self.status_code < 400

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON (ValueError if it is not)."""
        return json.loads(self.content)


def _werkzeug_file(value):
    """A file as requests takes it ((name, content[, type]), bytes, a file) -> as werkzeug's test client does."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] is None:  # a part without a file name, typed
        content = value[1].encode() if isinstance(value[1], str) else bytes(value[1])
        return (io.BytesIO(content), None, value[2])
    if isinstance(value, tuple) and len(value) >= 2 and isinstance(value[0], str):
        content = value[1]
        if isinstance(content, (bytes, bytearray, str)):
            content = io.BytesIO(content.encode() if isinstance(content, str) else bytes(content))
        return (content, value[0]) + tuple(value[2:3])
    if isinstance(value, (bytes, bytearray)):
        return (io.BytesIO(bytes(value)), "file")
    return value


class WsgiTransport:
    """Sends a client's requests to a Flask app in the same process, through its test client (no socket,
    no timeout)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, url, method="GET", headers=None, params=None, data=None, timeout=None,
                 verify=True, files=None):
        client = self.app.test_client(use_cookies=False)  # a Cookie header is sent as given
        if files:
            data = dict(data or {})
            pairs = files if isinstance(files, list) else list(files.items())
            for k, v in pairs:
                if k in data and not isinstance(data[k], list):
                    data[k] = [data[k]]
                data.setdefault(k, []).append(_werkzeug_file(v))
        resp = client.open(url, method=method, headers=headers or {}, query_string=params or None,
                           data=data)
        try:
            return WsgiResponse(resp)
        finally:
            resp.close()

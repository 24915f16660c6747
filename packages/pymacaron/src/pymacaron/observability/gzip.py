"""gzip (``gzip: true`` in pym-config, as pymacaron v1 compressed with flask-compress).

A response is compressed when the caller accepts gzip, its body is at least
``gzip_min_size`` bytes (1024: below that, compressing costs more than it saves) and of a
compressible type (JSON, text, XML, JavaScript), it is not streamed, and it has no
Content-Encoding yet. ``Vary: Accept-Encoding`` tells caches the body depends on it.
"""

from __future__ import annotations

import gzip as _gzip
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask, Response

COMPRESSIBLE = ("application/json", "text/", "application/xml", "application/javascript", "image/svg+xml")


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value accepts gzip (``gzip;q=0`` refuses it)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def install(app: Flask, min_size: int, level: int) -> None:
    """Compress ``app``'s responses of ``min_size`` bytes or more at gzip ``level`` (see the module docstring)."""

    def compress(response: Response) -> Response:
        from flask import request

        if response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers:
            return response
        if not (200 <= response.status_code < 300 or response.status_code >= 400):
            return response
        mimetype = response.mimetype or ""
        if not mimetype.startswith(COMPRESSIBLE):
            return response
        response.vary.add("Accept-Encoding")
        if not accepts_gzip(request.headers.get("Accept-Encoding", "")):
            return response
        data = response.get_data()
        if len(data) < min_size:
            return response
        response.set_data(_gzip.compress(data, compresslevel=level, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        return response

    app.after_request(compress)

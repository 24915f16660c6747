"""A fast path for flask-cors when every origin is allowed (``cors_origins`` unset or ``*``).

flask-cors works out the CORS headers of every response from its options:
about a quarter of a small endpoint's time. With origins ``*``, for a request
that is not a preflight (``OPTIONS``) and carries no ``Origin`` (nor
private-network) header, which is every server-to-server call, its whole
effect is one header, ``Access-Control-Allow-Origin: *``: this sets it
directly. Any other request goes through flask-cors as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_cors.core import ACL_ORIGIN, FLASK_CORS_EVALUATED

if TYPE_CHECKING:
    from flask import Flask, Response


def wildcard_fast_path(app: Flask) -> None:
    """Wrap the after-request function that ``CORS(app, origins="*")`` just registered."""
    funcs = app.after_request_funcs.get(None) or []
    if not funcs or getattr(funcs[-1], "_pym_cors_fast_path", False):
        return
    slow = funcs[-1]

    def cors_after_request(response: Response) -> Response:
        environ = request.environ
        if "HTTP_ORIGIN" in environ or environ.get("REQUEST_METHOD") == "OPTIONS" \
                or "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK" in environ or hasattr(response, FLASK_CORS_EVALUATED):
            return slow(response)
        if not response.headers.get(ACL_ORIGIN):
            response.headers.add(ACL_ORIGIN, "*")
        return response

    cors_after_request._pym_cors_fast_path = True  # type: ignore[attr-defined]  # read above: wrap once
    cors_after_request.__wrapped__ = slow  # type: ignore[attr-defined]
    funcs[-1] = cors_after_request

"""The one observation hook of generated clients (set by pymacaron's tracing and metrics).

``client_call(method, headers, call)``: called by every client call instead of ``call()``
(which sends the request, with its retries, and returns the response); it may add headers
(W3C ``traceparent``) to ``headers`` before calling ``call()``. ``None``: calls go straight out.
"""

from __future__ import annotations

client_call = None

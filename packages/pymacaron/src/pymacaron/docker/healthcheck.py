"""The image's health check: ``python -m pymacaron.docker.healthcheck`` -> 0 when /ping answers 200.

It asks ``http://127.0.0.1:$PORT/ping`` (``PORT`` defaults to 8080), within ``$PYM_HEALTH_TIMEOUT``
seconds (default 4), with the standard library only (the slim image has no curl).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_TIMEOUT = 4.0


def check(port: int | str | None = None, timeout: float | str | None = None) -> tuple[bool, str]:
    """GET /ping of the local server -> (True when it answered 200, a one-line message saying what happened)."""
    port = port or os.environ.get("PORT") or "8080"
    timeout = float(timeout or os.environ.get("PYM_HEALTH_TIMEOUT") or DEFAULT_TIMEOUT)
    url = f"http://127.0.0.1:{port}/ping"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, OSError) as e:
        return False, f"{url}: {getattr(e, 'reason', e)}"
    return status == 200, f"{url}: HTTP {status}"


def main() -> int:
    """Print the check's message; exit status 0 when /ping answered 200, else 1 (Docker's HEALTHCHECK)."""
    ok, message = check()
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sending one request to the service under test (SPEC U2).

- The URL is ``<http|https>://<host>:<port>/<path without leading '/'>``; https only on port 443.
- ``auth`` is the FULL ``Authorization`` header value (``"Bearer <jwt>"``), never logged or shown.
- A dict (or list) body is sent as JSON with ``Content-Type: application/json``; a str/bytes body raw.
- TLS certificates are checked unless ``verify_ssl=False`` or ``$NO_SSL_CHECK`` is non-empty.
- A GET that hits a read timeout is tried again, up to 3 attempts in all; nothing else is retried.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import requests

METHODS = ("get", "post", "put", "patch", "delete")
ATTEMPTS = 3
HIDDEN = "<hidden>"


def base_url(host, port):
    """``http://host:port``, or ``https://host:port`` when the port is 443."""
    host = str(host)
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    scheme = "https" if int(port) == 443 else "http"
    return f"{scheme}://{host}:{int(port)}"


def build_url(host, port, path):
    return f"{base_url(host, port)}/{str(path).lstrip('/')}"


def check_method(method):
    """The lower-case method; ValueError naming the accepted ones otherwise."""
    m = str(method).lower()
    if m not in METHODS:
        raise ValueError(f"unsupported HTTP method {method!r}: use one of {', '.join(METHODS)} (any case)")
    return m


def encode_body(data):
    """(body, headers) for ``data``: dict/list -> JSON, str/bytes -> raw, None -> no body."""
    if data is None:
        return None, {}
    if isinstance(data, (dict, list)):
        return json.dumps(data), {"Content-Type": "application/json"}
    if isinstance(data, (str, bytes)):
        return data, {}
    raise TypeError(f"cannot send a {type(data).__name__} as a request body: pass a dict or list (sent as "
                    "JSON), or a str/bytes (sent as is)")


def ssl_checked(verify_ssl=True):
    """False when ``verify_ssl`` is False or $NO_SSL_CHECK is set to anything non-empty."""
    return bool(verify_ssl) and not os.environ.get("NO_SSL_CHECK")


class CallFailed(Exception):
    """The request got no response at all (connection refused, timeout...): ``str()`` says what to check."""

    def __init__(self, method, url, error):
        self.method, self.url, self.error = method.upper(), url, error
        super().__init__(f"{self.method} {url} got no response: {explain(error)}")


def explain(error):
    if isinstance(error, requests.exceptions.SSLError):
        return (f"TLS error ({error}); if the server's certificate is self-signed, pass verify_ssl=False "
                "or set NO_SSL_CHECK=1")
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "the connection timed out: is the host reachable, and is the port right?"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "cannot connect: is the service running there (check PYM_SERVER_HOST and PYM_SERVER_PORT)?"
    if isinstance(error, requests.exceptions.ReadTimeout):
        return "no answer before the read timeout: the service is too slow or stuck"
    return f"{type(error).__name__}: {error}"


def send(method, url, data=None, auth=None, verify_ssl=True, timeout=(50, 50), allow_redirects=True,
         attempts=ATTEMPTS):
    """Send one request -> ``requests.Response`` (CallFailed when no response came back)."""
    m = check_method(method)
    body, headers = encode_body(data)
    if auth:
        headers["Authorization"] = auth
    verify = ssl_checked(verify_ssl)
    tries = attempts if m == "get" else 1
    for attempt in range(1, tries + 1):
        try:
            with warnings.catch_warnings():
                if not verify:
                    from urllib3.exceptions import InsecureRequestWarning

                    warnings.simplefilter("ignore", InsecureRequestWarning)
                return requests.request(m.upper(), url, data=body, headers=headers, timeout=timeout,
                                        verify=verify, allow_redirects=allow_redirects)
        except requests.exceptions.ReadTimeout as e:
            if attempt >= tries:
                raise CallFailed(m, url, e) from None
        except requests.exceptions.RequestException as e:
            raise CallFailed(m, url, e) from None
    raise AssertionError("unreachable")  # pragma: no cover


def pretty_body(response, limit=None):
    """The body as sorted, indented JSON when it is JSON, else as text (cut after ``limit`` characters)."""
    text = response.text
    try:
        text = json.dumps(response.json(), sort_keys=True, indent=4, ensure_ascii=False)
    except ValueError:
        pass
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}\n... ({len(text) - limit} more characters)"
    return text


def print_response(response, file=None):
    """What each call prints (pytest shows it with a failing test): the request line, status and body."""
    file = file or sys.stdout
    req = response.request
    print(f"{req.method} {req.url} -> {response.status_code}", file=file)
    body = pretty_body(response)
    if body:
        print(body, file=file)

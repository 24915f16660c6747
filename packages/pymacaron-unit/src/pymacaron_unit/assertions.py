"""The assertion methods of SPEC U3, shared by the unittest TestCase and the pytest client.

``ApiAssertions`` needs ``host`` and ``port`` (and optionally ``timeout_connect``, ``timeout_read``
and ``timeout_factor``) on the instance or its class. Every method sends one request (see
``pymacaron_unit._http``), prints the response, and raises ``failureException`` (AssertionError)
with a message showing the request, the status and the body when the answer is not the expected one.

Signatures and semantics are those of the original pymacaron-unit:

    assertGetReturnJson(path, status=200, auth=None, verify_ssl=True)            -> json
    assertDeleteReturnJson(path, status=200, auth=None)                          -> json
    assertPostReturnJson(path, data, status=200, auth=None, verify_ssl=True)     -> json
    assertGetReturnDict(path, kv, status=200, auth=None, verify_ssl=True)        -> json
    assertPostReturnDict(path, data, kv, status=200, auth=None, verify_ssl=True) -> json
    assertGetReturnOk(path, auth=None)                                           200 and {}
    assertPostReturnOk(path, data, auth=None)                                    200 and {}
    assertGetReturnError(path, status, error, auth=None, verify_ssl=True)        -> json
    assertPostReturnError(path, data, status, error, auth=None, verify_ssl=True) -> json
    assertCallReturnJson(method, path, data=None, auth=None, status=200, allow_error=False, verify_ssl=True)
    assertCallReturnDict(method, path, kv, data=None, auth=None, status=200, verify_ssl=True)
    assertCallReturnOk(method, path, data=None, auth=None)
    assertCallReturnError(method, path, status, error, data=None, auth=None)
    assertCallReturnHtml(method, path, data=None, auth=None, status=200, allow_redirects=True,
                         verify_ssl=True, quiet=False)                           -> text
    assertCallReturnText(...same...)                                             -> text
    assertCallReturnRedirect(method, path, data=None, auth=None, status=302, allow_redirects=False,
                             verify_ssl=True, quiet=False)                       -> the redirect's URL
"""

from __future__ import annotations

from typing import Any

import requests

from pymacaron_unit._http import CallFailed, build_url, print_response, send
from pymacaron_unit._messages import failure

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
_MISSING = object()


class ApiAssertions:
    """Mixin: HTTP calls to ``host:port`` and assertions on their answers."""

    host = "127.0.0.1"
    port = 8080
    timeout_connect = 10
    timeout_read = 10
    timeout_factor = 5  # the requests' timeouts are (connect * factor, read * factor): 50 s each by default
    failureException: type[BaseException] = AssertionError

    # ---------------------------------------------------------------------------------------
    # Calls
    # ---------------------------------------------------------------------------------------

    def _fail(self, message):
        __tracebackhide__ = True
        raise self.failureException(message)

    def call(self, method: str, path: str, data: Any = None, auth: str | None = None, verify_ssl: bool = True,
             allow_redirects: bool = True, port: int | None = None, quiet: bool = False) -> requests.Response:
        """Send one request to ``path`` on the target -> the ``requests.Response`` (no assertion)."""
        __tracebackhide__ = True
        url = build_url(self.host, port if port is not None else self.port, path)
        timeout = (self.timeout_connect * self.timeout_factor, self.timeout_read * self.timeout_factor)
        try:
            r = send(method, url, data=data, auth=auth, verify_ssl=verify_ssl, timeout=timeout,
                     allow_redirects=allow_redirects)
        except CallFailed as e:
            self._fail(str(e))
        if not quiet:
            print_response(r)
        return r

    def _check_status(self, r, status):
        __tracebackhide__ = True
        if r.status_code != status:
            self._fail(failure(f"expected status {status}, got {r.status_code}", r))

    def _json(self, r):
        __tracebackhide__ = True
        try:
            return r.json()
        except ValueError:
            self._fail(failure("expected a JSON body, got something that is not JSON", r))

    def _check_dict(self, r, j, kv):
        __tracebackhide__ = True
        if not isinstance(j, dict):
            self._fail(failure(f"expected a JSON object, got a {type(j).__name__}", r))
        wrong = []
        for key, expected in kv.items():
            got = j.get(key, _MISSING)
            if got is _MISSING:
                wrong.append(f"{key!r} is missing (expected {expected!r})")
            elif got != expected:
                wrong.append(f"{key!r} is {got!r}, expected {expected!r}")
        if wrong:
            self._fail(failure("the JSON body does not have the expected values: " + "; ".join(wrong), r))

    def _check_ok(self, r, j):
        __tracebackhide__ = True
        if j != {}:
            self._fail(failure("expected the empty JSON object {} (Ok)", r))

    def _check_error(self, r, j, status, error):
        __tracebackhide__ = True
        if not isinstance(j, dict):
            self._fail(failure(f"expected an Error JSON object, got a {type(j).__name__}", r))
        wrong = []
        if j.get("status", _MISSING) != status:
            wrong.append(f"'status' is {j.get('status', '(missing)')!r}, expected {status!r}")
        if j.get("error", _MISSING) != error:
            wrong.append(f"'error' is {j.get('error', '(missing)')!r}, expected {error!r}")
        if wrong:
            self._fail(failure("the Error JSON is not the expected one: " + "; ".join(wrong), r))

    def _check_content_type(self, r, expected):
        __tracebackhide__ = True
        got = r.headers.get("Content-Type", "")
        if got.lower().replace(" ", "") != expected.lower().replace(" ", ""):
            self._fail(failure(f"expected Content-Type {expected!r}, got {got or '(none)'!r}", r))

    # ---------------------------------------------------------------------------------------
    # GET / POST / DELETE shortcuts
    # ---------------------------------------------------------------------------------------

    def assertGetReturnJson(self, path: str, status: int = 200, auth: str | None = None,
                            verify_ssl: bool = True) -> Any:
        """GET ``path``: ``status`` and a JSON body -> the JSON."""
        __tracebackhide__ = True
        return self.assertCallReturnJson("GET", path, auth=auth, status=status, verify_ssl=verify_ssl)

    def assertDeleteReturnJson(self, path: str, status: int = 200, auth: str | None = None) -> Any:
        """DELETE ``path``: ``status`` and a JSON body -> the JSON."""
        __tracebackhide__ = True
        return self.assertCallReturnJson("DELETE", path, auth=auth, status=status)

    def assertPostReturnJson(self, path: str, data: Any, status: int = 200, auth: str | None = None,
                             verify_ssl: bool = True) -> Any:
        """POST ``data`` to ``path``: ``status`` and a JSON body -> the JSON."""
        __tracebackhide__ = True
        return self.assertCallReturnJson("POST", path, data=data, auth=auth, status=status, verify_ssl=verify_ssl)

    def assertGetReturnDict(self, path: str, kv: dict[str, Any], status: int = 200, auth: str | None = None,
                            verify_ssl: bool = True) -> Any:
        """GET ``path``: ``status`` and a JSON object holding the items of ``kv`` -> the JSON."""
        __tracebackhide__ = True
        return self.assertCallReturnDict("GET", path, kv, auth=auth, status=status, verify_ssl=verify_ssl)

    def assertPostReturnDict(self, path: str, data: Any, kv: dict[str, Any], status: int = 200, auth: str | None = None,
                             verify_ssl: bool = True) -> Any:
        """POST ``data`` to ``path``: ``status`` and a JSON object holding ``kv`` -> the JSON."""
        __tracebackhide__ = True
        return self.assertCallReturnDict("POST", path, kv, data=data, auth=auth, status=status,
                                         verify_ssl=verify_ssl)

    def assertGetReturnOk(self, path: str, auth: str | None = None) -> Any:
        """GET ``path``: 200 and ``{}``."""
        __tracebackhide__ = True
        return self.assertCallReturnOk("GET", path, auth=auth)

    def assertPostReturnOk(self, path: str, data: Any, auth: str | None = None) -> Any:
        """POST ``data`` to ``path``: 200 and ``{}``."""
        __tracebackhide__ = True
        return self.assertCallReturnOk("POST", path, data=data, auth=auth)

    def assertGetReturnError(self, path: str, status: int, error: str, auth: str | None = None,
                             verify_ssl: bool = True) -> Any:
        """GET ``path``: ``status`` and an Error JSON whose error is ``error`` -> the JSON."""
        __tracebackhide__ = True
        return self._call_error("GET", path, status, error, auth=auth, verify_ssl=verify_ssl)

    def assertPostReturnError(self, path: str, data: Any, status: int, error: str, auth: str | None = None,
                              verify_ssl: bool = True) -> Any:
        """POST ``data`` to ``path``: ``status`` and an Error JSON with ``error`` -> the JSON."""
        __tracebackhide__ = True
        return self._call_error("POST", path, status, error, data=data, auth=auth, verify_ssl=verify_ssl)

    # ---------------------------------------------------------------------------------------
    # Any method
    # ---------------------------------------------------------------------------------------

    def assertCallReturnJson(self, method: str, path: str, data: Any = None, auth: str | None = None, status: int = 200,
                             allow_error: bool = False, verify_ssl: bool = True) -> Any:
        """``method`` on ``path``: ``status`` (any, with ``allow_error``) and a JSON body -> the JSON."""
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth, verify_ssl=verify_ssl)
        if not (allow_error and r.status_code != 200):
            self._check_status(r, status)
        return self._json(r)

    def assertCallReturnDict(self, method: str, path: str, kv: dict[str, Any], data: Any = None,
                             auth: str | None = None, status: int = 200, verify_ssl: bool = True) -> Any:
        """``method`` on ``path``: ``status`` and a JSON object holding the items of ``kv`` -> the JSON."""
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth, verify_ssl=verify_ssl)
        self._check_status(r, status)
        j = self._json(r)
        self._check_dict(r, j, kv)
        return j

    def assertCallReturnOk(self, method: str, path: str, data: Any = None, auth: str | None = None) -> Any:
        """``method`` on ``path``: 200 and ``{}`` -> the JSON."""
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth)
        self._check_status(r, 200)
        j = self._json(r)
        self._check_ok(r, j)
        return j

    def assertCallReturnError(self, method: str, path: str, status: int, error: str, data: Any = None,
                              auth: str | None = None) -> Any:
        """``method`` on ``path``: ``status`` and an Error JSON with ``error`` -> the JSON."""
        __tracebackhide__ = True
        return self._call_error(method, path, status, error, data=data, auth=auth)

    def _call_error(self, method, path, status, error, data=None, auth=None, verify_ssl=True):
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth, verify_ssl=verify_ssl)
        self._check_status(r, status)
        j = self._json(r)
        self._check_error(r, j, status, error)
        return j

    def assertCallReturnHtml(self, method: str, path: str, data: Any = None, auth: str | None = None, status: int = 200,
                             allow_redirects: bool = True, verify_ssl: bool = True, quiet: bool = False) -> str:
        """``method`` on ``path``: ``status`` and an HTML body -> the text."""
        __tracebackhide__ = True
        return self._call_typed(HTML, method, path, data, auth, status, allow_redirects, verify_ssl, quiet)

    def assertCallReturnText(self, method: str, path: str, data: Any = None, auth: str | None = None, status: int = 200,
                             allow_redirects: bool = True, verify_ssl: bool = True, quiet: bool = False) -> str:
        """``method`` on ``path``: ``status`` and a text/plain body -> the text."""
        __tracebackhide__ = True
        return self._call_typed(TEXT, method, path, data, auth, status, allow_redirects, verify_ssl, quiet)

    def _call_typed(self, ctype, method, path, data, auth, status, allow_redirects, verify_ssl, quiet):
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth, verify_ssl=verify_ssl, allow_redirects=allow_redirects,
                      quiet=quiet)
        self._check_status(r, status)
        self._check_content_type(r, ctype)
        return r.text

    def assertCallReturnRedirect(self, method: str, path: str, data: Any = None, auth: str | None = None,
                                 status: int = 302, allow_redirects: bool = False, verify_ssl: bool = True,
                                 quiet: bool = False) -> str:
        """``method`` on ``path``: a redirect (``status``) -> the URL it points to."""
        __tracebackhide__ = True
        r = self.call(method, path, data=data, auth=auth, verify_ssl=verify_ssl, allow_redirects=allow_redirects,
                      quiet=quiet)
        self._check_status(r, status)
        if not r.is_redirect or r.next is None:
            self._fail(failure("expected a redirect (a 3xx status with a Location header)", r))
        return r.next.url

"""``ApiClient``: the assertion methods of the TestCase, for plain pytest functions.

The pytest plugin gives one as the ``pym`` fixture (alias ``api_client``), bound to the target::

    def test_hello(pym):
        j = pym.assertGetReturnJson("hello")
        assert j == {"message": "Hello world!"}

    def test_auth(pym):
        pym.assertGetReturnJson("hello/with/auth", auth=pym.auth)   # "Bearer <PYM_JWT_TOKEN>"
        pym.assertHasAuthVersion()
"""

from __future__ import annotations

from collections.abc import Mapping

from pymacaron_unit._http import base_url
from pymacaron_unit.assertions import ApiAssertions
from pymacaron_unit.builtin_endpoints import BuiltinEndpointsAssertions
from pymacaron_unit.target import target_from_env


class ApiClient(BuiltinEndpointsAssertions, ApiAssertions):
    """Calls ``host:port`` and checks the answers; failures raise AssertionError with the request,
    the status and the body."""

    def __init__(self, host: str = "127.0.0.1", port: int | str = 8080, token: str | None = None):
        self.host = host
        self.port = int(port)
        self.token = token

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiClient:
        """Bound to PYM_SERVER_HOST / PYM_SERVER_PORT / PYM_JWT_TOKEN (TargetError if unset)."""
        target = target_from_env(environ)
        return cls(target.host, target.port, target.token)

    @property
    def base_url(self) -> str:
        """``http(s)://host:port`` of the service (https on port 443)."""
        return base_url(self.host, self.port)

    @property
    def auth(self) -> str | None:
        """The Authorization header value for the token (``"Bearer <jwt>"``), or None without a token."""
        return f"Bearer {self.token}" if self.token else None

    def __repr__(self):
        return f"<ApiClient {self.base_url} token={'set' if self.token else 'none'}>"

"""Base class of a service's black-box acceptance tests (``testaccept/``), SPEC P42-P43.

    from pymacaron.test import PyMacaronTestCase

    class Tests(PyMacaronTestCase):
        def test_builtins(self):
            self.assertHasPing()
            self.assertHasVersion()
            self.assertHasAuthVersion()

The target is read in ``setUp`` from ``PYM_SERVER_HOST`` and ``PYM_SERVER_PORT`` (both required;
``pymacaron test`` sets them) and the token from ``PYM_JWT_TOKEN``. The HTTP assertions come from
pymacaron-unit (``pip install 'pymacaron[unit]'``); pymacaron-unit never imports this module.
"""

from __future__ import annotations

try:
    from pymacaron_unit.builtin_endpoints import BuiltinEndpointsAssertions
    from pymacaron_unit.target import TargetError, target_from_env
    from pymacaron_unit.testcase import PyMacaronTestCase as _UnitTestCase
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError(f"pymacaron.test needs pymacaron-unit ({e}): pip install 'pymacaron[unit]'") from e

__all__ = ["PyMacaronTestCase", "TargetError", "load_port_host_token"]


def load_port_host_token() -> tuple[str, str, str | None]:
    """(host, port, token) from PYM_SERVER_HOST, PYM_SERVER_PORT and PYM_JWT_TOKEN, in v1's order and types.

    Despite its name, v1 returned the host first, and the port as text. The host loses any
    ``http://`` / ``https://`` and trailing ``/``. TargetError (an Exception) says what to set
    when the host or the port is missing.
    """
    target = target_from_env()
    return target.host, str(target.port), target.token


class PyMacaronTestCase(BuiltinEndpointsAssertions, _UnitTestCase):
    """pymacaron-unit's TestCase, bound to the service under test, with the built-in endpoints' checks:
    assertHasPing(), assertHasVersion(verify_ssl=True), assertHasAuthVersion(verify_ssl=True),
    assertIsVersion(j)."""

    token: str | None = None
    base_url: str | None = None

    def setUp(self) -> None:
        """Point the test at the service of PYM_SERVER_HOST and PYM_SERVER_PORT, with PYM_JWT_TOKEN's token."""
        super().setUp()
        target = target_from_env()
        self.host, self.port, self.token = target.host, target.port, target.token
        scheme = "https" if self.port == 443 else "http"
        self.base_url = f"{scheme}://{self.host}:{self.port}"

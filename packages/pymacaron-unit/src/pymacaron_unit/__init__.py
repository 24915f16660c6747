"""Black-box acceptance testing of PyMacaron services.

- ``PyMacaronTestCase`` (``pymacaron_unit.testcase``): a unittest TestCase with HTTP assertions.
- ``ApiClient``: the same assertions for plain pytest tests (fixture ``pym`` of the pytest plugin).
- ``target_from_env``: the service under test, from PYM_SERVER_HOST / PYM_SERVER_PORT / PYM_JWT_TOKEN.
- ``LiveServer``: serve a WSGI app on 127.0.0.1 in a thread, for tests.
- The runner: ``pymacaron test`` / ``pymtest`` / ``run_acceptance_tests`` (``pymacaron_unit.cli``).
"""

from pymacaron_unit.__about__ import __version__
from pymacaron_unit.assertions import ApiAssertions
from pymacaron_unit.client import ApiClient
from pymacaron_unit.live import LiveServer
from pymacaron_unit.target import Target, TargetError, target_from_env
from pymacaron_unit.testcase import PyMacaronTestCase

__all__ = [
    "ApiAssertions",
    "ApiClient",
    "LiveServer",
    "PyMacaronTestCase",
    "Target",
    "TargetError",
    "__version__",
    "target_from_env",
]

"""``PyMacaronTestCase``: a ``unittest.TestCase`` that calls a running service over HTTP (SPEC U1-U3).

    from pymacaron_unit.testcase import PyMacaronTestCase

    class Tests(PyMacaronTestCase):
        host, port = "127.0.0.1", 8080          # the class attributes' defaults

        def test_hello(self):
            j = self.assertGetReturnJson("hello")
            self.assertEqual(j, {"message": "Hello world!"})

``pymacaron.test.PyMacaronTestCase`` (in the pymacaron distribution) adds the target from
``PYM_SERVER_HOST`` / ``PYM_SERVER_PORT`` / ``PYM_JWT_TOKEN`` and the built-in endpoints' checks.
"""

from __future__ import annotations

import unittest

from pymacaron_unit.assertions import ApiAssertions


class PyMacaronTestCase(ApiAssertions, unittest.TestCase):
    """Black-box tests of a service at ``host:port`` (see ``pymacaron_unit.assertions`` for the methods)."""

    host = "127.0.0.1"
    port = 8080
    timeout_connect = 10
    timeout_read = 10

    def setUp(self) -> None:
        """Show whole diffs in failures (maxDiff = None)."""
        super().setUp()
        self.maxDiff = None

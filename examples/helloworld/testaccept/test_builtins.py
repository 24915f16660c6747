"""Black-box: the endpoints every PyMacaron service has (/ping, /version, /auth/version)."""

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_ping(self):
        self.assertHasPing()

    def test_version(self):
        self.assertHasVersion()

    def test_auth_version(self):
        self.assertHasAuthVersion()

    def test_unknown_route(self):
        self.assertGetReturnError("no/such/route", 404, "NOT_FOUND")

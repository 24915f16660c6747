"""Black-box: GET /die crashes on purpose: a 500 Error JSON with an error_id."""

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_die(self):
        j = self.assertGetReturnError("die", 500, "UNHANDLED_SERVER_ERROR")
        self.assertTrue(j.get("error_id"))

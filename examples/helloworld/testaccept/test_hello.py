"""Black-box: GET /hello."""

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_hello(self):
        j = self.assertGetReturnJson("hello")
        self.assertEqual(j, {"message": "Hello world!"})

    def test_hello_only_answers_get(self):
        self.assertPostReturnError("hello", {}, 405, "METHOD_NOT_ALLOWED")

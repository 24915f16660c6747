"""Black-box: POST /hello/with/inheritance (authenticated; the body is a Question)."""

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_question(self):
        j = self.assertPostReturnJson("hello/with/inheritance", {"question": "hello?"}, auth="Bearer %s" % self.token)
        self.assertEqual(j, {"message": "You said: hello?"})

    def test_without_token(self):
        self.assertPostReturnError("hello/with/inheritance", {"question": "hello?"}, 401,
                                   "AUTHORIZATION_HEADER_MISSING")

    def test_invalid_question(self):
        self.assertPostReturnError("hello/with/inheritance", {"question": 42}, 400, "INVALID_PARAMETER",
                                   auth="Bearer %s" % self.token)

"""Black-box: GET /hello/with/auth (the token comes from $PYM_JWT_TOKEN, see README.md)."""

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_without_token(self):
        self.assertGetReturnError("hello/with/auth", 401, "AUTHORIZATION_HEADER_MISSING")

    def test_with_invalid_token(self):
        self.assertGetReturnError("hello/with/auth", 401, "TOKEN_INVALID", auth="Bearer this.is.wrong")

    def test_with_token(self):
        j = self.assertGetReturnJson("hello/with/auth", auth="Bearer %s" % self.token)
        self.assertEqual(j, {"message": "Hello world!"})

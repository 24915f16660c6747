"""Black-box: the items of the bookshop, under /v1 (the token comes from $PYM_JWT_TOKEN, see README.md)."""

from pymacaron.test import PyMacaronTestCase

BOOK = {"kind": "book", "title": "Dune", "price_cents": 1000, "pages": 600, "supplier_note": "from the printer"}
EBOOK = {"kind": "ebook", "title": "Neuromancer", "price_cents": 800, "megabytes": 1.5}


class Tests(PyMacaronTestCase):

    def auth(self):
        return "Bearer %s" % self.token

    def test_add_a_book_and_read_it_back(self):
        book = self.assertPostReturnJson("v1/items", BOOK, status=201, auth=self.auth())
        self.assertEqual(book["kind"], "book")
        self.assertEqual(book["currency"], "EUR")
        self.assertNotIn("supplier_note", book)  # writeOnly
        self.assertIsNone(book["subtitle"])
        self.assertGetReturnDict("v1/items/%s" % book["id"], {"kind": "book", "title": "Dune", "pages": 600})

    def test_add_an_ebook(self):
        ebook = self.assertPostReturnJson("v1/items", EBOOK, status=201, auth=self.auth())
        self.assertEqual(ebook["megabytes"], 1.5)
        self.assertNotIn("pages", ebook)

    def test_adding_needs_a_token(self):
        self.assertPostReturnError("v1/items", EBOOK, 401, "AUTHORIZATION_HEADER_MISSING")
        self.assertPostReturnError("v1/items", EBOOK, 401, "TOKEN_INVALID", auth="Bearer this.is.wrong")

    def test_invalid_items(self):
        self.assertPostReturnError("v1/items", {**EBOOK, "id": 3}, 400, "INVALID_PARAMETER", auth=self.auth())
        self.assertPostReturnError("v1/items", {**EBOOK, "kind": "cd"}, 400, "INVALID_PARAMETER", auth=self.auth())

    def test_unknown_item(self):
        self.assertGetReturnError("v1/items/999999", 404, "ITEM_NOT_FOUND")

"""Black-box: the 'currency' cookie prices the catalogue (sent with requests, as a browser would)."""

import requests

from pymacaron.test import PyMacaronTestCase


class Tests(PyMacaronTestCase):

    def test_prices_in_dollars(self):
        book = {"kind": "book", "title": "Cheap", "price_cents": 400}
        added = self.assertPostReturnJson("v1/items", book, status=201, auth="Bearer %s" % self.token)
        scheme = "https" if int(self.port) == 443 else "http"
        url = "%s://%s:%s/v1/items/%s" % (scheme, self.host, self.port, added["id"])
        r = requests.get(url, cookies={"currency": "USD"}, timeout=10)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual((r.json()["price_cents"], r.json()["currency"]), (500, "USD"))
        r = requests.get(url, cookies={"currency": "GBP"}, timeout=10)
        self.assertEqual((r.status_code, r.json()["error"]), (400, "INVALID_PARAMETER"))

    def test_the_catalogue_lists_by_kind(self):
        items = self.assertGetReturnJson("v1/items?kind=ebook")["items"]
        self.assertEqual({item["kind"] for item in items} - {"ebook"}, set())

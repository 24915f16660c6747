"""The endpoints of apis/bookshop.yaml, through the real app (in-process, under /v1)."""

BOOK = {"kind": "book", "title": "Dune", "price_cents": 1000, "pages": 600, "supplier_note": "from the printer"}
EBOOK = {"kind": "ebook", "title": "Neuromancer", "price_cents": 800, "megabytes": 1.5}


def add(client, auth_header, item):
    r = client.post("/v1/items", json=item, headers=auth_header)
    assert r.status_code == 201, r.json
    return r.json


def test_the_discriminator_picks_the_model(client, auth_header):
    book, ebook = add(client, auth_header, BOOK), add(client, auth_header, EBOOK)
    assert book["kind"] == "book" and book["pages"] == 600 and "megabytes" not in book
    assert ebook["kind"] == "ebook" and ebook["megabytes"] == 1.5 and "pages" not in ebook
    assert client.get(f"/v1/items/{ebook['id']}").json == ebook


def test_read_only_and_write_only(client, auth_header):
    book = add(client, auth_header, BOOK)
    assert isinstance(book["id"], int) and book["currency"] == "EUR"
    assert "supplier_note" not in book  # writeOnly: accepted, never sent back
    assert book["subtitle"] is None  # type: [string, 'null']: sent as null when unset
    r = client.post("/v1/items", json={**EBOOK, "id": 7}, headers=auth_header)
    assert r.status_code == 400 and r.json["errors"][0]["rule"] == "readOnly"


def test_the_currency_cookie(client, auth_header):
    book = add(client, auth_header, BOOK)
    client.set_cookie("currency", "USD")
    assert client.get(f"/v1/items/{book['id']}").json["price_cents"] == 1250
    listed = client.get("/v1/items?kind=book").json["items"]
    assert {item["currency"] for item in listed} == {"USD"} and {item["kind"] for item in listed} == {"book"}
    client.set_cookie("currency", "GBP")
    r = client.get(f"/v1/items/{book['id']}")
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "cookie.currency"


def test_adding_needs_a_jwt(client):
    r = client.post("/v1/items", json=EBOOK)
    assert r.status_code == 401 and r.json["error"] == "AUTHORIZATION_HEADER_MISSING"


def test_invalid_items_are_refused(client, auth_header):
    for item in ({**BOOK, "kind": "cd"}, {**BOOK, "megabytes": 2}, {"kind": "book", "title": ""}):
        r = client.post("/v1/items", json=item, headers=auth_header)
        assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER", (item, r.json)


def test_keys_neither_the_item_nor_its_shared_fields_declare_are_refused(client, auth_header):
    """Book = allOf [ItemFields] + its own properties, unevaluatedProperties: false: the shared fields count as
    evaluated, any other key (an ebook's megabytes on a book, a typo) is refused, naming it."""
    for extra in ({"colour": "red"}, {"megabytes": 2}, {"Title": "x"}):
        r = client.post("/v1/items", json={**BOOK, **extra}, headers=auth_header)
        assert r.status_code == 400, r.json
        [error] = r.json["errors"]
        assert error["rule"] == "unevaluatedProperties" and error["location"] == f"body.{next(iter(extra))}", error


def test_an_unknown_item_is_a_404(client):
    r = client.get("/v1/items/999999")
    assert r.status_code == 404 and r.json["error"] == "ITEM_NOT_FOUND"


def test_the_paths_are_served_under_the_server_prefix_only(client):
    assert client.get("/items").status_code == 404
    assert client.get("/v1/items").status_code == 200

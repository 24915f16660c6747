"""bookshop.models: the behaviour mixed into the spec's Book and Ebook models (x-parent)."""

import bookshop.models


def test_the_generated_models_inherit_the_mixin(app):
    from pymacaron.models import Book, Ebook

    book = Book(kind="book", title="Dune", price_cents=1000, supplier_note="secret")
    assert isinstance(book, bookshop.models.Priced) and issubclass(Ebook, bookshop.models.Priced)
    book.id = 3
    usd = book.priced_in("USD")
    assert (usd.id, usd.price_cents, usd.currency) == (3, 1250, "USD")
    assert book.price_cents == 1000  # a copy: the stored item keeps its euro price
    assert "supplier_note" not in usd.to_json()  # writeOnly: never in what is sent back


def test_euro_prices_are_unchanged(app):
    from pymacaron.models import Ebook

    ebook = Ebook(kind="ebook", title="Neuromancer", price_cents=800)
    assert ebook.priced_in("EUR").to_json()["price_cents"] == 800

"""Behaviour for the models of apis/bookshop.yaml.

The spec's ``Book`` and ``Ebook`` schemas say ``x-parent: bookshop.models.Priced``: the model
classes PyMacaron generates from them inherit from the class below.

This module is imported while the spec loads: it must not import ``pymacaron.models``.
"""

# How many US cents one euro cent is worth, in this example's world.
USD_PER_EUR = 1.25
# writeOnly in the spec: received, stored, never sent back (PyMacaron leaves writeOnly properties
# out of every response, at any depth; the copies below leave it out too, so they are plain to read).
WRITE_ONLY = ("supplier_note",)


class Priced:
    """Mixed into the generated ``Book`` and ``Ebook`` models (prices are kept in euro cents)."""

    def priced_in(self, currency):
        """A copy of this item to send back, priced in ``currency`` ("EUR" or "USD")."""
        copy = self.__class__.from_json({k: v for k, v in self.to_json().items() if k not in WRITE_ONLY})
        copy.id = self.id
        copy.currency = currency
        if currency == "USD":
            copy.price_cents = round(self.price_cents * USD_PER_EUR)
        return copy

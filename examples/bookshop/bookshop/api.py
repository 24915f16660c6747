"""The endpoints of apis/bookshop.yaml (bound by their dotted operationId).

The catalogue is kept in memory, per process: an example, not a database.
"""

import itertools
import threading

from pymacaron.exceptions import PyMacaronException

_lock = threading.Lock()
_ids = itertools.count(1)
_items = {}


class ItemNotFound(PyMacaronException):
    code = "ITEM_NOT_FOUND"
    status = 404


def list_items(kind=None, currency="EUR"):
    from pymacaron.models import Catalogue

    with _lock:
        items = list(_items.values())
    return Catalogue(items=[item.priced_in(currency) for item in items if kind in (None, item.kind)])


def add_item(body):
    # 'body' is a Book or an Ebook model, as its 'kind' says; 'id' and 'currency' are read-only
    # (a request may not send them), 'supplier_note' is write-only (never sent back).
    with _lock:
        body.id = next(_ids)
        _items[body.id] = body
    return body.priced_in("EUR"), 201


def get_item(item_id, currency="EUR"):
    with _lock:
        item = _items.get(item_id)
    if item is None:
        raise ItemNotFound(f"there is no item {item_id}")
    return item.priced_in(currency)

"""Handlers of the benchmark API (x-bind-server in apis/bench.yaml)."""

from pymacaron.models import Item, Owner


def get_item(item_id, limit=None, verbose=None):
    return Item(id=item_id, name="Ergonomic chair", price=249.9, quantity=limit,
                tags=["office", "chair"], owner=Owner(name="Ada Lovelace", email="ada@example.com"))


def create_item(new_item):
    return Item(id=7, name=new_item.name, description=new_item.description, price=new_item.price,
                quantity=new_item.quantity, tags=new_item.tags, owner=new_item.owner)

"""pymacaron-core handlers of the benchmark API."""

from pymacaron_core.swagger.apipool import ApiPool


def get_item(item_id, limit=None, verbose=None):
    m = ApiPool.bench.model
    return m.Item(id=item_id, name="Ergonomic chair", price=249.9, quantity=limit,
                  tags=["office", "chair"], owner=m.Owner(name="Ada Lovelace", email="ada@example.com"))


def create_item(new_item):
    m = ApiPool.bench.model
    return m.Item(id=7, name=new_item.name, description=new_item.description, price=new_item.price,
                  quantity=new_item.quantity, tags=new_item.tags, owner=new_item.owner)

"""A small 'shop' service whose Item model persists to DynamoDB through x-persist."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid

SPEC = """\
swagger: '2.0'
info: {title: shop, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /items/{item_id}:
    get:
      x-bind-server: HANDLERS.get_item
      parameters:
        - {in: path, name: item_id, type: string, required: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Item'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Item:
    type: object
    x-persist: PERSISTENCE.PersistentItem
    required: [item_id]
    properties:
      item_id: {type: string}
      name: {type: string}
      price: {type: number}
      count: {type: integer}
      in_stock: {type: boolean}
      tags: {type: array, items: {type: string}}
      sizes: {type: array, items: {type: integer}}
      weights: {type: array, items: {type: number}}
      created: {type: string, format: date-time}
      maker: {$ref: '#/definitions/Maker'}
      variants:
        type: array
        items: {$ref: '#/definitions/Variant'}
      attributes:
        type: object
        additionalProperties: {type: integer}
  Maker:
    type: object
    properties:
      name: {type: string}
      rating: {type: number}
      founded: {type: integer}
      certified: {type: boolean}
  Variant:
    type: object
    required: [sku]
    properties:
      sku: {type: string}
      extra_cost: {type: number}
      stock: {type: integer}
  Order:
    type: object
    x-persist: PERSISTENCE.PersistentOrder
    properties:
      customer: {type: string}
      number: {type: integer}
      total: {type: number}
"""

PERSISTENCE = """\
from pymacaron_aws.dynamodb import PersistentSwaggerObject


class PersistentItem(PersistentSwaggerObject):
    api_name = "shop"
    model_name = "Item"
    table_name = "shop-items"
    primary_key = "item_id"


class PersistentOrder(PersistentSwaggerObject):
    table_name = "shop-orders"
    primary_key = "customer"
    sort_key = "number"


class Misconfigured(PersistentSwaggerObject):
    model_name = "Item"
"""

HANDLERS = """\
from pymacaron.models import Item


def get_item(item_id):
    return Item.load_from_db(item_id)
"""

CONFIG = """\
name: shop
live_host: shop.example.com
"""


def make_shop(tmp_path, monkeypatch, config=CONFIG):
    """Write and start the shop service in-process -> (Flask app, persistence module)."""
    from flask import Flask

    suffix = uuid.uuid4().hex[:8]
    persistence, handlers = f"shop_persistence_{suffix}", f"shop_handlers_{suffix}"
    (tmp_path / "apis").mkdir(exist_ok=True)
    (tmp_path / "apis" / "shop.yaml").write_text(SPEC.replace("PERSISTENCE", persistence)
                                                 .replace("HANDLERS", handlers))
    (tmp_path / f"{persistence}.py").write_text(PERSISTENCE)
    (tmp_path / f"{handlers}.py").write_text(HANDLERS)
    (tmp_path / "pym-config.yaml").write_text(textwrap.dedent(config))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYM_CONFIG", str(tmp_path))
    importlib.invalidate_caches()
    from pymacaron import API

    app = Flask("shop")
    api = API(app)
    api.load_apis(str(tmp_path / "apis"))
    api.start(serve=["shop"])
    return app, sys.modules[persistence]


def create_tables(dynamodb):
    dynamodb.create_table(TableName="shop-items", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "item_id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "item_id", "AttributeType": "S"}])
    dynamodb.create_table(TableName="shop-orders", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                                     {"AttributeName": "number", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                                                {"AttributeName": "number", "AttributeType": "N"}])

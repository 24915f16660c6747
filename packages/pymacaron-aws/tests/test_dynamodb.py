"""x-persist models saved to and loaded from DynamoDB on moto's server (pymacaron_aws.dynamodb)."""

import datetime
import logging
from decimal import Decimal

import pytest
from ddb_testing import create_tables, make_shop

from pymacaron_aws.dynamodb import (
    DynamoDBError,
    DynamoDBItemInvalid,
    DynamoDBItemNotFound,
    PersistentSwaggerObject,
    get_dynamodb,
)


@pytest.fixture
def shop(local_aws, tmp_path, monkeypatch):
    app, persistence = make_shop(tmp_path, monkeypatch)
    create_tables(get_dynamodb())
    return app, persistence


def full_item():
    from pymacaron.models import Item, Maker, Variant

    return Item(item_id="i-1", name="teapot", price=19.99, count=3, in_stock=True, tags=["kitchen", "tea"],
                sizes=[1, 2], weights=[0.5, 1.0], created=datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc),
                maker=Maker(name="Acme", rating=4.5, founded=1901, certified=False),
                variants=[Variant(sku="red", extra_cost=1.5, stock=7), Variant(sku="blue", stock=0)],
                attributes={"height_cm": 12})


def test_x_persist_gives_the_model_its_persistence(shop):
    from pymacaron.models import Item

    assert issubclass(Item, PersistentSwaggerObject)
    assert Item.table_name == "shop-items"


def test_save_then_load_keeps_types_and_nested_models(shop):
    from pymacaron.models import Item, Maker, Variant

    item = full_item()
    assert item.save_to_db() is item
    loaded = Item.load_from_db("i-1")
    assert loaded == item
    assert type(loaded.price) is float and loaded.price == 19.99
    assert type(loaded.count) is int and loaded.count == 3
    assert loaded.in_stock is True and loaded.maker.certified is False
    assert isinstance(loaded.maker, Maker) and type(loaded.maker.founded) is int and loaded.maker.rating == 4.5
    assert all(isinstance(v, Variant) for v in loaded.variants)
    assert [type(v.stock) for v in loaded.variants] == [int, int]
    assert loaded.weights == [0.5, 1.0] and all(type(w) is float for w in loaded.weights)
    assert loaded.sizes == [1, 2] and all(type(s) is int for s in loaded.sizes)
    assert loaded.attributes == {"height_cm": 12} and type(loaded.attributes["height_cm"]) is int
    assert loaded.created == datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)


def test_numbers_are_stored_as_dynamodb_numbers(shop):
    full_item().save_to_db()
    raw = get_dynamodb().Table("shop-items").get_item(Key={"item_id": "i-1"})["Item"]
    assert raw["price"] == Decimal("19.99") and raw["count"] == Decimal(3)
    assert raw["maker"]["rating"] == Decimal("4.5")


def test_number_fields_stored_as_integers_come_back_as_floats(shop):
    from pymacaron.models import Item

    get_dynamodb().Table("shop-items").put_item(Item={"item_id": "i-2", "price": Decimal(20),
                                                      "in_stock": Decimal(1), "tags": {"b", "a"}})
    loaded = Item.load_from_db("i-2")
    assert type(loaded.price) is float and loaded.price == 20.0
    assert loaded.in_stock is True
    assert loaded.tags == ["a", "b"]  # a string set becomes a list


def test_attributes_not_in_the_model_are_skipped(shop, caplog):
    from pymacaron.models import Item

    caplog.set_level(logging.DEBUG, logger="pymacaron_aws.dynamodb")
    get_dynamodb().Table("shop-items").put_item(Item={
        "item_id": "i-3", "name": "mug", "legacy_field": "x", "maker": {"name": "Acme", "old": Decimal(1)}})
    loaded = Item.load_from_db("i-3")
    assert loaded.to_json() == {"item_id": "i-3", "name": "mug", "maker": {"name": "Acme"}}
    assert "legacy_field" in caplog.text


def test_not_found_is_a_404_pymacaron_error(shop):
    from pymacaron.exceptions import PyMacaronException
    from pymacaron.models import Item

    with pytest.raises(DynamoDBItemNotFound) as e:
        Item.load_from_db("nope")
    assert isinstance(e.value, PyMacaronException)
    assert e.value.status == 404 and e.value.code == "DYNAMODB_ITEM_NOT_FOUND"
    assert str(e.value) == "no item with item_id='nope' in DynamoDB table 'shop-items'"


def test_an_endpoint_answers_404_error_json_for_a_missing_item(shop):
    app, _ = shop
    full_item().save_to_db()
    client = app.test_client()
    ok = client.get("/items/i-1")
    assert ok.status_code == 200 and ok.get_json()["price"] == 19.99
    missing = client.get("/items/nope")
    assert missing.status_code == 404
    body = missing.get_json()
    assert body["error"] == "DYNAMODB_ITEM_NOT_FOUND" and body["status"] == 404
    assert "item_id='nope'" in body["error_description"]


def test_loading_through_the_persistence_class_itself(shop):
    _, persistence = shop
    full_item().save_to_db()
    loaded = persistence.PersistentItem.load_from_db("i-1")
    assert loaded == full_item()
    loaded.name = "big teapot"
    loaded.save_to_db()
    assert persistence.PersistentItem.load_from_db("i-1").name == "big teapot"


def test_a_composite_key(shop):
    from pymacaron.models import Order

    Order(customer="ann", number=1, total=10.5).save_to_db()
    Order(customer="ann", number=2, total=3.0).save_to_db()
    assert Order.load_from_db("ann", sort=2).total == 3.0
    with pytest.raises(DynamoDBError, match=r"has the sort key 'number': call load_from_db\(key, sort=...\)"):
        Order.load_from_db("ann")
    with pytest.raises(DynamoDBItemNotFound, match=r"customer='ann', number=3"):
        Order.load_from_db("ann", sort=3)


def test_an_item_that_no_longer_matches_the_model(shop):
    from pymacaron.models import Item

    get_dynamodb().Table("shop-items").put_item(Item={"item_id": "i-4", "count": "three"})
    with pytest.raises(DynamoDBItemInvalid, match=r"item_id='i-4' of DynamoDB table 'shop-items' does not match "
                                                  r"model Item:.*count"):
        Item.load_from_db("i-4")


def test_saving_needs_the_key_and_a_valid_model(shop):
    from pymacaron_core.exceptions import ValidationError

    from pymacaron.models import Order

    with pytest.raises(DynamoDBError, match=r"Order.customer is not set: it is a key of DynamoDB table 'shop-orders'"):
        Order(number=1).save_to_db()
    with pytest.raises(ValidationError):
        Order(customer="bob", number="one").save_to_db()
    with pytest.raises(DynamoDBError, match="NaN or infinity"):
        Order(customer="bob", number=1, total=float("nan")).save_to_db()


def test_a_missing_table_is_named(shop):
    get_dynamodb().Table("shop-items").delete()
    from pymacaron.models import Item

    with pytest.raises(DynamoDBError, match=r"the DynamoDB table 'shop-items' does not exist in this region"):
        Item.load_from_db("i-1")


def test_a_misconfigured_class_says_what_to_set(shop):
    _, persistence = shop
    with pytest.raises(DynamoDBError, match=r"Misconfigured.table_name is not set"):
        persistence.Misconfigured.load_from_db("x")
    assert persistence.PersistentItem.setup().get_model_name() == "Item"


def test_region_defaults_without_aws_region(local_aws, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    make_shop(tmp_path, monkeypatch)
    assert get_dynamodb().meta.client.meta.region_name == "us-east-1"  # no AttributeError (SPEC B2)


def test_region_and_credentials_from_pym_config(local_aws, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SHOP_AWS_SECRET", "shop-secret-" + "x" * 20)
    make_shop(tmp_path, monkeypatch, config="""\
        name: shop
        live_host: shop.example.com
        aws_default_region: eu-west-1
        aws_access_key_id: AKIASHOPEXAMPLE
        aws_secret_access_key: SHOP_AWS_SECRET
        env_secrets: [SHOP_AWS_SECRET]
        """)
    ddb = get_dynamodb()
    assert ddb.meta.client.meta.region_name == "eu-west-1"
    create_tables(ddb)
    from pymacaron.models import Item

    Item(item_id="eu").save_to_db()
    assert Item.load_from_db("eu").item_id == "eu"
    creds = ddb.meta.client._request_signer._credentials
    assert (creds.access_key, creds.secret_key) == ("AKIASHOPEXAMPLE", "shop-secret-" + "x" * 20)
    assert "shop-secret-" not in caplog.text


def test_the_readme_snippets_run(shop):
    import re
    from pathlib import Path

    import yaml

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        assert isinstance(yaml.safe_load(block), dict)
    klass, usage = re.findall(r"```python\n(.*?)```", readme, re.S)
    namespace = {}
    exec(compile(klass, "README.md", "exec"), namespace)
    assert issubclass(namespace["PersistentItem"], PersistentSwaggerObject)
    assert namespace["PersistentItem"].table_name == "shop-items"  # the table the shop service uses
    exec(compile(usage, "README.md", "exec"), {})
    from pymacaron.models import Item

    assert Item.load_from_db("i-1").price == 19.99

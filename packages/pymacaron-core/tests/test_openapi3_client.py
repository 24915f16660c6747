"""Clients generated from OpenAPI 3.0 / 3.1 specs (x-bind-client), against the shop fixture served
in-process (WSGI transport) and over real HTTP."""

import io

import pytest
from flask import Flask
from test_openapi3_server import VERIFIERS, shop_text

import shop_handlers
from core_testing import serve
from pymacaron_core import ApiPool


@pytest.fixture(params=["3.0", "3.1"])
def shop_api(request):
    app = Flask("shop")
    ApiPool.add("shop", yaml_str=shop_text(request.param), local=True)
    ApiPool.shop.spawn_api(app, verifiers=VERIFIERS)
    shop_handlers.CALLS.clear()
    return ApiPool.shop


def test_the_base_url_comes_from_the_first_server():
    ApiPool.add("shop", yaml_str=shop_text("3.1"))
    assert ApiPool.shop.base_url == "http://shop.example.com:8080"
    op = next(o for o in ApiPool.shop.operations if o.client_name == "get_item")
    assert ApiPool.shop.client_path(op) == "/items/{item_id}"  # as for a 2.0 basePath: see client_base_path
    ApiPool.reset()
    ApiPool.add("shop", yaml_str=shop_text("3.1"), client_base_path=True)
    assert ApiPool.shop.client_path(op) == "/api/v2/items/{item_id}"


def test_path_cookie_and_header_parameters_and_a_model_reply(shop_api):
    item = shop_api.client.get_item(item_id=3, session="abcd", **{"X-Rate": 2})
    assert type(item).__name__ == "Item" and item.id == 3 and item.name == "cup"
    assert shop_handlers.CALLS[-1] == ("get_item", 3, "abcd", {"X-Rate": 2})


def test_a_typed_error_model_for_an_error_reply(shop_api):
    error = shop_api.client.get_item(item_id=404)
    assert type(error).__name__ == "Error" and error.status == 404 and error.error == "NOT_FOUND"


def test_the_body_positionally_or_under_its_name(shop_api):
    m = shop_api.model
    created = shop_api.client.create_item(m.Item(name="plate"))
    assert created.id == 1 and shop_handlers.CALLS[-1][0] == "create_item"
    created = shop_api.client.create_item(item=m.Item(name="bowl"))  # x-body-name
    assert created.name == "bowl"
    updated = shop_api.client.put_item(m.Item(name="mug"), item_id=4)
    assert updated.id == 4


def test_styled_query_parameters_are_written_as_the_server_reads_them(shop_api):
    reply = shop_api.client.find_items(filter={"color": "red", "max_price": 9.5}, ids=[1, 2], tag=["a", "b"],
                                       q={"term": "cup"}, page={"offset": 1, "size": 2})
    assert reply == {"filter": {"color": "red", "max_price": 9.5}, "ids": [1, 2], "tag": ["a", "b"],
                     "q": {"term": "cup"}, "page": {"offset": 1, "size": 2}}


def test_styled_path_parameters(shop_api):
    reply = shop_api.client.styled(label=[1, 2], matrix={"a": 3, "b": "x"}, simple={"x": 4})
    assert reply == {"label": [1, 2], "matrix": {"a": 3, "b": "x"}, "simple": {"x": 4}}


def test_a_discriminated_reply_is_built_into_its_model(shop_api):
    dog = shop_api.client.add_pet(shop_api.model.Dog(kind="dog", name="rex"))
    assert type(dog).__name__ == "Dog" and dog.name == "rex"


def test_write_only_properties_are_sent_and_not_received(shop_api):
    account = shop_api.client.create_account(shop_api.model.Account(name="ann", password="pw"))
    assert account.id == 5 and account.password is None


def test_a_multipart_form_with_a_file(shop_api):
    reply = shop_api.client.upload(file=("a.bin", io.BytesIO(b"123")), tags=["x", "y"], count=2)
    assert reply == {"size": 3, "filename": "a.bin", "tags": ["x", "y"], "count": 2}
    reply = shop_api.client.upload(file=("a.bin", b"1"), extra=[("b.bin", b"2"), ("c.bin", b"3")])
    assert reply["extra"] == ["b.bin", "c.bin"]


def test_over_http_the_client_reaches_the_served_prefix():
    app = Flask("shop")
    ApiPool.add("shop", yaml_str=shop_text("3.1"))
    ApiPool.shop.spawn_api(app, verifiers=VERIFIERS)
    with serve(app) as port:
        ApiPool.add("shop_client", yaml_str=shop_text("3.1"), host="127.0.0.1", port=port,
                    client_base_path=True)
        item = ApiPool.shop_client.client.get_item(item_id=3, session="abcd")
        assert item.name == "cup" and item.price is None
        pets = ApiPool.shop_client.client.add_pet(ApiPool.shop_client.model.Cat(kind="cat", name="tom"))
        assert type(pets).__name__ == "Cat"

"""Serving OpenAPI 3.0 and 3.1 specs: what only 3.x can say (the shop fixture, tests/fixtures/oas3/).

Everything Swagger 2.0 also says is covered by test_server.py, test_client.py and test_security.py,
which run the petstore and the secured API as written and converted to 3.0 and 3.1.
"""

import io
import json
import os
import sys

import pytest
import yaml
from flask import Flask

from core_testing import FIXTURES
from pymacaron_core import ApiPool
from pymacaron_core.server.security import Verifiers

sys.path.insert(0, os.path.join(FIXTURES, "oas3"))
import shop_handlers  # noqa: E402

SHOP = os.path.join(FIXTURES, "oas3", "shop.yaml")


def as_oas30(node):
    """The 3.1 shop written in 3.0: type arrays with null -> nullable, const -> a one-value enum."""
    if isinstance(node, dict):
        out = {k: as_oas30(v) for k, v in node.items()}
        kind = out.get("type")
        if isinstance(kind, list) and "null" in kind:
            out["type"] = [k for k in kind if k != "null"][0]
            out["nullable"] = True
        if "const" in out:
            out["enum"] = [out.pop("const")]
        if out.get("openapi") == "3.1.0":
            out["openapi"] = "3.0.3"
        return out
    if isinstance(node, list):
        return [as_oas30(v) for v in node]
    return node


def shop_text(version):
    with open(SHOP, encoding="utf-8") as f:
        text = f.read()
    if version == "3.1":
        return text
    return yaml.safe_dump(as_oas30(yaml.safe_load(text)), sort_keys=False)


def check_bearer(token, scopes, scheme):
    granted = {"t-admin": ["admin"], "t-plain": []}.get(token)
    return granted is not None and all(s in granted for s in scopes)


def check_cookie(key, scopes, scheme):
    return key == "c-ok"


VERIFIERS = Verifiers(kinds={"bearer": check_bearer, "oauth2": check_bearer}, schemes={"cookie_key": check_cookie})


@pytest.fixture(params=["3.0", "3.1"])
def version(request):
    return request.param


@pytest.fixture
def shop(version):
    app = Flask("shop")
    ApiPool.add("shop", yaml_str=shop_text(version), local=True)
    ApiPool.shop.spawn_api(app, verifiers=VERIFIERS)
    shop_handlers.CALLS.clear()
    return app.test_client()


def test_the_served_prefix_is_the_path_of_the_first_server_url_with_variable_defaults(shop):
    assert shop.get("/api/v2/items/3").status_code == 200
    assert shop.get("/items/3").status_code == 404
    spec = ApiPool.shop.api_spec
    assert (spec.proto, spec.host, spec.port) == ("http", "shop.example.com", 8080)


def test_operation_id_with_a_router_controller_binds_and_cookie_and_header_params_arrive(shop):
    shop.set_cookie("session", "abcd")
    r = shop.get("/api/v2/items/3", headers={"X-Rate": "5"})
    assert r.status_code == 200, r.json
    assert r.json == {"id": 3, "name": "cup", "price": None, "color": None}  # nullable: sent as null
    assert shop_handlers.CALLS[-1] == ("get_item", 3, "abcd", {"X-Rate": 5})


def test_a_cookie_parameter_is_validated(shop):
    shop.set_cookie("session", "ab")
    r = shop.get("/api/v2/items/3")
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "cookie.session"


@pytest.mark.parametrize("header", ["session=a b c", "other=1; session=a b"])
def test_a_cookie_parameter_the_cookie_parser_drops_is_a_400_not_its_default(version, header):
    """A value RFC 6265 does not allow unquoted (werkzeug's parser skips it): a 400 naming the cookie,
    not the handler called as if the cookie were not sent."""
    app = Flask("shop")
    ApiPool.add("shop", yaml_str=shop_text(version), local=True)
    ApiPool.shop.spawn_api(app, verifiers=VERIFIERS)
    shop_handlers.CALLS.clear()
    r = app.test_client(use_cookies=False).get("/api/v2/items/3", headers={"Cookie": header})
    assert r.status_code == 400, r.json
    [error] = r.json["errors"]
    assert error["location"] == "cookie.session" and error["rule"] == "format"
    assert "not a valid cookie value" in error["message"] and "quote" in error["message"]
    assert shop_handlers.CALLS == []
    r = app.test_client(use_cookies=False).get("/api/v2/items/3", headers={"Cookie": 'session="a b c"'})
    assert r.status_code == 200 and shop_handlers.CALLS[-1][2] == "a b c"  # quoted, it is one


def test_response_headers_returned_by_the_handler_are_validated_and_sent(shop):
    r = shop.get("/api/v2/items/3")
    assert r.headers["X-Stock"] == "7"
    r = shop.get("/api/v2/items/13")  # the handler sends X-Stock: -1, below the declared minimum
    assert r.status_code == 500 and r.json["error"] == "BAD_RESPONSE"
    assert r.json["errors"] == [{"location": "headers.X-Stock", "rule": "minimum",
                                 "message": "-1 is less than the minimum of 0"}]


def test_a_referenced_response_sends_its_own_media_type(shop):
    r = shop.get("/api/v2/items/404")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.json["error"] == "NOT_FOUND"


def test_dotted_operation_id_binds_and_the_body_reaches_a_handler_taking_body_by_keyword(shop):
    r = shop.put("/api/v2/items/9", json={"name": "mug", "color": None})
    assert r.status_code == 200, r.json
    assert r.json == {"id": 9, "name": "mug", "color": None, "price": None}
    _, item_id, body = shop_handlers.CALLS[-1]
    assert item_id == 9 and type(body).__name__ == "Item"


def test_a_referenced_request_body_accepts_its_form_media_type_too(shop):
    r = shop.put("/api/v2/items/9", data={"name": "mug", "price": "2.5"})
    assert r.status_code == 200, r.json
    assert r.json == {"id": 9, "name": "mug", "price": 2.5, "color": None}


def test_x_body_name_names_the_body_and_a_json_suffix_media_type_is_sent(shop):
    r = shop.post("/api/v2/items", json={"name": "plate"})
    assert r.status_code == 201 and r.mimetype == "application/vnd.shop+json"
    assert r.json == {"id": 1, "name": "plate", "price": None, "color": None}
    assert shop_handlers.CALLS[-1][0] == "create_item"


def test_read_only_properties_are_refused_in_a_request(shop):
    r = shop.post("/api/v2/items", json={"name": "plate", "id": 3})
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "body.id"


def test_write_only_properties_are_accepted_in_a_request_and_never_sent_back(shop):
    r = shop.post("/api/v2/accounts", json={"name": "ann", "password": "s3cret"})
    assert r.status_code == 200, r.json
    assert r.json == {"id": 5, "name": "ann"}


def test_nullable_properties_accept_null_and_others_do_not(shop):
    assert shop.post("/api/v2/items", json={"name": "a", "price": None}).status_code == 201
    r = shop.post("/api/v2/items", json={"name": None})
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "body.name"


def test_required_request_body(shop):
    r = shop.post("/api/v2/items", data="", content_type="application/json")
    assert r.status_code == 400 and r.json["errors"][0]["rule"] == "required"


def test_unsupported_media_type_is_a_415(shop):
    r = shop.post("/api/v2/items", data="name=x", content_type="text/csv")
    assert r.status_code == 415 and "application/json" in r.json["error_description"]


def test_query_styles_deep_object_pipes_form_arrays_content_and_exploded_objects(shop):
    r = shop.get('/api/v2/items?filter[color]=red&filter[max_price]=9.5&ids=1|2|3&tag=a&tag=b'
                 '&q={"term":"cup"}&offset=10&size=5')
    assert r.status_code == 200, r.json
    assert r.json == {"filter": {"color": "red", "max_price": 9.5}, "ids": [1, 2, 3], "tag": ["a", "b"],
                      "q": {"term": "cup"}, "page": {"offset": 10, "size": 5}}
    r = shop.get("/api/v2/items")
    assert r.json == {"filter": None, "ids": None, "tag": None, "q": None, "page": None}


@pytest.mark.parametrize("query, path", [
    ("filter[max_price]=cheap", "query.filter"),
    ("ids=1|x", "query.ids"),
    ("q={nope", "query.q"),
    ('q={"other":1}', "query.q"),
    ("offset=-1", "query.page"),
])
def test_styled_query_problems_are_400s_naming_the_parameter(shop, query, path):
    r = shop.get(f"/api/v2/items?{query}")
    assert r.status_code == 400, r.json
    assert r.json["errors"][0]["location"].startswith(path)


def test_path_styles_label_matrix_and_exploded_simple(shop):
    r = shop.get("/api/v2/styled/.1.2.3/;matrix=a,4,b,x/x=7")
    assert r.status_code == 200, r.json
    assert r.json == {"label": [1, 2, 3], "matrix": {"a": 4, "b": "x"}, "simple": {"x": 7}}
    r = shop.get("/api/v2/styled/1,2/;matrix=a,4,b,x/x=7")
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "path.label"


def test_a_text_plain_body_and_response(shop):
    r = shop.post("/api/v2/notes", data="buy milk", content_type="text/plain")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert r.get_data(as_text=True) == "noted: buy milk"
    r = shop.post("/api/v2/notes", data="x" * 30, content_type="text/plain")
    assert r.status_code == 400


def test_a_form_only_multipart_body_passes_each_field_as_a_keyword(shop):
    data = {"file": (io.BytesIO(b"12345"), "a.bin", "application/octet-stream"), "tags": ["x", "y"], "count": "2"}
    r = shop.post("/api/v2/upload", data=data, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert r.json == {"size": 5, "filename": "a.bin", "tags": ["x", "y"], "count": 2}
    data = {"file": (io.BytesIO(b"1"), "a.bin"), "extra": [(io.BytesIO(b"2"), "b.bin"), (io.BytesIO(b"3"), "c.bin")]}
    r = shop.post("/api/v2/upload", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and r.json["extra"] == ["b.bin", "c.bin"]
    r = shop.post("/api/v2/upload", data={"count": "0"}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert {e["location"] for e in r.json["errors"]} == {"formData.file", "formData.count"}


def test_a_discriminated_one_of_builds_the_model_its_value_names(shop):
    r = shop.post("/api/v2/pets", json={"kind": "dog", "name": "rex", "good": True})
    assert r.status_code == 200, r.json
    assert shop_handlers.CALLS[-1] == ("add_pet", "Dog")
    assert r.json == {"kind": "dog", "name": "rex", "good": True}
    shop.post("/api/v2/pets", json={"kind": "cat", "name": "tom"})
    assert shop_handlers.CALLS[-1] == ("add_pet", "Cat")
    r = shop.post("/api/v2/pets", json={"kind": "cow", "name": "x"})
    assert r.status_code == 400


def test_a_discriminator_on_a_model_others_extend_with_all_of(shop):
    r = shop.post("/api/v2/animals", json={"species": "Bird", "wings": 2, "partner": {"name": "jo"}})
    assert r.status_code == 200, r.json
    assert shop_handlers.CALLS[-1] == ("add_animal", "Bird", "Partner")
    assert r.json == {"species": "Bird", "wings": 2, "partner": {"name": "jo"}}
    r = shop.post("/api/v2/animals", json={"species": "Bird", "wings": -1})
    assert r.status_code == 400 and r.json["errors"][0]["location"] == "body.wings"


def test_a_model_that_may_be_null(shop):
    r = shop.post("/api/v2/animals", json={"species": "Animal", "partner": None})
    assert r.status_code == 200, r.json
    assert shop_handlers.CALLS[-1] == ("add_animal", "Animal", "NoneType")
    assert r.json == {"species": "Animal", "partner": None}
    assert shop.post("/api/v2/animals", json={"species": "Animal", "partner": 3}).status_code == 400


def test_security_alternatives_bearer_or_cookie_api_key(shop):
    assert shop.get("/api/v2/secure").status_code == 401
    assert shop.get("/api/v2/secure", headers={"Authorization": "Bearer t-plain"}).status_code == 200
    shop.set_cookie("shop_key", "c-ok")
    assert shop.get("/api/v2/secure").status_code == 200


def test_oauth2_scopes_are_checked(shop):
    assert shop.delete("/api/v2/secure", headers={"Authorization": "Bearer t-plain"}).status_code == 401
    assert shop.delete("/api/v2/secure", headers={"Authorization": "Bearer t-admin"}).status_code == 200


def test_models_come_from_components_schemas(shop):
    from pymacaron.models import Item  # pymacaron's model registry holds the served 3.x models

    assert Item is ApiPool.shop.model.Item
    item = ApiPool.shop.model.Item(name="x", price=None)
    assert item.to_json() == {"name": "x", "price": None, "color": None}
    assert not hasattr(ApiPool.shop.model, "Pet")  # a oneOf is not a model: Cat or Dog is built
    assert json.loads(json.dumps(ApiPool.shop.model.Cat(kind="cat", name="t").to_json())) == {"kind": "cat",
                                                                                              "name": "t"}


SCALARS_SPEC = """\
openapi: 3.1.0
info: {title: scalars, version: '1'}
paths:
  /marks/{row}:
    parameters:
      - {name: row, in: path, required: true, schema: {type: integer}}
    get:
      operationId: get_mark
      x-openapi-router-controller: scalar_handlers
      responses:
        '200':
          description: a JSON string
          content:
            application/json: {schema: {$ref: '#/components/schemas/mark'}}
        '404':
          description: a text error
          content:
            text/html: {schema: {type: string}}
  /count:
    get:
      operationId: get_count
      x-openapi-router-controller: scalar_handlers
      responses:
        '200':
          description: a JSON number
          content:
            application/json: {schema: {type: integer}}
  /object:
    get:
      operationId: get_object
      x-openapi-router-controller: scalar_handlers
      responses:
        '200':
          description: an object
          content:
            application/json: {schema: {type: object}}
components:
  schemas:
    mark: {type: string, enum: ['.', X, O]}
"""

SCALAR_HANDLERS = """\
def get_mark(row):
    return {1: "X", 2: ("O", 200), 3: "Z"}.get(row) or ("no such row", 404)


def get_count():
    return 0


def get_object():
    return "not an object"
"""


def test_a_response_schema_of_a_string_or_number_is_sent_as_a_json_value(tmp_path, monkeypatch):
    """A handler returning a str, a number (0 included) or a (value, status) pair for a JSON response
    whose schema is a string or number: the JSON value, validated; a text response stays text; a str
    returned for an object response is still the handler's error (500)."""
    (tmp_path / "scalar_handlers.py").write_text(SCALAR_HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Flask("scalars")
    ApiPool.add("scalars", yaml_str=SCALARS_SPEC)
    ApiPool.scalars.spawn_api(app)
    web = app.test_client()
    r = web.get("/marks/1")
    assert (r.status_code, r.mimetype, r.get_data(as_text=True)) == (200, "application/json", '"X"')
    r = web.get("/marks/2")
    assert (r.status_code, r.mimetype, r.json) == (200, "application/json", "O")
    r = web.get("/marks/3")
    assert r.status_code == 500 and r.json["error"] == "UNHANDLED_SERVER_ERROR"
    r = web.get("/marks/4")
    assert (r.status_code, r.mimetype, r.get_data(as_text=True)) == (404, "text/html", "no such row")
    r = web.get("/count")
    assert (r.status_code, r.mimetype, r.json) == (200, "application/json", 0)
    r = web.get("/object")
    assert r.status_code == 500 and "did not return a model, a dict or a list" in r.json["error_description"]


TEAM_31 = """\
openapi: 3.1.0
info: {title: team, version: '1'}
paths:
  /team:
    get:
      operationId: HANDLERS.get_team
      responses:
        '200':
          description: the team
          content: {application/json: {schema: {$ref: '#/components/schemas/Team'}}}
  /members:
    get:
      operationId: HANDLERS.list_members
      responses:
        '200':
          description: the members
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Member'}}}}
  /raw:
    get:
      operationId: HANDLERS.raw_team
      responses:
        '200':
          description: the team as a dict
          content: {application/json: {schema: {$ref: '#/components/schemas/Team'}}}
components:
  schemas:
    Team:
      type: object
      properties:
        name: {type: string}
        lead: {$ref: '#/components/schemas/Member'}
        members: {type: array, items: {$ref: '#/components/schemas/Member'}}
    Member:
      type: object
      properties:
        name: {type: string}
        password: {type: string, writeOnly: true}
"""

TEAM_HANDLERS = """\
from pymacaron_core import ApiPool


def _member(name):
    return ApiPool.team.model.Member(name=name, password="s3cret-" + name)


def get_team():
    return ApiPool.team.model.Team(name="core", lead=_member("ann"), members=[_member("bob"), _member("cy")])


def list_members():
    return [_member("bob")]


def raw_team():
    return {"name": "core", "lead": {"name": "ann", "password": "x"}, "members": [{"name": "bob", "password": "y"}]}
"""


def test_write_only_properties_of_nested_models_are_never_sent(tmp_path, monkeypatch):
    """In a model's sub-models, in an array of models and in a returned dict: gone, at any depth (200, not 500)."""
    module = f"team_handlers_{os.getpid()}"
    (tmp_path / f"{module}.py").write_text(TEAM_HANDLERS)
    (tmp_path / "team.yaml").write_text(TEAM_31.replace("HANDLERS", module))
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Flask("team")
    ApiPool.add("team", yaml_path=str(tmp_path / "team.yaml"))
    ApiPool.team.spawn_api(app)
    c = app.test_client()
    r = c.get("/team")
    assert r.status_code == 200, r.json
    assert r.json == {"name": "core", "lead": {"name": "ann"}, "members": [{"name": "bob"}, {"name": "cy"}]}
    r = c.get("/members")
    assert r.status_code == 200 and r.json == [{"name": "bob"}]
    r = c.get("/raw")
    assert r.status_code == 200 and r.json == {"name": "core", "lead": {"name": "ann"}, "members": [{"name": "bob"}]}
    assert "s3cret" not in c.get("/team").get_data(as_text=True)

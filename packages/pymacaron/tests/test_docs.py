"""pymacaron.docs: the published specs and their Swagger UI page (API.publish_apis)."""

import json
import re

import pytest
import yaml
from docs_testing import run_chromium, serve_http, webdriver
from flask import Flask
from pym_testing import JWT_SECRET

from pymacaron import API
from pymacaron.config import ConfigError
from pymacaron.docs import normalise_path
from pymacaron_core import SpecError

SHOP_SPEC = """\
swagger: '2.0'
info: {title: Shop, version: 2.1.0, description: Items for sale}
host: shop.example.com
schemes: [https]
basePath: /api/v1
produces: [application/json]
consumes: [application/json]
paths:
  /items/{item_id}:
    get:
      summary: Get one item
      x-bind-server: HANDLERS.get_item
      parameters:
        - {in: path, name: item_id, type: string, required: true}
      responses:
        '200': {description: the item, schema: {$ref: '#/definitions/Item'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
    delete:
      x-bind-server: HANDLERS.delete_item
      parameters:
        - {in: path, name: item_id, type: string, required: true}
      responses:
        '200': {description: deleted, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /items:
    post:
      x-bind-server: HANDLERS.add_item
      parameters:
        - {in: body, name: item, required: true, schema: {$ref: '#/definitions/Item'}}
      responses:
        '200': {description: the new item, schema: {$ref: '#/definitions/Item'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Item:
    type: object
    required: [name]
    properties:
      name: {type: string}
      price: {type: number}
"""

SHOP_HANDLERS = """\
from pymacaron.models import Item, Ok

CALLS = []


def get_item(item_id):
    CALLS.append(item_id)
    return Item(name="item-" + item_id, price=9.5)


def delete_item(item_id):
    return Ok()


def add_item(item):
    return item
"""

SHOP_CONFIG = """\
name: shop
live_host: shop.example.com
jwt_secret: PYM_TEST_JWT_SECRET
jwt_issuer: test.pymacaron.com
jwt_audience: testaudience
env_secrets: [PYM_TEST_JWT_SECRET]
base_path_aliases: false
"""

SHOP_OPERATIONS = [("GET", "/items/{item_id}"), ("DELETE", "/items/{item_id}"), ("POST", "/items")]


def shop_spec(version):
    """SHOP_SPEC as written (2.0), or its OpenAPI 3.1 version (servers: https://shop.example.com/api/v1)."""
    if version == "2.0":
        return SHOP_SPEC
    from pymacaron_core.spec.convert import convert, to_yaml

    converted, notes = convert(yaml.safe_load(SHOP_SPEC), to=version)
    # Error and Ok are built in, not in the file: the converter notes their references, nothing else
    assert all("Error" in n.message or "Ok" in n.message for n in notes), notes
    assert converted["servers"] == [{"url": "https://shop.example.com/api/v1"}]
    return to_yaml(converted)


@pytest.fixture(params=["2.0", "3.1"])
def shop(service, request):
    """The shop service (served under /api/v1, no aliases) with its docs under /doc, in Swagger 2.0 and OpenAPI 3.1."""
    app = service(spec=shop_spec(request.param), handlers=SHOP_HANDLERS, config=SHOP_CONFIG, name="shop")
    app.pym_api.publish_apis()
    app.spec_version = request.param
    return app


def test_ui_page_uses_only_local_assets(shop):
    c = shop.test_client()
    r = c.get("/doc/shop")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "<title>Shop 2.1.0</title>" in page
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {u.split("?")[0] for u in urls} == {"_swagger-ui/swagger-ui.css", "_swagger-ui/favicon-32x32.png",
                                               "_swagger-ui/swagger-ui-bundle.js",
                                               "_swagger-ui/swagger-ui-standalone-preset.js"}
    config = json.loads(re.search(r'id="pym-docs-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["urls.primaryName"] == "shop" and config["validatorUrl"] is None
    assert {"url": "shop.json", "name": "shop"} in config["urls"]
    for url in urls:
        asset = c.get("/doc/" + url)
        assert asset.status_code == 200 and len(asset.data) > 100, url
    assert c.get("/doc/_swagger-ui/swagger-ui-bundle.js").mimetype in ("text/javascript", "application/javascript")
    assert c.get("/doc/_swagger-ui/swagger-ui.css").mimetype == "text/css"
    assert c.get("/doc/_swagger-ui/nope.js").status_code == 404
    assert c.get("/doc/_swagger-ui/../docs.py").status_code == 404


def test_yaml_is_the_spec_as_written(shop, tmp_path):
    r = shop.test_client().get("/doc/shop.yaml")
    assert r.status_code == 200 and r.mimetype == "text/plain" and r.mimetype_params["charset"] == "utf-8"
    assert r.get_data(as_text=True) == (tmp_path / "apis" / "shop.yaml").read_text()
    assert r.get_data(as_text=True).startswith("openapi: 3.1" if shop.spec_version == "3.1" else "swagger:")
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_json_points_try_it_out_at_this_server(shop):
    r = shop.test_client().get("/doc/shop.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    spec = r.json
    written = yaml.safe_load(SHOP_SPEC)
    assert "host" not in spec and "schemes" not in spec
    assert spec["paths"].keys() == written["paths"].keys()
    if shop.spec_version == "2.0":
        assert spec["basePath"] == "/api/v1"
        schemas = spec["definitions"]
    else:  # one relative server: the path the operations are served under, on the page's own server
        assert spec["servers"] == [{"url": "/api/v1"}] and "basePath" not in spec
        schemas = spec["components"]["schemas"]
    # the built-in definitions the spec references are included: the page has no dangling $ref
    assert schemas["Error"]["properties"]["error"]["type"] == "string"
    assert "Ok" in schemas and "Item" in schemas


def test_json_of_a_service_mounted_under_a_prefix(shop):
    spec = shop.test_client().get("/doc/shop.json", environ_overrides={"SCRIPT_NAME": "/shop"}).json
    if shop.spec_version == "2.0":
        assert spec["basePath"] == "/shop/api/v1"
    else:
        assert spec["servers"] == [{"url": "/shop/api/v1"}]


def test_remote_api_keeps_its_host(shop, tmp_path, monkeypatch):
    """An API loaded but not served (a client of another service) is called where it lives."""
    (tmp_path / "apis" / "other.yaml").write_text(SHOP_SPEC.replace("HANDLERS", "nowhere").replace("Shop", "Other"))
    app = Flask("with_remote")
    api = API(app)
    api.load_apis(str(tmp_path / "apis"))
    api.publish_apis(path="/api/doc/")
    api.start(serve=["shop"])
    c = app.test_client()
    other = c.get("/api/doc/other.json").json
    assert other["host"] == "shop.example.com" and other["schemes"] == ["https"]
    assert "host" not in c.get("/api/doc/shop.json").json
    assert c.get("/api/v1/items/x").json == {"name": "item-x", "price": 9.5}


def test_index_lists_published_apis(shop):
    c = shop.test_client()
    r = c.get("/doc/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    for link in ('href="shop"', 'href="shop.yaml"', 'href="shop.json"', 'href="ping"'):
        assert link in page
    assert "crash" not in page
    r = c.get("/doc/", headers={"Accept": "application/json"})
    assert r.mimetype == "application/json"
    assert [a["name"] for a in r.json["apis"]] == ["shop", "ping"]
    assert r.json["apis"][0] == {"name": "shop", "title": "Shop", "version": "2.1.0", "docs": "/doc/shop",
                                 "yaml": "/doc/shop.yaml", "json": "/doc/shop.json"}
    assert c.get("/doc").status_code in (301, 308)


@pytest.mark.parametrize("url", ["/doc/nope", "/doc/nope.yaml", "/doc/nope.json", "/doc/shop.txt", "/doc/crash"])
def test_unknown_api_is_error_json_404(shop, url):
    r = shop.test_client().get(url)
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.json["error"] == "NOT_FOUND"
    assert "published: ping, shop" in r.json["error_description"]


def test_docs_only_answer_get(shop):
    r = shop.test_client().post("/doc/shop.json")
    assert r.status_code == 405 and r.json["error"] == "METHOD_NOT_ALLOWED"


def test_no_secret_in_any_docs_response(shop):
    c = shop.test_client()
    for url in ("/doc/", "/doc/shop", "/doc/shop.yaml", "/doc/shop.json", "/doc/ping.json"):
        body = c.get(url).get_data(as_text=True)
        assert JWT_SECRET not in body and "jwt_secret" not in body, url


def test_publish_before_start_as_the_seeds_show(service, tmp_path):
    service()  # writes apis/testsvc.yaml and its handlers
    app = Flask("seed_order")
    api = API(app)
    api.load_apis(str(tmp_path / "apis"))
    api.publish_apis()
    api.start(serve="testsvc")
    c = app.test_client()
    assert c.get("/hello").json == {"message": "hello world"}
    assert set(c.get("/doc/testsvc.json").json["paths"]) == {"/hello", "/hello/auth"}


def test_publish_errors_say_what_to_fix(service, tmp_path):
    app = service()
    with pytest.raises(ConfigError, match=r"must be called after load_apis"):
        API(Flask("empty")).publish_apis()
    with pytest.raises(ConfigError, match=r"publish_apis\(path=''\): give the URL folder of the docs"):
        app.pym_api.publish_apis(path="")
    app.pym_api.publish_apis(path="doc")
    with pytest.raises(ConfigError, match=r"already published under /doc/"):
        app.pym_api.publish_apis(path="/doc")
    with pytest.raises(ConfigError, match=r"use letters, digits"):
        normalise_path("doc/../x")
    (tmp_path / "apis" / "broken.yaml").write_text("swagger: '2.0'\ninfo: {title: b, version: '1'}\npaths:\n"
                                                   "  /x:\n    get:\n      responses:\n"
                                                   "        '200': {schema: {$ref: '#/definitions/Nope'}}\n")
    api = API(Flask("broken"))
    api.load_apis(str(tmp_path / "apis"))
    with pytest.raises(SpecError, match=r"broken.yaml.*line 7"):
        api.publish_apis()


def test_operations_render_in_headless_chromium(shop, tmp_path):
    """Swagger UI, served by the service itself, renders every operation with no internet."""
    png = tmp_path / "docs.png"
    with serve_http(shop) as base:
        dom = run_chromium(f"{base}/doc/shop", tmp_path, "--dump-dom", "--window-size=1280,900",
                           f"--screenshot={png}").stdout
    rendered = set(re.findall(r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom))
    assert rendered == set(SHOP_OPERATIONS), dom[-3000:]
    assert "Shop" in dom and "Item" in dom  # the title and the models section
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000  # a blank page is ~2 KB


def test_try_it_out_calls_the_service_the_page_came_from(shop, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    with serve_http(shop) as base, webdriver(tmp_path) as driver:
        driver.get(f"{base}/doc/shop")
        wait = WebDriverWait(driver, 30)
        block = wait.until(ec.presence_of_element_located(
            (By.XPATH, "//div[contains(@class,'opblock-get')][.//*[@data-path='/items/{item_id}']]")))
        block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        wait.until(lambda d: block.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
        wait.until(lambda d: block.find_element(By.CSS_SELECTOR, "input[placeholder='item_id']")).send_keys("42")
        block.find_element(By.CSS_SELECTOR, "button.execute").click()
        url = wait.until(lambda d: block.find_element(By.CSS_SELECTOR, ".request-url pre")).text
        status = wait.until(lambda d: block.find_element(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status"))
        body = block.find_element(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_description pre").text
        assert url == f"{base}/api/v1/items/42"
        assert status.text.strip() == "200" and json.loads(body) == {"name": "item-42", "price": 9.5}
    assert shop.pym_handlers.CALLS == ["42"]

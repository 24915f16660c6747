"""Routes' URL builders compiled on first use: url_for gives what werkzeug's own rules give."""

import pytest
from flask import Flask, url_for
from werkzeug.routing import BuildError, Rule

from core_testing import PETSTORE
from pymacaron_core import ApiPool
from pymacaron_core.server.rules import LazyBuilderRule, lazy_url_builders

RULES = [
    ("/items", {}),
    ("/items/<item_id>", {}),
    ("/items/<int:item_id>/parts/<string:part>", {}),
    ("/files/<path:name>", {}),
    ("/prices/<float:amount>", {}),
    ("/orders/<uuid:order>", {}),
    ("/lang/<any(en, fr):lang>/page", {}),
    ("/pages/<int:page>", {"defaults": {"page": 1}}),
    ("/odd/<int(signed=True):n>/<string(length=2):code>", {}),
]

CALLS = [
    ({}, {}),
    ({"item_id": "a b/é"}, {}),
    ({"item_id": 7, "part": "x"}, {"q": "1", "tags": ["a", "b"]}),
    ({"name": "dir/sub file.txt"}, {}),
    ({"amount": 2.5}, {}),
    ({"order": "0b1c7b9e-8d6a-4d3e-9d57-3c5f0a0b1c2d"}, {"_anchor": "top"}),
    ({"lang": "fr"}, {"_external": True}),
    ({"page": 1}, {"page_size": 3}),
    ({"n": -3, "code": "ab"}, {}),
]


def _app(lazy):
    app = Flask("lazy" if lazy else "eager")
    with (lazy_url_builders(app) if lazy else _nothing()):
        for i, (rule, options) in enumerate(RULES):
            app.add_url_rule(rule, endpoint=f"e{i}", view_func=lambda **kw: "", **options)
    return app


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _build(app, endpoint, values, extra):
    with app.test_request_context(base_url="http://svc.example.com/"):
        try:
            return url_for(endpoint, **values, **extra)
        except BuildError as e:
            return f"BuildError {e.endpoint} {sorted(e.values)}"


@pytest.mark.parametrize("index", range(len(RULES)))
def test_lazy_rules_build_the_urls_werkzeugs_rules_build(index):
    eager, lazy = _app(False), _app(True)
    assert type(lazy.url_map._rules[-1]) is LazyBuilderRule and type(eager.url_map._rules[-1]) is Rule
    endpoint = f"e{index}"
    values, extra = CALLS[index]
    cases = [(values, extra), (values, {}), ({}, {}), ({**values, "unknown": "x y"}, {})]
    for vals, ext in cases:
        assert _build(lazy, endpoint, vals, ext) == _build(eager, endpoint, vals, ext), (vals, ext)
    assert "BuildError" not in _build(lazy, endpoint, values, extra)


def test_served_operations_get_lazy_rules_and_the_app_keeps_its_rule_class():
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE).spawn_api(app)
    served = [r for r in app.url_map.iter_rules() if r.rule.startswith("/v1/")]
    assert served and all(type(r) is LazyBuilderRule for r in served)
    assert app.url_rule_class is Rule and "url_rule_class" not in vars(app)
    app.add_url_rule("/mine", endpoint="mine", view_func=lambda: "")
    assert type(app.url_map._rules_by_endpoint["mine"][0]) is Rule
    endpoint = next(r.endpoint for r in served if r.rule == "/v1/pets/<pet_id>" and "GET" in r.methods)
    with app.test_request_context():
        assert url_for(endpoint, pet_id=3, verbose="true") == "/v1/pets/3?verbose=true"
    assert app.test_client().get("/v1/pets/3").status_code == 200


def test_an_app_with_its_own_rule_class_keeps_it():
    class Mine(Rule):
        pass

    app = Flask("t")
    app.url_rule_class = Mine
    ApiPool.add("petstore", yaml_path=PETSTORE).spawn_api(app)
    assert {type(r) for r in app.url_map.iter_rules() if r.rule.startswith("/v1/")} == {Mine}
    assert app.url_rule_class is Mine

"""The same API three ways: plain Flask (the floor), Flask + a compiled JSON
schema validator on the body, and pymacaron-core."""

import fastjsonschema
from flask import Flask, abort, jsonify, request

from benchapi import SPEC


def _item(item_id, limit):
    return {"id": item_id, "name": "Ergonomic chair", "price": 249.9, "quantity": limit,
            "tags": ["office", "chair"], "owner": {"name": "Ada Lovelace", "email": "ada@example.com"}}


def _created(body):
    out = {"id": 7}
    for k in ("name", "description", "price", "quantity", "tags", "owner"):
        if k in body:
            out[k] = body[k]
    return out


def flask_floor():
    """Hand-written views, no validation at all."""
    app = Flask("floor")

    @app.get("/items/<int:item_id>")
    def get_item(item_id):
        limit = request.args.get("limit", 10, type=int)
        return jsonify(_item(item_id, limit))

    @app.post("/items")
    def create_item():
        return jsonify(_created(request.get_json())), 201

    return app


NEW_ITEM_SCHEMA = {
    "type": "object",
    "required": ["name", "price", "owner"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "price": {"type": "number", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
        "owner": {
            "type": "object",
            "required": ["name", "email"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "email": {"type": "string", "format": "email"},
                "phone": {"type": "string"},
            },
        },
    },
}


def flask_fastjsonschema():
    """Hand-written views plus fastjsonschema on the POST body."""
    app = Flask("fastjsonschema")
    validate = fastjsonschema.compile(NEW_ITEM_SCHEMA)

    @app.get("/items/<int:item_id>")
    def get_item(item_id):
        limit = request.args.get("limit", 10, type=int)
        return jsonify(_item(item_id, limit))

    @app.post("/items")
    def create_item():
        body = request.get_json()
        try:
            validate(body)
        except fastjsonschema.JsonSchemaException as e:
            abort(400, str(e))
        return jsonify(_created(body)), 201

    return app


def spec_text(version="2.0"):
    """bench.yaml (Swagger 2.0), or its OpenAPI 3.0 / 3.1 version as ``pymacaron convert`` writes it:
    the same endpoints, served by the same handlers."""
    with open(SPEC, encoding="utf-8") as f:
        text = f.read()
    if version == "2.0":
        return text
    from pymacaron_core.spec.convert import convert, to_yaml
    from pymacaron_core.spec.yamlfile import load_yaml

    data, _locs = load_yaml(text, SPEC)
    return to_yaml(convert(data, to=version)[0])


def pymacaron_core_app(version="2.0"):
    """The bench API served by pymacaron-core from its spec in ``version`` (replaces the pool's 'bench')."""
    from pymacaron_core import ApiPool

    app = Flask("pymacaron-core")
    ApiPool.reset()
    if version == "2.0":
        ApiPool.add("bench", yaml_path=SPEC)
    else:
        ApiPool.add("bench", yaml_str=spec_text(version))
    ApiPool.bench.spawn_api(app)
    return app

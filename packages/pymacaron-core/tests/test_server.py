"""Generated routes: parameters in, models out, every failure as Error JSON."""

import io

import petstore_handlers
import pytest
from flask import Flask

from pymacaron_core import ApiPool, SpecError
from core_testing import PETSTORE


def test_base_path_is_honoured(client):
    assert client.get("/v1/pets/3").status_code == 200
    assert client.get("/pets/3").status_code == 404


def test_base_path_can_be_overridden():
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE, base_path="")
    ApiPool.petstore.spawn_api(app)
    assert app.test_client().get("/pets/3").status_code == 200


def test_base_path_aliases_keep_v1_routes():
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app, base_path_aliases=True)
    c = app.test_client()
    assert c.get("/v1/pets/3").json == c.get("/pets/3").json


def test_path_query_header_params_are_cast_and_passed(client):
    petstore_handlers.CALLS.clear()
    r = client.get("/v1/pets/3?verbose=true&fields=name,tags", headers={"X-Trace": "abc"})
    assert r.status_code == 200
    assert r.json == {"id": 3, "name": "rex", "owner": {"email": "a@b.io"}, "tags": ["name", "tags"],
                      "born": "2020-01-02", "weight": None}
    assert petstore_handlers.CALLS[-1] == ("get_pet", 3, True, ["name", "tags"], {"X-Trace": "abc"})


def test_missing_optional_params_arrive_as_none_or_default(client):
    petstore_handlers.CALLS.clear()
    client.get("/v1/pets/3")
    assert petstore_handlers.CALLS[-1] == ("get_pet", 3, False, None, {"X-Trace": None})


def test_every_parameter_problem_in_one_400(client):
    r = client.get("/v1/pets/0?verbose=maybe&fields=name,colour")
    assert r.status_code == 400
    body = r.json
    assert body["error"] == "INVALID_PARAMETER" and body["status"] == 400
    got = {(e["location"], e["rule"]) for e in body["errors"]}
    assert got == {("path.pet_id", "minimum"), ("query.verbose", "type"), ("query.fields[1]", "enum")}
    assert "3 problems" in body["error_description"]


def test_non_integer_path_param(client):
    r = client.get("/v1/pets/abc")
    assert r.status_code == 400
    assert r.json["errors"] == [{"location": "path.pet_id", "rule": "type",
                                 "message": "'abc' is not of type 'integer'"}]


def test_required_query_param_missing(client):
    r = client.get("/v1/pets/search")
    assert r.status_code == 400
    assert r.json["errors"][0]["location"] == "query.q"
    assert r.json["errors"][0]["rule"] == "required"


def test_multi_collection_and_date_query(client):
    r = client.get("/v1/pets?limit=2&tags=a&tags=b&since=2019-05-06")
    assert r.status_code == 200
    assert r.json["count"] == 2019
    assert r.json["pets"][1] == {"id": 1, "name": "pet1", "tags": ["a", "b"], "weight": None}
    assert client.get("/v1/pets").json["count"] == 10  # default applied
    r = client.get("/v1/pets?since=2019-13-45")
    assert r.status_code == 400 and r.json["errors"][0]["rule"] == "format"


def test_body_arrives_as_model_and_201_is_used(client):
    petstore_handlers.CALLS.clear()
    pet = {"name": "tom", "kind": "cat", "owner": {"email": "o@x.io"}, "tags": ["a"],
           "born": "2019-02-03", "seen": "2020-01-01T10:00:00Z", "weight": None}
    r = client.post("/v1/pets", json=pet)
    assert r.status_code == 201
    assert r.json == {"id": 42, "name": "tom", "kind": "cat", "owner": {"email": "o@x.io"}, "tags": ["a"],
                      "born": "2019-02-03", "seen": "2020-01-01T10:00:00+00:00", "weight": None}
    model = petstore_handlers.CALLS[-1][1]
    assert model.owner.email == "o@x.io"
    assert model.born.year == 2019 and model.seen.tzinfo is not None
    assert model.shout() == "TOM"  # x-parent


def test_body_problems_are_all_listed_with_json_paths(client):
    r = client.post("/v1/pets", json={"name": "", "kind": "bird", "owner": {"email": "nope"}, "tags": [1, "b"]})
    assert r.status_code == 400
    got = {(e["location"], e["rule"]) for e in r.json["errors"]}
    assert got == {("body.name", "minLength"), ("body.kind", "enum"), ("body.owner.email", "format"),
                   ("body.tags[0]", "type")}


def test_missing_required_property(client):
    r = client.post("/v1/pets", json={"kind": "cat"})
    assert r.status_code == 400
    assert r.json["errors"] == [{"location": "body.name", "rule": "required",
                                 "message": "'name' is a required property"}]


def test_unknown_properties_are_accepted_and_kept(client):
    r = client.post("/v1/pets", json={"name": "x", "colour": "red"})
    assert r.status_code == 201 and r.json["colour"] == "red"


def test_malformed_json(client):
    r = client.post("/v1/pets", data='{"name": ', content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"] == "INVALID_PARAMETER"
    assert "Cannot parse json data" in r.json["error_description"]
    assert "line 1 column 10" in r.json["error_description"]


def test_missing_content_type_means_json(client):
    r = client.post("/v1/pets", data='{"name": "a"}')
    assert r.status_code == 201


def test_wrong_json_type_for_body(client):
    r = client.post("/v1/pets", json=[1, 2])
    assert r.status_code == 400
    assert r.json["errors"][0] == {"location": "body", "rule": "type", "message": "[1, 2] is not of type 'object'"}


def test_empty_required_body(client):
    r = client.post("/v1/pets", data="", content_type="application/json")
    assert r.status_code == 400
    assert r.json["errors"][0]["rule"] == "required"


def test_optional_body_may_be_absent(client):
    r = client.post("/v1/echo")
    assert r.status_code == 200 and r.json == {"name": "nobody", "weight": None}


def test_not_utf8_body(client):
    r = client.post("/v1/pets", data=b"\xff\xfe{", content_type="application/json")
    assert r.status_code == 400 and "UTF-8" in r.json["error_description"]


def test_deeply_nested_json_is_a_400_not_a_crash(client):
    r = client.post("/v1/echo", data="[" * 100000 + "]" * 100000, content_type="application/json")
    assert r.status_code == 400


def test_form_encoded_body_bound_to_formdata_params(client):
    r = client.post("/v1/login", data={"user": "bob", "remember": "true"})
    assert r.status_code == 200 and r.json == {"ok": "bob:True"}
    r = client.post("/v1/login", data={"remember": "perhaps"})
    assert r.status_code == 400
    assert {e["location"] for e in r.json["errors"]} == {"formData.user", "formData.remember"}


def test_form_encoded_body_to_body_schema_is_cast(client):
    r = client.post("/v1/echo", data={"name": "rex", "weight": "3.5"})
    assert r.status_code == 200 and r.json == {"name": "rex", "weight": 3.5}


def test_multipart_with_file(client):
    data = {"caption": "me", "rating": "4", "photo": (io.BytesIO(b"12345"), "me.png", "image/png")}
    r = client.post("/v1/pets/7/photo", data=data, content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert r.json == {"pet_id": 7, "caption": "me", "rating": 4, "size": 5, "filename": "me.png"}
    r = client.post("/v1/pets/7/photo", data={"rating": "9"}, content_type="multipart/form-data")
    assert {(e["location"], e["rule"]) for e in r.json["errors"]} == {
        ("formData.caption", "required"), ("formData.rating", "maximum"), ("formData.photo", "required")}


def test_list_response_for_array_schema(client):
    r = client.get("/v1/pets/search?q=fido")
    assert r.status_code == 200 and r.json == [{"id": 1, "name": "fido", "weight": None}]


def test_text_html_operation(client):
    r = client.get("/v1/html")
    assert r.status_code == 200 and b"<body>hi" in r.data


@pytest.mark.parametrize("how,status,needle", [
    ("none", 500, "Have nothing to send in response"),
    ("dict", 500, "did not return a class instance but a dict"),
    ("wrongmodel", 500, "returned a Ok, but the spec declares: 200 -> Pet"),
    ("invalid", 500, "response.name"),
    ("raise", 500, "boom"),
])
def test_handler_returning_the_wrong_thing(client, how, status, needle):
    r = client.get(f"/v1/misbehave/{how}")
    assert r.status_code == status
    assert r.is_json
    assert needle in r.json["error_description"]


def test_invalid_response_lists_problems(client):
    r = client.get("/v1/misbehave/invalid")
    assert r.json["error"] == "BAD_RESPONSE"
    assert {(e["location"], e["rule"]) for e in r.json["errors"]} == {("response.name", "minLength"),
                                                                      ("response.kind", "enum")}


def test_flask_responses_pass_through(client):
    r = client.get("/v1/misbehave/response")
    assert r.status_code == 418 and r.data == b"teapot"
    r = client.get("/v1/misbehave/jsonify")
    assert r.status_code == 534 and r.json == {"a": 1}


def test_model_with_status_tuple(client):
    r = client.get("/v1/misbehave/tuple")
    assert r.status_code == 202 and r.json == {"name": "x", "weight": None}


def test_error_model_sets_the_status(client):
    r = client.get("/v1/pets/404")
    assert r.status_code == 404
    assert r.json == {"status": 404, "error": "NOT_FOUND", "error_description": "no such pet"}


def test_x_decorate_server_runs_after_validation(client):
    assert client.get("/v1/decorated").status_code == 401
    r = client.get("/v1/decorated", headers={"X-Let-Me-In": "yes"})
    assert r.status_code == 200 and r.json == {"ok": "in"}


def test_call_id_and_path_are_read_or_generated(client):
    r = client.get("/v1/context", headers={"PymCallID": "abc", "PymCallPath": "front.mid"})
    assert r.json["ok"] == "abc|front.mid.petstore"
    r = client.get("/v1/context", headers={"PymCallerID": "xyz", "PymCallerPath": "front"})
    assert r.json["ok"] == "xyz|front.petstore"
    call_id, path = client.get("/v1/context").json["ok"].split("|")
    assert len(call_id) == 36 and path == "petstore"


def test_error_callback_receives_every_failure():
    seen = []

    def callback(e):
        seen.append(e)
        return ApiPool.petstore.model.Error(status=getattr(e, "status_code", 500), error="CUSTOM",
                                            error_description=str(e))

    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE, error_callback=callback)
    ApiPool.petstore.spawn_api(app)
    c = app.test_client()
    r = c.get("/v1/pets/abc")
    assert r.status_code == 400 and r.json["error"] == "CUSTOM"
    r = c.get("/v1/misbehave/raise")
    assert r.status_code == 500 and r.json["error"] == "CUSTOM"
    assert [type(e).__name__ for e in seen] == ["ValidationError", "KeyError"]


def test_a_crashing_error_callback_still_gives_error_json():
    def callback(e):
        raise RuntimeError("callback bug")

    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE, error_callback=callback)
    ApiPool.petstore.spawn_api(app)
    r = app.test_client().get("/v1/pets/abc")
    assert r.status_code == 400 and r.json["error"] == "INVALID_PARAMETER"


def test_global_decorator_wraps_every_view():
    calls = []

    def deco(f):
        def wrapper(*a, **k):
            calls.append(f.__name__)
            return f(*a, **k)
        return wrapper

    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app, decorator=deco)
    app.test_client().get("/v1/pets/1")
    assert calls == ["petstore:GET:/v1/pets/{pet_id}"]


def test_oversized_body_is_413_json():
    app = Flask("t")
    app.config["MAX_CONTENT_LENGTH"] = 100
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app)
    r = app.test_client().post("/v1/pets", json={"name": "x" * 500})
    assert r.status_code == 413
    assert r.json["error"] == "REQUEST_TOO_LARGE"


def test_same_route_in_two_apis_is_refused(tmp_path):
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app)
    other = tmp_path / "other.yaml"
    other.write_text(open(PETSTORE).read().replace("title: petstore", "title: other"))
    ApiPool.add("other", yaml_path=str(other))
    with pytest.raises(SpecError, match="is already served by API 'petstore'"):
        ApiPool.other.spawn_api(app)

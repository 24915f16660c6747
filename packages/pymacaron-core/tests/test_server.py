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
    ("baddict", 500, "response.name: 3 is not of type 'string'"),
    ("list", 500, "response: [{'name': 'x'}] is not of type 'object'"),
    ("wrongmodel", 500, "returned a Ok, but the spec declares: 200 -> Pet"),
    ("invalid", 500, "response.name"),
    ("raise", 500, "boom"),
])
def test_handler_returning_the_wrong_thing(client, spec_version, how, status, needle):
    if how == "none" and spec_version != "2.0":  # OpenAPI 3: None is an empty body where no content is declared
        needle = "returned None, but the spec declares application/json for status 200"
    r = client.get(f"/v1/misbehave/{how}")
    assert r.status_code == status
    assert r.is_json
    assert needle in r.json["error_description"]


def test_a_plain_dict_is_validated_and_sent_like_a_model(client):
    r = client.get("/v1/misbehave/dict")
    assert r.status_code == 200 and r.json == {"name": "x", "born": "2020-01-02"}
    r = client.get("/v1/misbehave/errordict")
    assert r.status_code == 409 and r.json["error"] == "CONFLICT"


def test_validate_responses_off_sends_what_the_handler_returned():
    """pymacaron v1 never checked responses: validate_responses=False, for services migrating from it."""
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app, validate_responses=False)
    c = app.test_client()
    r = c.get("/v1/misbehave/invalid")
    assert r.status_code == 200 and r.json == {"name": "", "kind": "bird", "weight": None}
    assert c.get("/v1/misbehave/baddict").json == {"name": 3}
    r = c.get("/v1/misbehave/wrongmodel")
    assert r.status_code == 200 and r.json == {"ok": "x"}


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


def test_a_body_in_a_type_the_operation_does_not_consume_is_a_415(client):
    r = client.post("/v1/pets", data='{"name": "rex"}', content_type="text/plain")
    assert r.status_code == 415 and r.json["error"] == "UNSUPPORTED_MEDIA_TYPE"
    assert r.json["error_description"] == ("POST /pets does not accept a body of type 'text/plain': send one of "
                                           "application/json (the Content-Type header)")
    r = client.post("/v1/pets", data={"name": "rex"})  # a form, not a misleading "name is required"
    assert r.status_code == 415 and "'application/x-www-form-urlencoded'" in r.json["error_description"]
    r = client.post("/v1/login", json={"user": "x"})
    assert r.status_code == 415 and r.json["error_description"].endswith(
        "send one of application/x-www-form-urlencoded (the Content-Type header)")
    r = client.post("/v1/pets/7/photo", data={"caption": "x"}, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_accepted_bodies_pass_the_media_type_check(client):
    assert client.post("/v1/pets", data='{"name": "rex"}').status_code == 201  # no Content-Type: JSON, as in v1
    assert client.post("/v1/pets", data='{"name": "rex"}',
                       content_type="Application/JSON; charset=utf-8").status_code == 201
    r = client.post("/v1/pets", content_type="text/plain")  # no body at all: the body check answers
    assert r.status_code == 400 and r.json["errors"][0]["message"] == "a request body is required"
    assert client.get("/v1/pets/3", content_type="text/plain").status_code == 200  # no body expected
    r = client.post("/v1/pets", data='{"name": "rex"}', content_type="application/vnd.api+json")
    assert r.status_code == 201 and r.json["name"] == "rex"  # a +json type is JSON (RFC 6839)
    assert client.post("/v1/pets", data='{"name": "rex"}', content_type="application/json-seq").status_code == 415


def test_wildcards_and_undeclared_consumes(tmp_path):
    spec = tmp_path / "c.yaml"
    spec.write_text("""\
swagger: '2.0'
info: {title: c, version: '1'}
paths:
  /text:
    post:
      x-bind-server: petstore_handlers.echo
      consumes: ['text/*', application/json]
      parameters: [{in: body, name: body, schema: {$ref: '#/definitions/Pet'}}]
      responses: {200: {description: ok, schema: {$ref: '#/definitions/Pet'}}}
  /form:
    post:
      x-bind-server: petstore_handlers.login
      parameters: [{in: formData, name: user, type: string, required: true}]
      responses: {200: {description: ok, schema: {$ref: '#/definitions/Ok'}}}
definitions:
  Pet: {type: object, properties: {name: {type: string}}}
  Ok: {type: object, properties: {ok: {type: string}}}
""")
    app = Flask("t")
    ApiPool.add("petstore", yaml_path=str(spec)).spawn_api(app)  # the handlers use ApiPool.petstore
    c = app.test_client()
    assert c.post("/text", data='{"name": "a"}', content_type="text/x-anything").status_code == 200
    assert c.post("/text", data="x", content_type="image/png").status_code == 415
    assert c.post("/form", data={"user": "u"}).json == {"ok": "u:None"}
    assert c.post("/form", data={"user": "u"}, content_type="multipart/form-data").status_code == 200
    assert c.post("/form", json={"user": "u"}).status_code == 415


def test_call_id_and_path_are_also_attributes_of_the_app_context(client):
    """v1 code read stack.top.call_id: flask.g and the app-context object answer, for both header spellings."""
    for headers, expected in (({"PymCallID": "abc", "PymCallPath": "front"}, "abc|front.petstore|" * 2),
                              ({"PymCallerID": "xyz", "PymCallerPath": "f"}, "xyz|f.petstore|" * 2)):
        r = client.get("/v1/context-of-app", headers=headers)
        assert r.json["ok"] == expected[:-1]
    call_id, path, same_id, same_path = client.get("/v1/context-of-app").json["ok"].split("|")
    assert len(call_id) == 36 and call_id == same_id and path == same_path == "petstore"


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

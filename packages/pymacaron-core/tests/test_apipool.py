"""ApiPool: global for compatibility, resettable, models shared across APIs."""

import importlib.metadata

import pytest
from flask import Flask

from core_testing import PETSTORE
from pymacaron_core import ApiPool, MergeApisException, get_model

OTHER = """\
swagger: '2.0'
info: {title: other, version: 9.9}
host: other.example.com
schemes: [http, https]
paths: {}
definitions:
  Owner:
    type: object
    description: documentation differs, structure does not
    required: [email]
    properties:
      email: {type: string, format: email, description: an e-mail}
      name: {type: string}
"""


def test_compat_import_paths():
    from pymacaron_core.exceptions import PyMacaronCoreException, ValidationError  # noqa: F401
    from pymacaron_core.models import PyMacaronModel, get_model  # noqa: F401
    from pymacaron_core.swagger import ApiPool as A1
    from pymacaron_core.swagger.apipool import ApiPool as A2

    assert A1 is A2 is ApiPool


def test_public_api_is_explicit_and_sorted():
    import pymacaron_core

    assert pymacaron_core.__all__ == sorted(pymacaron_core.__all__)
    for name in pymacaron_core.__all__:
        assert hasattr(pymacaron_core, name)
    assert pymacaron_core.__version__ == importlib.metadata.version("pymacaron-core")  # __about__.py, as installed


def test_add_sets_attribute_and_reset_forgets():
    api = ApiPool.add("petstore", yaml_path=PETSTORE)
    assert ApiPool.petstore is api and ApiPool.has("petstore")
    assert api.get_version() == "1.2.3"
    assert get_model("Pet") is api.model.Pet
    ApiPool.reset()
    assert not ApiPool.has("petstore")
    with pytest.raises(AttributeError, match=r"ApiPool has no API 'petstore' \(loaded: none\)"):
        _ = ApiPool.petstore
    with pytest.raises(Exception, match="no definition for model Pet"):
        get_model("Pet")


def test_same_models_are_shared_between_apis():
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.add("other", yaml_str=OTHER)
    assert ApiPool.other.model.Owner is ApiPool.petstore.model.Owner


DIFFERENT = OTHER.replace("name: {type: string}", "name: {type: integer}")


def test_a_client_copy_may_define_a_model_differently():
    """A client's spec whose Owner differs loads: it keeps its own Owner, and the served API keeps the name."""
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(Flask("t"))
    client = ApiPool.add("other", yaml_str=DIFFERENT)
    assert client.model.Owner is not ApiPool.petstore.model.Owner
    assert client.model.Owner.from_json({"email": "a@b.c", "name": 3}).name == 3
    assert get_model("Owner") is ApiPool.petstore.model.Owner


def test_the_served_api_takes_the_name_from_a_client_loaded_before_it():
    ApiPool.add("other", yaml_str=DIFFERENT)
    assert get_model("Owner") is ApiPool.other.model.Owner
    ApiPool.add("petstore", yaml_path=PETSTORE).spawn_api(Flask("t"))
    assert get_model("Owner") is ApiPool.petstore.model.Owner is not ApiPool.other.model.Owner


SERVED_OWNER = """\
swagger: '2.0'
info: {title: other, version: 9.9}
paths:
  /owners:
    post:
      x-bind-server: petstore_handlers.echo
      parameters:
        - {in: body, name: body, required: true, schema: {$ref: '#/definitions/Owner'}}
      responses:
        200: {description: the owner, schema: {$ref: '#/definitions/Owner'}}
definitions:
  Owner:
    type: object
    required: [email]
    properties:
      email: {type: string}
      name: {type: integer}
"""


def test_two_served_apis_defining_a_model_differently_each_use_their_own():
    """Per-API model scope: two served specs defining Owner differently both serve, each validating
    and building with its own class; the global name is ambiguous and says how to pick one; pickles
    come back as the class of their API."""
    import pickle

    app = Flask("t")
    petstore = ApiPool.add("petstore", yaml_path=PETSTORE).spawn_api(app)
    other = ApiPool.add("other", yaml_str=SERVED_OWNER).spawn_api(app)
    assert other.model.Owner is not petstore.model.Owner
    assert get_model("Owner", api="other") is other.model.Owner
    assert get_model("Owner", api="petstore") is petstore.model.Owner
    with pytest.raises(MergeApisException, match="model 'Owner' is defined differently by the served APIs "
                                                 r"'petstore' and 'other': name the API, e.g. "
                                                 r"get_model\('Owner', api='other'\) or ApiPool.other.model.Owner"):
        get_model("Owner")
    client = app.test_client()
    r = client.post("/owners", json={"email": "a@b.c", "name": 7})
    assert r.status_code == 200 and r.get_json() == {"email": "a@b.c", "name": 7}
    r = client.post("/owners", json={"email": "a@b.c", "name": "Ann"})
    assert r.status_code == 400 and "name" in r.get_data(as_text=True)
    theirs = pickle.loads(pickle.dumps(other.model.Owner(email="a@b.c", name=7)))
    assert type(theirs) is other.model.Owner and theirs.name == 7
    ours = pickle.loads(pickle.dumps(petstore.model.Owner(email="a@b.c", name="Ann")))
    assert type(ours) is petstore.model.Owner
    assert get_model("Pet") is petstore.model.Pet  # names defined once stay global


def test_a_yielding_api_gives_its_model_names_up_to_another_served_api():
    """``yield_model_names`` (pymacaron's built-in APIs): a served spec's own Owner takes the global name
    whichever is served first; the yielding API keeps using its own class, and its Error is the one
    error replies of an API without an Error of its own are built into."""
    for order in ((True, False), (False, True)):
        ApiPool.reset()
        app = Flask("t")
        apis = {}
        for yielding in order:
            if yielding:
                apis[True] = ApiPool.add("petstore", yaml_path=PETSTORE).spawn_api(app, yield_model_names=True)
            else:
                apis[False] = ApiPool.add("other", yaml_str=SERVED_OWNER).spawn_api(app)
        assert get_model("Owner") is apis[False].model.Owner is not apis[True].model.Owner
        assert get_model("Owner", api="petstore") is apis[True].model.Owner
        # an API without an Error of its own builds error replies into the yielding API's Error
        assert apis[False].error_model_class() is apis[True].model.Error


def test_host_port_proto_from_spec():
    api = ApiPool.add("other", yaml_str=OTHER)
    assert (api.api_spec.host, api.api_spec.port, api.api_spec.proto) == ("other.example.com", 443, "https")
    assert api.base_url == "https://other.example.com"
    api = ApiPool.add("other", yaml_str=OTHER, host="h", port=8443, proto="https")
    assert api.base_url == "https://h:8443"
    api = ApiPool.add("other", yaml_str=OTHER.replace("[http, https]", "[http]").replace(
        "other.example.com", "x.org:8080"))
    assert api.base_url == "http://x.org:8080"


def test_current_server_name_and_api():
    app = Flask("t")
    ApiPool.add("other", yaml_str=OTHER)
    assert ApiPool.current_server_name == "" and ApiPool().current_server_api is None
    ApiPool.add("petstore", yaml_path=PETSTORE)
    ApiPool.petstore.spawn_api(app)
    assert ApiPool().current_server_name == "petstore"
    assert ApiPool.current_server_api is ApiPool.petstore


def test_json_to_model_and_validate():
    api = ApiPool.add("petstore", yaml_path=PETSTORE)
    pet = api.json_to_model("Pet", {"name": "x"})
    assert pet.name == "x"
    with pytest.raises(Exception, match="'name' is a required property"):
        api.api_spec.validate("Pet", {})
    assert api.model_to_json(pet) == {"name": "x", "weight": None}


def test_unknown_model_on_api_namespace():
    ApiPool.add("petstore", yaml_path=PETSTORE)
    with pytest.raises(AttributeError, match="API 'petstore' has no model 'Nope'"):
        _ = ApiPool.petstore.model.Nope
    with pytest.raises(AttributeError, match="x-bind-client: nope"):
        _ = ApiPool.petstore.client.nope

"""pymacaron.exceptions: the exception classes, add_error, and the Error JSON they become."""

import json
import uuid

import pytest
from crash_testing import ERRORS_HANDLERS, ERRORS_SPEC, http_service, reports  # noqa: F401
from flask import Flask

from pymacaron_core.exceptions import Problem
from pymacaron_core.exceptions import RequestTooLargeError as CoreRequestTooLarge
from pymacaron_core.exceptions import ResponseValidationError
from pymacaron_core.exceptions import ValidationError as CoreValidationError

from pymacaron import exceptions
from pymacaron.exceptions import (
    PyMacaronException,
    add_error,
    code_to_class,
    format_error,
    is_error,
    raise_error,
    responsify,
)


@pytest.fixture
def added():
    """Codes registered by the test, removed afterwards (code_to_class is process-wide)."""
    codes = []

    def unique(prefix="TEST_ERROR"):
        code = f"{prefix}_{uuid.uuid4().hex[:8].upper()}"
        codes.append(code)
        return code

    yield unique
    for code in codes:
        cls = code_to_class.pop(code, None)
        if cls is not None and getattr(exceptions, cls.__name__, None) is cls:
            delattr(exceptions, cls.__name__)


@pytest.fixture
def loaded(service):
    """A started service: the Error model exists."""
    return service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)


def test_pymacaron_exception_defaults_and_chaining():
    e = PyMacaronException("it failed")
    assert (e.code, e.status, e.error_id, e.user_message, e.error_caught) == ("UNKNOWN_EXCEPTION", 500, None, None, None)
    assert e.tell_user("Try again later") is e and e.user_message == "Try again later"
    assert e.caught({"db": "down"}) is e
    assert e.to_dict() == {"status": 500, "error": "UNKNOWN_EXCEPTION", "error_description": "it failed",
                           "user_message": "Try again later", "error_caught": "{'db': 'down'}"}


def test_status_code_is_settable_as_on_core_exceptions():
    """Code written for core exceptions sets ``status_code`` (core's client does): on a PyMacaronException
    it sets ``status``, so the Error JSON and the HTTP status follow (it used to raise AttributeError)."""
    e = PyMacaronException("gone")
    e.status_code = 410
    assert e.status == e.status_code == 410 and PyMacaronException.status == 500
    with Flask(__name__).app_context():
        r = e.http_reply()
    assert r.status_code == 410 and json.loads(r.get_data())["status"] == 410


def test_http_reply_is_a_json_response_with_the_status():
    class Teapot(PyMacaronException):
        code = "i_am_a_teapot"
        status = 418

    with Flask(__name__).app_context():
        r = Teapot("short and stout").http_reply()
    assert r.status_code == 418 and r.mimetype == "application/json"
    assert json.loads(r.get_data()) == {"status": 418, "error": "I_AM_A_TEAPOT",
                                        "error_description": "short and stout"}


def test_to_model_gives_an_error_model(loaded):
    model = PyMacaronException("x").tell_user("y").to_model()
    assert type(model).__name__ == "Error" and is_error(model)
    assert model.to_json() == {"status": 500, "error": "UNKNOWN_EXCEPTION", "error_description": "x",
                               "user_message": "y"}


def test_to_model_before_any_api_is_loaded_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"needs the Error model.*load_apis"):
        PyMacaronException("x").to_model()


@pytest.mark.parametrize("name, code, status", [
    ("UnhandledServerError", "UNHANDLED_SERVER_ERROR", 500),
    ("InternalServerError", "SERVER_ERROR", 500),
    ("AuthMissingHeaderError", "AUTHORIZATION_HEADER_MISSING", 401),
    ("AuthTokenExpiredError", "TOKEN_EXPIRED", 401),
    ("AuthInvalidTokenError", "TOKEN_INVALID", 401),
    ("ValidationError", "INVALID_PARAMETER", 400),
    ("NotFoundError", "NOT_FOUND", 404),
    ("MethodNotAllowedError", "METHOD_NOT_ALLOWED", 405),
    ("RequestTooLargeError", "REQUEST_TOO_LARGE", 413),
    ("BadResponseError", "BAD_RESPONSE", 500),
])
def test_predefined_errors(name, code, status):
    cls = getattr(exceptions, name)
    assert issubclass(cls, PyMacaronException) and (cls.code, cls.status) == (code, status)
    assert code_to_class[code] is cls


def test_add_error_returns_an_importable_registered_class(added):
    code = added("INVALID_USER")
    cls = add_error(name="InvalidUserX", code=code, status=401)
    from pymacaron.exceptions import InvalidUserX

    assert InvalidUserX is cls and issubclass(cls, PyMacaronException)
    assert (cls.code, cls.status, code_to_class[code]) == (code, 401, cls)
    assert cls("who?").to_dict() == {"status": 401, "error": code, "error_description": "who?"}


def test_add_error_refuses_a_code_already_used(added):
    code = added()
    first = add_error(name="FirstError", code=code, status=400)
    with pytest.raises(ValueError, match=rf"error code '{code}' is already used by pymacaron.exceptions.FirstError "
                                         r"\(status 400\); give this error another code"):
        add_error(name="SecondError", code=code, status=400)
    with pytest.raises(ValueError, match="already used by"):
        add_error(name="FirstError", code=code, status=409)
    with pytest.raises(ValueError, match="INVALID_PARAMETER' is already used by pymacaron.exceptions.ValidationError"):
        add_error(name="MyValidation", code="INVALID_PARAMETER", status=400)
    assert code_to_class[code] is first and not hasattr(exceptions, "SecondError")


def test_add_error_again_with_the_same_definition_returns_the_same_class(added):
    code = added()
    assert add_error(name="Again", code=code, status=409) is add_error(name="Again", code=code, status=409)


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "not a name", "code": "X", "status": 400}, "must be a Python class name"),
    ({"name": None, "code": "X", "status": 400}, "must be a Python class name"),
    ({"name": "Okay", "code": "", "status": 400}, "code must be a non-empty string"),
    ({"name": "Okay", "code": "X_X", "status": "400"}, r"status must be an HTTP status code .* got '400'"),
    ({"name": "Okay", "code": "X_X", "status": 99}, "status must be an HTTP status code"),
    ({"name": "ValidationError", "code": "X_X", "status": 400}, "already defines ValidationError"),
])
def test_add_error_says_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_error(**kwargs)
    assert "X_X" not in code_to_class and exceptions.ValidationError.code == "INVALID_PARAMETER"


def test_subclasses_register_their_code(added):
    code = added()
    cls = type("Subclassed", (PyMacaronException,), {"code": code, "status": 422})
    assert code_to_class[code] is cls


def test_is_error():
    error = {"status": 400, "error": "X", "error_description": "y"}
    assert is_error(error) and is_error(PyMacaronException("x"))
    assert not is_error({"status": 400, "error": "X"}) and not is_error({"ok": "1"}) and not is_error("error")


def test_format_error_on_a_validation_error_lists_every_problem(loaded):
    e = CoreValidationError(problems=[Problem("body.age", "type", "'x' is not of type 'integer'"),
                                      Problem("body", "required", "'name' is a required property")])
    data = format_error(e).to_json()
    assert data["status"] == 400 and data["error"] == "INVALID_PARAMETER"
    assert data["error_description"].startswith("2 problems: body.age: 'x' is not of type 'integer'")
    assert data["errors"] == [
        {"location": "body.age", "rule": "type", "message": "'x' is not of type 'integer'"},
        {"location": "body", "rule": "required", "message": "'name' is a required property"}]


GENERIC = exceptions.GENERIC_500_DESCRIPTION


@pytest.mark.parametrize("error, status, code, description", [
    (ResponseValidationError("GET /x returned a Foo"), 500, "BAD_RESPONSE", GENERIC),
    (CoreRequestTooLarge("too big"), 413, "REQUEST_TOO_LARGE", "too big"),
    (ValueError("bad value"), 500, "UNHANDLED_SERVER_ERROR", GENERIC),
    (KeyError(), 500, "UNHANDLED_SERVER_ERROR", GENERIC),
    (exceptions.AuthTokenExpiredError("expired"), 401, "TOKEN_EXPIRED", "expired"),
    (exceptions.InternalServerError("chosen by the service"), 500, "SERVER_ERROR", "chosen by the service"),
])
def test_format_error(loaded, error, status, code, description):
    """500s the service did not choose say nothing internal; its own exceptions keep their text."""
    data = format_error(error).to_json()
    assert (data["status"], data["error"], data["error_description"]) == (status, code, description)


@pytest.mark.parametrize("how", ["debug", "config"])
def test_error_details_are_shown_in_debug_mode_or_when_configured(loaded, how):
    """v1 sent the exception's text: debug mode or show_error_details: true restore it."""
    from pymacaron.config import get_config

    if how == "debug":
        loaded.debug = True
    else:
        get_config().show_error_details = True
    try:
        with loaded.app_context():
            assert format_error(ValueError("bad value")).to_json()["error_description"] == "bad value"
            assert format_error(ResponseValidationError("GET /x returned a Foo")).to_json()[
                "error_description"] == "GET /x returned a Foo"
    finally:
        loaded.debug = False
        get_config().show_error_details = False


def test_responsify_maps_the_code_to_its_class(loaded):
    model = exceptions.AuthInvalidTokenError("bad token").tell_user("log in again").to_model()
    model.error_id = "abc"
    with Flask(__name__).app_context():
        r = responsify(model)
        unknown = responsify({"status": 404, "error": "NOBODY_KNOWS", "error_description": "what"})
    assert r.status_code == 401 and json.loads(r.get_data()) == {
        "status": 401, "error": "TOKEN_INVALID", "error_description": "bad token", "error_id": "abc",
        "user_message": "log in again"}
    assert unknown.status_code == 500 and json.loads(unknown.get_data())["error_description"] == \
        "Caught un-mapped error: NOBODY_KNOWS: what"
    with pytest.raises(TypeError, match="expected an Error model or an Error dict, got str"):
        responsify("oops")


def test_raise_error_raises_the_mapped_class():
    with pytest.raises(exceptions.AuthMissingHeaderError, match="no header") as info:
        raise_error({"status": 401, "error": "AUTHORIZATION_HEADER_MISSING", "error_description": "no header",
                     "error_id": "id1"})
    assert info.value.error_id == "id1"
    with pytest.raises(exceptions.InternalServerError, match="Caught un-mapped error: WHAT: x"):
        raise_error({"status": 418, "error": "WHAT", "error_description": "x"})


# -- over HTTP ------------------------------------------------------------------------------------

def test_invalid_parameters_answer_400_with_every_problem(http_service):
    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    r = live.get("/items/abc?count=0")
    body = r.json()
    assert r.status_code == 400 == body["status"] and body["error"] == "INVALID_PARAMETER" and body["error_id"]
    assert {e["location"] for e in body["errors"]} == {"path.item_id", "query.count"}
    r = live.post("/login", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "Cannot parse json data" in r.json()["error_description"]


def test_a_response_the_spec_forbids_is_a_500_bad_response(http_service, reports):
    r = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS).get("/badresponse")
    assert r.status_code == 500 == r.json()["status"] and r.json()["error"] == "BAD_RESPONSE"
    assert r.json()["error_description"] == GENERIC  # the handler's name stays internal...
    report = reports.wait(1)[0]
    assert report.title.startswith("FATAL BACKEND ERROR testsvc 500 BAD_RESPONSE: ")
    assert "returned a Ok" in report.title and report.data["error_id"] == r.json()["error_id"]  # ...in the report


def test_an_add_error_class_raised_by_a_handler(http_service):
    r = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS).get("/raise/custom")
    body = r.json()
    assert r.status_code == 401 and body.pop("error_id")
    assert body == {"status": 401, "error": "INVALID_USER", "error_description": "user 42 is unknown",
                    "user_message": "Sorry, we don't know you"}


def test_server_secrets_never_reach_the_caller(http_service):
    """K5: an exception text reaches no caller; shown (show_error_details), its server secrets are masked."""
    from pym_testing import JWT_SECRET

    from pymacaron.config import get_config

    live = http_service(spec=ERRORS_SPEC, handlers=ERRORS_HANDLERS)
    r = live.post("/login", json={"user": "bob", "password": "hunter2-x"})
    assert r.status_code == 500 and JWT_SECRET not in r.text and "hunter2" not in r.text
    assert r.json()["error_description"] == GENERIC
    get_config().show_error_details = True
    r = live.post("/login", json={"user": "bob", "password": "hunter2-x"})
    assert r.status_code == 500 and JWT_SECRET not in r.text
    assert r.json()["error_description"] == "login failed for bob with hunter2-x (****)"

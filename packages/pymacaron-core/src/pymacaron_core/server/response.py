"""The response half of an operation's compiled plan: what a handler returned, turned into a validated
Flask response (models marshalled, writeOnly values never sent, the declared schema and headers checked),
and the strict JSON encoding every response of core uses (:func:`dumps`).

Built once at start-up from an :class:`Operation` (:class:`ResponsePlan`); per request it only runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.exceptions import (
    Problem,
    PyMacaronCoreException,
    ResponseValidationError,
    format_location,
)
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.models.factory import generic_to_json
from pymacaron_core.spec.description import is_json_media

if TYPE_CHECKING:

    from pymacaron_core.models.factory import ModelFactory
    from pymacaron_core.schema.compiler import SchemaCompiler
    from pymacaron_core.spec.description import Operation

_JSON_MIME = "application/json"
_SCALARS = (str, int, float, bool)  # JSON values a response schema may declare (type string, number...)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
try:  # the C encoder itself, without the circular-reference bookkeeping (a cycle still fails: RecursionError)
    from json.encoder import c_make_encoder as _c_make_encoder  # type: ignore[attr-defined]
    from json.encoder import encode_basestring as _encode_basestring

    _C_ENCODE = _c_make_encoder(None, _ENCODER.default, _encode_basestring, None, ":", ",", False, False, False) \
        if _c_make_encoder is not None else None
except ImportError:  # pragma: no cover - Pythons without the C accelerator
    _C_ENCODE = None


def dumps(data: Any) -> str:
    """Strict JSON: a NaN or an infinity raises ValueError (never a bare ``NaN`` in a response)."""
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(data, 0))
    return _ENCODER.encode(data)  # one encoder for every response (json.dumps with options makes one per call)


_NO_CONTENT = (204, 304)  # statuses that never have content (RFC 9110): an empty body returned with them


class ResponsePlan:
    """Turn what a handler returned into a validated Flask response.

    A handler returns a model, a plain dict or list (validated against the declared
    response like a model), ``(value, status)``, a Flask response, or an object with
    ``http_reply()``. ``validate=False`` (``validate_responses: false`` in pymacaron)
    sends what the handler returned without checking it, as pymacaron v1 did.
    """

    def __init__(self, operation: Operation, compiler: SchemaCompiler, factory: ModelFactory,
                 response_class: type[WerkzeugResponse], validate: bool = True) -> None:
        self.operation = operation
        self.response_class = response_class
        self.validate = validate
        self.declared_codes = {int(c) if c.isdigit() else c for c in operation.responses}
        self.json = any(p == _JSON_MIME or p.endswith("+json") for p in operation.produces) or \
            not operation.produces
        self.mimetype = operation.produces[0] if operation.produces else _JSON_MIME
        self.by_model: dict[str, Any] = {}  # model name -> statuses declaring it, then the one it is sent with
        self.validators = {}
        self.array_status = None
        self.array_marshal = None
        self.declared = []
        for code, schema in operation.responses.items():
            if not isinstance(schema, dict):
                continue
            name = _ref_name(schema)
            status = int(code) if code.isdigit() else None
            self.declared.append(f"{code} -> {name or schema.get('type', 'schema')}")
            if name is not None:
                self.by_model.setdefault(name, []).append(status)
                for other in _alternatives(factory.definitions, name):  # a oneOf / anyOf of models
                    self.by_model.setdefault(other, []).append(status)
            elif schema.get("type") == "array" and status and 200 <= status < 300:
                self.array_status = status
                self.array_marshal = factory.to_wire(schema)
            key = status if status is not None else "default"
            self.validators[key] = compiler.compile(schema, f"{operation.where} response {code}",
                                                    direction="response" if operation.directional else None)
        for name, codes in self.by_model.items():
            ok = sorted(c for c in codes if c and 200 <= c < 300)
            self.by_model[name] = (200 if 200 in ok else ok[0]) if ok else \
                (sorted(c for c in codes if c)[0] if any(codes) else None)
        self.has_schemas = bool(self.validators)
        # 3.x: the media type each status is sent in, declared headers, writeOnly properties never sent
        self.media = {}
        for code, media in operation.response_media.items():
            if is_json_media(media):
                self.media[int(code) if code.isdigit() else "default"] = media
        self.header_checks = {}
        for code, headers in operation.response_headers.items():
            self.header_checks[int(code) if code.isdigit() else "default"] = [
                (name, required, compiler.compile(schema, f"{operation.where} response {code} header {name}",
                                                  direction="response"))
                for name, (schema, required) in headers.items()]
        self.write_only = {}
        self.nested_write_only = None  # {status or "default": schema}, when a schema may nest a writeOnly property
        if operation.directional:
            for name in self.by_model:
                props = _write_only(factory.definitions, name)
                if props:
                    self.write_only[name] = props
            if _defines_write_only(factory.definitions):
                self.definitions = factory.definitions
                self.nested_write_only = {
                    (int(code) if code.isdigit() else "default"): schema
                    for code, schema in operation.responses.items() if isinstance(schema, dict)}
        self.with_headers = operation.directional
        ok = sorted(c for c in self.declared_codes if isinstance(c, int) and 200 <= c < 300)
        self.success_status = 200 if 200 in ok or not ok else ok[0]

    def respond(self, result: Any) -> Any:
        """The response for what the handler returned (see the class docstring): a Flask response, or a
        Flask-style (body, status[, headers]) tuple passed through; raises ResponseValidationError when
        the value breaks the declared response, PyMacaronCoreException when it is empty or of a type no
        response can hold."""
        if isinstance(result, WerkzeugResponse):
            return result
        status = None
        if self.with_headers and isinstance(result, tuple) and len(result) == 3 and isinstance(result[1], int) \
                and isinstance(result[2], dict):
            body, status, headers = result
            response = self.respond((body, status))
            if not isinstance(response, WerkzeugResponse):
                response = self.response_class(*response) if isinstance(response, tuple) else response
            return self._with_headers(response, headers)
        if result is None:
            if not self.operation.none_is_empty:
                raise PyMacaronCoreException("Have nothing to send in response")  # Swagger 2.0: as v1
            return self._empty_response(self.success_status)
        if isinstance(result, tuple) and len(result) in (2, 3) and isinstance(result[1], int):
            if len(result) == 2 and (result[0] is None or result[0] in ("", b"") and result[1] in _NO_CONTENT):
                return self._empty_response(result[1])  # ("", 204) too: no content, so no Content-Type
            if len(result) == 2 and isinstance(result[0], _SCALARS):
                response = self._scalar_response(result[0], result[1])
                if response is not None:
                    return response
            if len(result) == 3 or not isinstance(result[0], (PyMacaronModel, list, dict)):
                return result  # a Flask-style (body, status[, headers]) tuple
            result, status = result
        if isinstance(result, PyMacaronModel):
            return self._model_response(result, status)
        if hasattr(result, "http_reply") and not isinstance(result, type):
            return result.http_reply()
        if isinstance(result, list) and self.array_status is not None:
            assert self.array_marshal is not None  # set with array_status
            data = self.array_marshal(result)
            self._strip(data, status or self.array_status)
            self._validate(data, status or self.array_status)
            return self.response_class(dumps(data), status or self.array_status,
                                       mimetype=self.media.get(status or self.array_status, _JSON_MIME))
        if isinstance(result, (dict, list)):
            return self._data_response(result, status)
        if isinstance(result, _SCALARS):
            response = self._scalar_response(result, status)
            if response is not None:
                return response
        if not self.json and isinstance(result, (str, bytes)):
            status = status or self.success_status
            return self.response_class(result, status, mimetype=self._mimetype(status))
        if not result:
            raise PyMacaronCoreException("Have nothing to send in response")
        raise PyMacaronCoreException(
            f"Method {self.operation.handler} did not return a model, a dict or a list but a {type(result).__name__}")

    def _empty_response(self, status):
        """``None`` (or ``(None, status)``) returned: ``status`` with an empty body, when the response the spec
        declares for it has no content; an error (BAD_RESPONSE) when it declares a body, or (responses
        validated) when the spec declares neither that status nor a default."""
        op = self.operation
        code = str(status) if str(status) in op.responses else "default" if "default" in op.responses else None
        if code is None:
            if self.validate and op.responses:
                raise ResponseValidationError(
                    f"{op.where} ({op.handler}) returned None with status {status}, but the spec declares only "
                    f"the statuses {', '.join(sorted(op.responses))}: declare {status} (without content)")
        elif op.responses[code] is not None or code in op.response_media:
            what = op.response_media.get(code) or "a body"
            raise ResponseValidationError(
                f"{op.where} ({op.handler}) returned None, but the spec declares {what} for status {status} "
                f"(response '{code}'): return that content, or declare the response without content")
        response = self.response_class(b"", status)
        del response.headers["Content-Type"]
        return response

    def _scalar_response(self, value, status):
        """A string, number or boolean sent as a JSON value, when the status is sent as JSON and its
        declared schema accepts the value (``type: string``, an ``enum``...); else None (a string returned
        for an object response stays a handler error, as in v1)."""
        status = status or self.success_status
        if not is_json_media(self._mimetype(status)):
            return None
        validator = self.validators.get(status) or self.validators.get("default")
        if validator is None or validator.raw(value, ("response",)):
            return None
        return self.response_class(dumps(value), status, mimetype=self.media.get(status, _JSON_MIME))

    def _data_response(self, result, status):
        """A plain dict or list: checked against the declared response of its status."""
        data = generic_to_json(result)
        is_error = isinstance(data, dict) and "error" in data and "error_description" in data
        if status is None:
            model_status = data.get("status") if is_error else None
            if isinstance(model_status, int) and not isinstance(model_status, bool) and 100 <= model_status <= 599:
                status = model_status
            else:
                status = self.success_status
        self._strip(data, status)
        if self.validate:
            validator = self.validators.get(status) or self.validators.get("default")
            if validator is not None:
                self._check(validator.raw(data, ("response",)), status)
            elif not is_error and self.declared_codes and status not in self.declared_codes \
                    and "default" not in self.declared_codes:
                raise ResponseValidationError(
                    f"{self.operation.where} ({self.operation.handler}) returned a {type(result).__name__} with "
                    f"status {status}, but the spec declares: {', '.join(self.declared) or 'no response schema'}")
        return self.response_class(dumps(data), status, mimetype=_JSON_MIME)

    def _model_response(self, model, status):
        cls = type(model)
        name = cls._pym_name
        data = cls._pym_marshal(model, False)
        if self.write_only and name in self.write_only:
            for key in self.write_only[name]:
                data.pop(key, None)
        if self.nested_write_only is not None:
            strip_write_only(data, {"$ref": "#/definitions/" + name}, self.definitions)
        is_error = _is_error_model(cls)
        if status is None:
            model_status = data.get("status") if is_error else None
            if isinstance(model_status, int) and 100 <= model_status <= 599:
                status = model_status
            else:
                status = self.by_model.get(name)
                if status is None:
                    if self.has_schemas and not is_error and self.validate:
                        raise ResponseValidationError(
                            f"{self.operation.where} ({self.operation.handler}) returned a {name}, "
                            f"but the spec declares: {', '.join(self.declared)}")
                    status = 200
        validator = self.validators.get(status)
        if validator is None and name in self.by_model:
            validator = self.validators.get("default")
        if validator is None:
            validator = cls._pym_validator
        if validator is not None and self.validate:
            self._check(validator.raw(data, ("response",)), status)
        return self.response_class(dumps(data), status, mimetype=self.media.get(status, _JSON_MIME))

    def _mimetype(self, status):
        media = self.operation.response_media
        return media.get(str(status)) or media.get("default") or self.mimetype

    def _with_headers(self, response, headers):
        """A 3.x handler's ``(body, status, headers)``: the declared headers validated, all added."""
        checks = self.header_checks.get(response.status_code) or self.header_checks.get("default") or ()
        if self.validate:
            errors = []
            for name, required, validator in checks:
                value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
                if value is None:
                    if required:
                        errors.append((("headers", name), "required", f"the response header {name!r} is required"))
                    continue
                errors.extend(validator.raw(value, ("headers", name)))
            if errors:
                self._check(errors, response.status_code)
        for name, value in headers.items():
            response.headers[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return response

    def _strip(self, data, status):
        """writeOnly properties out of plain data sent with ``status`` (3.x), at any depth."""
        if self.nested_write_only is not None:
            schema = self.nested_write_only.get(status) or self.nested_write_only.get("default")
            if schema is not None:
                strip_write_only(data, schema, self.definitions)

    def _validate(self, data, status):
        validator = self.validators.get(status) or self.validators.get("default")
        if validator is not None and self.validate:
            self._check(validator.raw(data, ("response",)), status)

    def _check(self, errors, status):
        if errors:
            problems = [Problem(format_location(p), rule, msg) for p, rule, msg in errors]
            raise ResponseValidationError(
                f"{self.operation.where} ({self.operation.handler}): the response does not match the spec: "
                + "; ".join(str(p) for p in problems), problems)


def _ref_name(schema):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return ref[len("#/definitions/"):]
    return None


def _alternatives(definitions, name):
    """The named schemas a named oneOf / anyOf schema may be (a response of that schema may be any of them)."""
    schema = definitions.get(name)
    if not isinstance(schema, dict):
        return ()
    names = [_ref_name(part) for part in (schema.get("oneOf") or []) + (schema.get("anyOf") or [])]
    if isinstance(schema.get("discriminator"), dict):  # OpenAPI: the models that extend it with allOf
        names += [other for other, s in definitions.items() if isinstance(s, dict) and
                  any(_ref_name(part) == name for part in s.get("allOf") or () if isinstance(part, dict))]
    return tuple(n for n in names if n is not None and n != name)


_WRITE_ONLY_CACHE: dict = {}


def _defines_write_only(definitions):
    """True when one of ``definitions`` (at any depth) declares a writeOnly property."""
    key = id(definitions)
    found = _WRITE_ONLY_CACHE.get(key)
    if found is None or found[0] is not definitions:
        found = (definitions, '"writeOnly": true' in _json_text(definitions))
        if len(_WRITE_ONLY_CACHE) > 64:
            _WRITE_ONLY_CACHE.clear()
        _WRITE_ONLY_CACHE[key] = found
    return found[1]


def _json_text(value):
    import json

    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return '"writeOnly": true'  # cannot tell: strip (the slower, safe way)


def strip_write_only(data: object, schema: object, definitions: dict, depth: int = 0) -> None:
    """Remove, in place, the writeOnly properties of ``data`` at any depth, as ``schema`` describes it
    (``$ref``s to named schemas, properties, items, allOf, and oneOf/anyOf through their discriminator):
    a writeOnly value is never sent in a response."""
    if depth > 64 or not isinstance(schema, dict):
        return
    name = _ref_name(schema)
    if name is not None:
        schema = definitions.get(name)
        if not isinstance(schema, dict):
            return
    if isinstance(data, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for item in data:
                strip_write_only(item, items, definitions, depth + 1)
        return
    if not isinstance(data, dict):
        return
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or key not in data:
            continue
        target = definitions.get(_ref_name(sub)) if _ref_name(sub) is not None else sub
        if isinstance(target, dict) and target.get("writeOnly") is True:
            del data[key]
        else:
            strip_write_only(data[key], sub, definitions, depth + 1)
    for part in schema.get("allOf") or ():
        strip_write_only(data, part, definitions, depth + 1)
    disc = schema.get("discriminator")
    if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
        value = data.get(disc["propertyName"])
        target = (disc.get("mapping") or {}).get(value, value) if isinstance(value, str) else None
        if isinstance(target, str):
            target = target.rsplit("/", 1)[-1]
            if target in definitions and target != name:
                strip_write_only(data, {"$ref": "#/definitions/" + target}, definitions, depth + 1)


def _write_only(definitions, name, depth=0):
    """The writeOnly properties of a named schema (and of its allOf parts): never sent in a response."""
    schema = definitions.get(name)
    if not isinstance(schema, dict) or depth > 10:
        return ()
    found = [k for k, v in (schema.get("properties") or {}).items() if isinstance(v, dict) and v.get("writeOnly")]
    for part in schema.get("allOf") or ():
        ref = _ref_name(part)
        if ref is not None:
            found.extend(_write_only(definitions, ref, depth + 1))
    return tuple(found)


def _is_error_model(cls):
    props = cls._pym_prop_set
    return "error" in props and "status" in props and "error_description" in props

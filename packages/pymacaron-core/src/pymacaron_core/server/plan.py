"""The compiled plan of one served operation: request in, response out.

Built once at start-up from an :class:`Operation`: parameter readers, the
body validator and model builder, the handler signature check, and for each
declared response the model and validator. Per request it only runs them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response as WerkzeugResponse

from pymacaron_core.exceptions import (
    Problem,
    PyMacaronCoreException,
    ResponseValidationError,
    SpecProblem,
    UnsupportedMediaTypeError,
    ValidationError,
    format_location,
)
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.models.factory import generic_to_json
from pymacaron_core.server.body import EMPTY, read_body
from pymacaron_core.server.body import FORM_TYPES, content_type_of
from pymacaron_core.server.content_type import accepted_types, media_matches, media_type
from pymacaron_core.server.params import ParamReader, UploadedFile
from pymacaron_core.server.styles import StyledReader
from pymacaron_core.spec.description import is_json_media

if TYPE_CHECKING:
    from flask import Request

    from pymacaron_core.models.factory import ModelFactory
    from pymacaron_core.schema.compiler import SchemaCompiler
    from pymacaron_core.spec.description import Operation
    from pymacaron_core.spec.document import SpecDocument

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


class RequestPlan:
    """Extract, validate and convert everything the handler receives."""

    def __init__(self, operation: Operation, compiler: SchemaCompiler, factory: ModelFactory) -> None:
        self.operation = operation
        self.readers: dict[str, list[Any]] = {}  # location -> its ParamReaders / StyledReaders
        direction = "request" if operation.directional else None
        for p in operation.parameters:
            validator = None
            if p.schema.get("type") != "file":
                validator = compiler.compile(_param_schema(p.schema), f"{operation.where} {p.location}.{p.name}",
                                             direction=direction)
            convert = factory.to_python(p.schema)
            reader = (StyledReader if p.style else ParamReader)(p, validator, convert)
            self.readers.setdefault(p.location, []).append(reader)
        self.path_readers = self.readers.get("path", [])
        self.query_readers = self.readers.get("query", [])
        self.header_readers = self.readers.get("header", [])
        self.cookie_readers = self.readers.get("cookie", [])
        self.form_readers = self.readers.get("formData", [])
        # 3.x multipart encoding: files whose part must be of listed types; JSON parts (read from a file part too)
        self.part_types = tuple((p.name, accepted_types(p.media_type), p.media_type) for p in operation.parameters
                                if p.location == "formData" and p.type == "file" and p.media_type) or None
        self.json_parts = frozenset(p.name for p in operation.parameters
                                    if p.location == "formData" and p.style == "content")
        self.body = operation.body
        self.body_validator = None
        self.body_build = None
        self.body_keyword: str | None = None  # set by check_handler: the body is passed under this keyword
        self.by_media = None  # 3.x requestBody types other than the body's own JSON: media type -> entry
        if self.body is not None:
            self.body_validator = compiler.compile(self.body.schema, f"{operation.where} body", direction=direction)
            self.body_build = factory.to_python(self.body.schema)
            others = {}
            for mtype, schema in operation.body_media.items():
                mtype = mtype.split(";", 1)[0].strip().lower()
                if is_json_media(mtype):
                    continue
                form = mtype in FORM_TYPES
                others[mtype] = (form, schema,
                                 compiler.compile(schema, f"{operation.where} body {mtype}", direction=direction),
                                 factory.to_python(schema) if form else None)
            self.by_media = others or None
        self.definitions = factory.definitions
        self.header_kwargs = True  # narrowed by check_handler

    def check_handler(self, func: Callable[..., Any], doc: SpecDocument) -> list[SpecProblem]:
        """Problems if ``func`` cannot take this operation's arguments."""
        op = self.operation
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            return []
        params = list(sig.parameters.values())
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
        var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        by_name = {p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        problems = []
        where = f"{op.where} (x-bind-server '{op.handler}')"

        def problem(msg, fix):
            problems.append(SpecProblem(doc.file, op.line, where, msg, fix))

        sent = [p.name for p in op.parameters if p.location in ("path", "query", "formData", "cookie")]
        headers = [p.name for p in op.parameters if p.location == "header"]
        self.header_kwargs = var_kw or all(h in by_name for h in headers)
        self._accepted_headers = None if var_kw else {h for h in headers if h in by_name}
        consumed = 0
        keyword = op.body_keyword
        if self.body is not None and keyword and keyword in by_name and keyword not in sent + headers:
            self.body_keyword = keyword  # def handler(item_id, body): the body by its name
            sent = sent + [keyword]
        elif self.body is not None:
            if not positional and not var_pos:
                problem("the handler takes no positional argument, but the operation has a body "
                        f"('{self.body.name}') that is passed as the first argument",
                        f"def {func.__name__}({self.body.name}, ...)")
            consumed = 1
        for name in sent:
            if name in by_name:
                continue
            if not var_kw:
                problem(f"the handler has no argument {name!r}, but the operation passes it as a keyword",
                        f"add '{name}=None' to the handler's arguments (or **kwargs)")
        names_given = set(sent) | set(self._accepted_headers or ())
        for p in positional[consumed:]:
            if p.default is p.empty and p.name not in names_given:
                problem(f"the handler requires an argument {p.name!r} that the operation never passes",
                        f"give {p.name!r} a default value, or declare it as a parameter in the spec")
        for p in params:
            if p.kind is p.KEYWORD_ONLY and p.default is p.empty and p.name not in names_given:
                problem(f"the handler requires a keyword argument {p.name!r} that the operation never passes",
                        f"give {p.name!r} a default value, or declare it as a parameter in the spec")
        return problems

    def extract(self, request: Request, view_args: Mapping[str, Any]) -> tuple[tuple, dict[str, Any]]:
        """-> (args, kwargs) for the handler; raises ValidationError with every problem."""
        errors: list[Any] = []
        kwargs = {}
        if self.part_types is not None:
            self._check_part_types(request.files)
        for r in self.path_readers:
            kwargs[r.name] = r.read(view_args, errors)
        if self.query_readers:
            args = request.args
            for r in self.query_readers:
                kwargs[r.name] = r.read(args, errors)
        if self.header_readers:
            headers = request.headers
            accepted = getattr(self, "_accepted_headers", None)
            for r in self.header_readers:
                value = r.read(headers, errors)
                if accepted is None or r.name in accepted:
                    kwargs[r.name] = value
        if self.cookie_readers:
            cookies = request.cookies
            for r in self.cookie_readers:
                if r.key not in cookies and _cookie_sent(request.headers.get("Cookie"), r.key):
                    # sent, but skipped by the parser (a value RFC 6265 allows only quoted): not "absent"
                    errors.append((r.path, "format", f"{r.name!r} is not a valid cookie value (spaces and some "
                                   "other characters are allowed only in a double-quoted value): quote it"))
                    continue
                kwargs[r.name] = r.read(cookies, errors)
        if self.form_readers:
            form, files = request.form, request.files
            for r in self.form_readers:
                if r.kind == "file":
                    if r.multi:  # OpenAPI 3: an array of files (items with format: binary)
                        value = [UploadedFile(f.read(), f.filename, f.content_type) for f in files.getlist(r.name)]
                        kwargs[r.name] = r.read({r.name: value} if value else {}, errors)
                        continue
                    storage = files.get(r.name)
                    value = None
                    if storage is not None:
                        value = UploadedFile(storage.read(), storage.filename, storage.content_type)
                    kwargs[r.name] = r.read({r.name: value} if value is not None else {}, errors)
                elif r.name in self.json_parts and r.key not in form and r.key in files:
                    kwargs[r.name] = r.read({r.key: files[r.key].read().decode("utf-8", "replace")}, errors)
                else:
                    kwargs[r.name] = r.read(form, errors)
        args = ()
        if self.body is not None:
            validator, build, schema = self.body_validator, self.body_build, self.body.schema
            if self.by_media is not None:
                entry = self.by_media.get(content_type_of(request.environ))
                if entry is not None:
                    form, schema, validator, build = entry
                    if not form:
                        build = None
            try:
                if self.by_media is not None and entry is not None and not entry[0]:
                    data = _raw_body(request)
                else:
                    data = read_body(request, schema, self.definitions)
            except ValidationError as e:
                errors.extend((("body",), p.rule, p.message) if p.location == "body" else
                              ((p.location,), p.rule, p.message) for p in e.problems)
                data = EMPTY
            if data is EMPTY:
                if self.body.required and not any(e[0] == ("body",) and e[1] == "json" for e in errors):
                    errors.append((("body",), "required", "a request body is required"))
                args = (None,)
            else:
                before = len(errors)
                assert validator is not None  # compiled with the plan, since there is a body
                try:
                    validator._func(data, ("body",), errors)
                except RecursionError:
                    errors.append((("body",), "depth", "the body is nested too deeply"))
                if len(errors) == before:
                    args = (build(data) if build is not None else data,)
            if self.body_keyword is not None:
                kwargs[self.body_keyword] = args[0] if args else None
                args = ()
        if errors:
            problems = [Problem(format_location(p), rule, msg) for p, rule, msg in errors]
            raise ValidationError(problems=problems)
        return args, kwargs


    def _check_part_types(self, files):
        """Uploaded parts of a type their ``encoding.contentType`` does not list: a 415 naming each part and
        what it accepts. 415, not 400: as for a request whose own Content-Type the operation does not
        consume (:mod:`.content_type`), and checked, like that, before any value is read."""
        problems = []
        for name, accepted, text in self.part_types:
            for storage in files.getlist(name):
                # RFC 7578: a file part without Content-Type is application/octet-stream
                mtype = media_type(storage.content_type) or "application/octet-stream"
                if not media_matches(mtype, accepted):
                    problems.append(Problem(f"formData.{name}", "contentType",
                                            f"the part {name!r} is of type {mtype!r}: send one of {text}"))
        if problems:
            error = UnsupportedMediaTypeError(f"{self.operation.where}: " + "; ".join(p.message for p in problems))
            error.problems = problems
            raise error


def _raw_body(request):
    """A body in a media type that is neither JSON nor a form: text/* as str, others as bytes."""
    data = request.get_data(cache=True)
    if not data:
        return EMPTY
    if content_type_of(request.environ).startswith("text/"):
        try:
            return data.decode(request.mimetype_params.get("charset", "utf-8"))
        except (UnicodeDecodeError, LookupError):
            raise ValidationError(problems=[Problem("body", "encoding", "the body is not text in its charset")]) \
                from None
    return data


def _param_schema(schema):
    return {k: v for k, v in schema.items() if k != "default"}


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
            if len(result) == 2 and result[0] is None:
                return self._empty_response(result[1])
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


def _cookie_sent(header, name):
    """True when the raw Cookie header has a ``name=`` pair."""
    return bool(header) and any(part.split("=", 1)[0].strip() == name for part in header.split(";") if "=" in part)


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

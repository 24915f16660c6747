"""The compiled plan of one served operation: request in, response out.

Built once at start-up from an :class:`Operation`: parameter readers, the
body validator and model builder, the handler signature check (here,
:class:`RequestPlan`), and for each declared response the model and
validator (:class:`~pymacaron_core.server.response.ResponsePlan`). Per request
it only runs them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any


from pymacaron_core.exceptions import (
    Problem,
    SpecProblem,
    UnsupportedMediaTypeError,
    ValidationError,
    format_location,
)
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
                readable = mtype not in operation.unreadable_media  # else an XML body, say: refused (415)
                others[mtype] = (form, schema,
                                 compiler.compile(schema, f"{operation.where} body {mtype}", direction=direction)
                                 if readable else None,
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
                if entry is not None and entry[2] is None:
                    raise UnsupportedMediaTypeError(
                        f"{self.operation.where}: a body of type {content_type_of(request.environ)!r} cannot be "
                        "checked against its schema (pymacaron reads only JSON and form bodies as structures): send "
                        f"it as {self._readable_types()}")
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

    def _readable_types(self):
        """The body types of this operation pymacaron can check, for a 415's message."""
        unreadable = set(self.operation.unreadable_media)
        types = [m for m in self.operation.consumes if m.split(";", 1)[0].strip().lower() not in unreadable]
        return " or ".join(repr(m) for m in types) or "another type"

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


def _cookie_sent(header, name):
    """True when the raw Cookie header has a ``name=`` pair."""
    return bool(header) and any(part.split("=", 1)[0].strip() == name for part in header.split(";") if "=" in part)

"""Generated client methods: ``ApiPool.<api>.client.<x-bind-client>(...)``.

Arguments: the body as one positional model, path/query/header/formData
parameters as keywords, plus ``max_attempts`` (3), ``read_timeout``,
``connect_timeout`` (the API's timeout) and ``request_headers``.

Retries, up to ``max_attempts``, waiting 0.5, 1.5, 2.5... s: a connection
that was never established (refused, host not found, connect timeout) for
every method; any other transport error (reset, closed without answer, read
timeout) and 502/503/504 replies only for idempotent methods, since a POST or
PATCH may have been received.
Transport failures raise (:mod:`.errors`): a ``requests.exceptions`` instance
that is also a 502/504 ``UpstreamUnavailableError`` / ``UpstreamTimeoutError``.
Replies: a 2xx is validated and built into its model; an error reply with
``error_description`` becomes an Error model; anything else goes through
the API's ``error_callback`` (whose result is returned).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import quote

from pymacaron_core import observe
from pymacaron_core.client.errors import never_sent, upstream_error
from pymacaron_core.client.transports import WsgiTransport
from pymacaron_core.context import call_headers
from pymacaron_core.exceptions import PyMacaronCoreException, ValidationError
from pymacaron_core.models.base import PyMacaronModel
from pymacaron_core.models.factory import generic_to_json
from pymacaron_core.spec.description import is_json_media

if TYPE_CHECKING:
    from pymacaron_core.api import API
    from pymacaron_core.schema.compiler import Validator
    from pymacaron_core.spec.description import Operation

log = logging.getLogger(__name__)

# status (or "default") -> (validator of the reply's JSON, builder of the returned value or None)
ResponsePlan = dict[Union[int, str], tuple["Validator", Union[Callable[[Any], Any], None]]]

IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
RETRY_STATUSES = {502, 503, 504}
MAGIC = ("max_attempts", "read_timeout", "connect_timeout", "request_headers")


_sleep = time.sleep  # the one place clients wait (tests record it)


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (0-based): 0.5, 1.5, 2.5..."""
    return 0.5 + attempt


def _query_value(value, fmt):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        items = [_query_value(v, None) for v in value]
        if fmt == "multi":
            return items
        sep = {"ssv": " ", "tsv": "\t", "pipes": "|"}.get(fmt, ",")
        return sep.join(str(i) for i in items)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _scalar(value):
    value = _query_value(value, None)
    return value if isinstance(value, str) else json.dumps(value) if value is None else str(value)


def _styled(p, value):
    """An OpenAPI 3 parameter's value written in its style: -> {query key: value} (query), else a str."""
    style, explode, name = p.style, p.explode, p.name
    if style == "content":
        if is_json_media(p.media_type):
            text = json.dumps(generic_to_json(value))
        else:  # text/plain...: the string as it is
            text = value.decode() if isinstance(value, bytes) else str(value)
        return {name: text} if p.location == "query" else text
    if isinstance(value, dict):
        items = [(k, _scalar(v)) for k, v in generic_to_json(value).items() if v is not None]
        if style == "deepObject":
            return {f"{name}[{k}]": v for k, v in items}
        if style == "form":
            return dict(items) if explode else {name: ",".join(x for kv in items for x in kv)}
        if style == "label":
            return "." + ("." if explode else ",").join(f"{k}={v}" if explode else f"{k},{v}" for k, v in items)
        if style == "matrix":
            return "".join(f";{k}={v}" for k, v in items) if explode else \
                f";{name}=" + ",".join(x for kv in items for x in kv)
        return ",".join(f"{k}={v}" if explode else f"{k},{v}" for k, v in items)
    if isinstance(value, (list, tuple)):
        items = [_scalar(v) for v in value]
        if style == "label":
            return "." + ("." if explode else ",").join(items)
        if style == "matrix":
            return "".join(f";{name}={v}" for v in items) if explode else f";{name}=" + ",".join(items)
        return ",".join(items)
    text = _scalar(value)
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}"
    return {name: text} if p.location == "query" else text


def _typed_files(value, accepted):
    """File(s) given without a media type, sent as the first concrete type their encoding lists."""
    mtype = next((m.strip() for m in accepted.split(",") if m.strip() and "*" not in m), None)
    if mtype is None:
        return value
    if isinstance(value, list):
        return [_typed_files(v, accepted) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return (getattr(value, "filename", None) or "file", bytes(value), getattr(value, "content_type", None)
                or mtype)
    if isinstance(value, tuple) and len(value) == 2:
        return value + (mtype,)
    if hasattr(value, "read") and not isinstance(value, tuple):
        return (getattr(value, "name", None) or "file", value, mtype)
    return value


class ClientMethod:
    """One generated client method, ``ApiPool.<api>.client.<x-bind-client>``: calling it sends the
    operation's request (with retries) and returns the reply built into its model."""

    def __init__(self, api: API, operation: Operation, response_plan: ResponsePlan) -> None:
        self.api = api
        self.operation = operation
        self.name = operation.client_name
        self.method = operation.method
        self.params = {p.name: p for p in operation.parameters}
        self.responses = response_plan  # status -> (validator, builder)
        self.send: Callable[..., Any] | None = None  # set by the API: transport, possibly decorated
        # OpenAPI 3: the body's media type (its JSON type if it has one), statuses answered in non-JSON types
        media = list(operation.body_media)
        json_types = [m for m in media if is_json_media(m)]
        self.body_media = json_types[0] if json_types else (media[0] if media else "application/json")
        self.body_is_json = is_json_media(self.body_media)
        self.multipart = any(m.split(";", 1)[0].strip().lower() == "multipart/form-data" for m in operation.consumes)
        self.text_statuses = {int(c) if c.isdigit() else c for c, m in operation.response_media.items()
                              if not is_json_media(m)}

    def __repr__(self):
        return f"<client {self.api.name}.{self.name}: {self.method} {self.operation.path}>"

    def _build_request(self, args, kwargs):
        op = self.operation
        if op.body is not None and not args and op.body_keyword and op.body_keyword in kwargs \
                and op.body_keyword not in self.params:
            args = (kwargs.pop(op.body_keyword),)
        if op.body is not None:
            if len(args) != 1:
                raise ValidationError(f"{self.name} expects exactly 1 parameter")
            body = args[0]
            if not self.body_is_json and isinstance(body, (str, bytes)):
                payload = body
            else:
                data = type(body)._pym_marshal(body, False) if isinstance(body, PyMacaronModel) \
                    else generic_to_json(body)
                payload = json.dumps(data)
        elif args:
            raise ValidationError(f"{self.name} takes no positional argument (the operation has no body)")
        else:
            payload = None
        # an operation on its own servers (3.x): the path under its own server URL
        path = op.full_path if op.server_url is not None else self.api.client_path(op)
        params, headers, form, files, cookies = {}, {}, {}, {}, []
        for key, value in kwargs.items():
            p = self.params.get(key)
            location = p.location if p is not None else "query"
            if location == "formData" and p.style == "content":  # a JSON part (3.x encoding): sent as that type
                if value is not None:
                    text = json.dumps(generic_to_json(value))
                    if self.multipart:
                        files[key] = (None, text, p.media_type)
                    else:  # a form-encoded body: the JSON text is the field's value
                        form[key] = text
                continue
            if p is not None and p.style and (value is not None or location == "path"):
                written = _styled(p, value)
                if location == "path":
                    path = path.replace("{" + key + "}", quote(written, safe=".;=,"))
                elif location == "query":
                    params.update(written)
                elif location == "header":
                    headers[key] = written
                else:
                    cookies.append(f"{key}={quote(written, safe='')}")
                continue
            if location == "path":
                path = path.replace("{" + key + "}", quote(str(_query_value(value, None)), safe=""))
            elif value is None:
                continue
            elif location == "query":
                params[key] = _query_value(value, p.collection_format if p else None)
            elif location == "header":
                headers[key] = str(_query_value(value, p.collection_format))
            elif location == "cookie":
                cookies.append(f"{key}={quote(str(_query_value(value, p.collection_format)), safe='')}")
            elif location == "formData":
                if p.type == "file":
                    files[key] = _typed_files(value, p.media_type) if p.media_type else value
                else:
                    form[key] = _query_value(value, p.collection_format)
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        if "{" in path:
            return None
        if form or files:
            payload = form
        if any(isinstance(v, list) for v in files.values()):  # several files under one name
            files = [(k, f) for k, v in files.items() for f in (v if isinstance(v, list) else [v])]
        return path, params, headers, payload, files

    def __call__(self, *args, **kwargs):
        api = self.api
        max_attempts = kwargs.pop("max_attempts", 3)
        read_timeout = kwargs.pop("read_timeout", api.timeout)
        connect_timeout = kwargs.pop("connect_timeout", api.timeout)
        extra_headers = kwargs.pop("request_headers", None)
        built = self._build_request(args, kwargs)
        if built is None:
            return api.error_callback(ValidationError(
                f"Missing some arguments to format url: {api.client_path(self.operation)}"))
        path, params, headers, payload, files = built
        own = self.operation.server_url  # 3.x operation-level servers: its own server, unless served in-process
        url = (own if own and not isinstance(api.transport, WsgiTransport) else api.base_url) + path
        all_headers = {} if (payload is not None and files) or isinstance(payload, dict) \
            else {"Content-Type": self.body_media}
        all_headers.update(call_headers())
        all_headers.update(headers)
        if extra_headers:
            all_headers.update(extra_headers)
        hook = observe.client_call
        if hook is None:
            resp = self._call_with_retries(url, all_headers, params, payload, files,
                                           (connect_timeout, read_timeout), max_attempts)
        else:
            resp = hook(self, all_headers, lambda: self._call_with_retries(
                url, all_headers, params, payload, files, (connect_timeout, read_timeout), max_attempts))
        return self._handle_response(url, resp)

    def _call_with_retries(self, url, headers, params, data, files, timeout, max_attempts):
        import requests  # on the first client call: not at start-up

        idempotent = self.method in IDEMPOTENT
        attempts = max(1, int(max_attempts))
        for attempt in range(attempts):
            try:
                resp = self.send(url, method=self.method, headers=headers, params=params or None, data=data,
                                 timeout=timeout, verify=self.api.verify_ssl, files=files or None)
            except requests.exceptions.RequestException as e:
                if not isinstance(e, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
                    raise
                retry = idempotent or never_sent(e)
                if not retry or attempt + 1 >= attempts:
                    raise upstream_error(e, self.api.name, self.operation, url, attempt + 1) from e
                log.info("%s %s failed (%s): retrying", self.method, url, e.__class__.__name__)
                _sleep(self.api.retry_delay(attempt))
                continue
            if resp.status_code in RETRY_STATUSES and idempotent and attempt + 1 < attempts:
                log.info("%s %s returned %s: retrying", self.method, url, resp.status_code)
                _sleep(self.api.retry_delay(attempt))
                continue
            return resp

    def _handle_response(self, url, resp):
        api = self.api
        status = resp.status_code
        if status in self.text_statuses or ("default" in self.text_statuses and status not in self.responses):
            if 200 <= status < 300:
                return resp.text if resp.encoding or resp.headers.get("Content-Type", "").startswith("text/") \
                    else resp.content
        try:
            data = resp.json() if resp.content else None
        except ValueError:
            data = None
            if 200 <= status < 300:
                return api.error_callback(ValidationError(
                    f"Failed to unmarshal response because: {self.method} {url} returned a body "
                    f"that is not JSON: {resp.text[:200]!r}"))
        if 200 <= status < 300:
            entry = self.responses.get(status) or self.responses.get("default")
            if entry is None or data is None:
                return data
            validator, build = entry
            problems = validator(data) if validator is not None else []
            if problems:
                return api.error_callback(ValidationError(
                    "Failed to unmarshal response because: " + "; ".join(str(p) for p in problems), problems))
            return build(data) if build is not None else data
        if isinstance(data, dict) and "error_description" in data:
            entry = self.responses.get(status) or self.responses.get("default")
            model = api.error_model_class() if entry is None else None
            try:
                if entry is not None and entry[1] is not None:
                    data.setdefault("status", status)
                    return entry[1](data)
                if model is not None:
                    data.setdefault("status", status)
                    return model._pym_build(data)
            except Exception as e:  # a malformed error body: report it, do not crash
                log.warning("could not build the error model: %s", e)
        exc = PyMacaronCoreException(
            f"Call to {self.method} {url} returned unknown exception: {status} {resp.text[:500]}")
        exc.status_code = status
        return api.error_callback(exc)

"""Observability in process: /metrics, /ready, JSON logs, gzip, tracing spans and pymacaron.monitor.

Services are real (specs, handlers, pym-config, API.start) and called through Flask's test
client; the metrics are parsed with prometheus_client's parser, the spans come from the real
OpenTelemetry SDK (in-memory exporter).
"""

import gzip
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pym_testing import DEFAULT_CONFIG, DEFAULT_HANDLERS, DEFAULT_SPEC, JWT_SECRET

from pymacaron.auth import generate_token
from pymacaron.config import ConfigError
from pymacaron.observability import readiness, tracing
from pymacaron.observability.gzip import accepts_gzip
from pymacaron.observability.settings import settings_from_config

MONITORED_HANDLERS = DEFAULT_HANDLERS + """

from pymacaron.monitor import monitor


def do_monitored(name=None):
    with monitor(kind="DynamoDB", method="get_item"):
        pass
    return do_hello(name)
"""

MONITORED_SPEC = DEFAULT_SPEC.replace("definitions:", """\
  /monitored:
    get:
      x-bind-server: HANDLERS.do_monitored
      parameters:
        - {in: query, name: name, type: string}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:""")


def samples(client, headers=None):
    """{(name, sorted labels): value} of every sample GET /metrics answers."""
    resp = client.get("/metrics", headers=headers or {})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# -- metrics -------------------------------------------------------------------------------------


def test_metrics_count_requests_by_operation_method_and_status(service):
    app = service(config=DEFAULT_CONFIG + "metrics: true\n", include_crash_api=True)
    client = app.test_client()
    before = samples(client)
    assert client.get("/hello?name=a").status_code == 200
    assert client.get("/hello").status_code == 200
    assert client.get("/hello/auth").status_code == 401
    assert client.get("/crash/internalexception").status_code == 500
    after = samples(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("pymacaron_requests_total", operation="GET /hello", method="GET", status="200") == 2
    assert delta("pymacaron_requests_total", operation="GET /hello/auth", method="GET", status="401") == 1
    assert delta("pymacaron_requests_total", operation="GET /crash/internalexception", method="GET",
                 status="500") == 1
    assert delta("pymacaron_request_duration_seconds_count", operation="GET /hello") == 2
    assert delta("pymacaron_request_duration_seconds_bucket", operation="GET /hello", le="+Inf") == 2
    assert value(after, "pymacaron_requests_in_flight") == 0
    assert delta("pymacaron_crash_reports_total", kind="fatal") == 1


def test_metrics_token_protects_the_endpoint(service, monkeypatch):
    monkeypatch.setenv("PYM_METRICS_TOKEN", "a-metrics-token-long-enough")
    config = DEFAULT_CONFIG.replace("env_secrets: [PYM_TEST_JWT_SECRET]",
                                    "env_secrets: [PYM_TEST_JWT_SECRET, PYM_METRICS_TOKEN]")
    app = service(config=config + "metrics: true\nmetrics_token: PYM_METRICS_TOKEN\n")
    client = app.test_client()
    resp = client.get("/metrics")
    assert resp.status_code == 401 and resp.get_json()["error"] == "METRICS_TOKEN_REQUIRED"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    found = samples(client, {"Authorization": "Bearer a-metrics-token-long-enough"})
    assert ("pymacaron_requests_in_flight", ()) in found


def test_metrics_off_by_default(service):
    app = service()
    assert app.test_client().get("/metrics").status_code == 404


def test_client_calls_are_counted_by_api_operation_and_outcome(service):
    spec = DEFAULT_SPEC.replace("x-bind-server: HANDLERS.do_hello\n      parameters",
                                "x-bind-server: HANDLERS.do_hello\n      x-bind-client: hello\n      parameters", 1)
    spec = spec.replace("x-decorate-server: pymacaron.auth.requires_auth",
                        "x-decorate-server: pymacaron.auth.requires_auth\n      x-bind-client: hello_auth")
    app = service(spec=spec, config=DEFAULT_CONFIG + "metrics: true\n")
    from pymacaron_core import ApiPool

    client = app.test_client()
    before = samples(client)
    with app.test_request_context("/"):
        assert ApiPool.testsvc.client.hello(name="x").message == "hello x"
        ApiPool.testsvc.client.hello_auth()
    after = samples(client)
    assert value(after, "pymacaron_client_calls_total", api="testsvc", operation="hello", outcome="success") - \
        value(before, "pymacaron_client_calls_total", api="testsvc", operation="hello", outcome="success") == 1
    assert value(after, "pymacaron_client_calls_total", api="testsvc", operation="hello_auth",
                 outcome="client_error") - value(before, "pymacaron_client_calls_total", api="testsvc",
                                                 operation="hello_auth", outcome="client_error") == 1


# -- readiness -------------------------------------------------------------------------------------


def test_ready_after_start_then_draining(service):
    app = service()
    client = app.test_client()
    resp = client.get("/ready")
    assert (resp.status_code, resp.get_json()) == (200, {"ready": True})
    readiness.start_draining()
    resp = client.get("/ready")
    assert resp.status_code == 503 and resp.get_json()["error"] == "DRAINING"
    assert client.get("/ping").status_code == 200  # liveness is not readiness


def test_ready_runs_the_ready_hook(service):
    state = {"ok": False}

    def cache_warm():
        if state.get("boom"):
            raise RuntimeError("db down")
        return state["ok"]

    app = service(api_kwargs={"ready_hook": cache_warm})
    client = app.test_client()
    resp = client.get("/ready")
    assert resp.status_code == 503 and resp.get_json()["error"] == "NOT_READY"
    assert "cache_warm says not ready" in resp.get_json()["error_description"]
    state["ok"] = True
    assert client.get("/ready").status_code == 200
    state["boom"] = True
    resp = client.get("/ready")
    assert resp.status_code == 503 and "RuntimeError" in resp.get_json()["error_description"]


def test_a_spec_serving_ready_keeps_its_own(service):
    spec = DEFAULT_SPEC.replace("  /hello/auth:", "  /ready:\n    get:\n      x-bind-server: HANDLERS.do_hello\n"
                                "      responses:\n        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}\n"
                                "  /hello/auth:")
    app = service(spec=spec)
    assert app.test_client().get("/ready").get_json() == {"message": "hello world"}


def test_not_ready_before_start_up_completes():
    readiness.reset()
    assert readiness.get_readiness().state()[:2] == (False, "NOT_READY")
    readiness.mark_started()
    assert readiness.get_readiness().state()[0] is True


# -- JSON logs -------------------------------------------------------------------------------------


def test_json_logs_one_object_per_line_with_request_fields(service, capsys):
    handlers = DEFAULT_HANDLERS + """

import logging


def do_logging(name=None):
    logging.getLogger("shop").info("charging with key %s", "JWTSECRET")
    return do_hello(name)
""".replace("JWTSECRET", JWT_SECRET)
    spec = DEFAULT_SPEC.replace("x-bind-server: HANDLERS.do_hello\n      x-decorate-server",
                                "x-bind-server: HANDLERS.do_logging\n      x-decorate-server")
    app = service(spec=spec, handlers=handlers, config=DEFAULT_CONFIG + "log_format: json\n")
    capsys.readouterr()
    token = generate_token("user-42")
    resp = app.test_client().get("/hello/auth", headers={"Authorization": f"Bearer {token}", "PymCallID": "call-1",
                                                         "PymCallPath": "front"})
    assert resp.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    shop = [x for x in lines if x["logger"] == "shop"]
    access = [x for x in lines if x["logger"] == "pymacaron.access"]
    assert len(shop) == 1 and len(access) == 1, lines
    assert JWT_SECRET not in json.dumps(lines)
    assert shop[0]["message"].startswith("charging with key ") and shop[0]["level"] == "INFO"
    assert shop[0]["user_id"] == "user-42" and shop[0]["call_id"] == "call-1"
    assert shop[0]["call_path"] == "front.testsvc"
    assert access[0]["operation"] == "GET /hello/auth" and access[0]["status"] == 200
    assert access[0]["duration_ms"] > 0 and access[0]["time"].endswith("+00:00")
    assert "trace_id" not in access[0]  # tracing is off


# -- gzip ------------------------------------------------------------------------------------------


BIG_HANDLERS = DEFAULT_HANDLERS.replace('"hello %s%s" % (name or "world"', '"hello %s%s" % ((name or "world") * 200')


def test_gzip_above_the_threshold_when_accepted(service):
    app = service(handlers=BIG_HANDLERS, config=DEFAULT_CONFIG + "gzip: true\ngzip_min_size: 300\n")
    client = app.test_client()
    resp = client.get("/hello?name=ab", headers={"Accept-Encoding": "gzip, deflate"})
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
    body = json.loads(gzip.decompress(resp.get_data()))
    assert body["message"] == "hello " + "ab" * 200
    assert len(resp.get_data()) < 200
    plain = client.get("/hello?name=ab")
    assert "Content-Encoding" not in plain.headers and plain.get_json() == body
    tiny = client.get("/hello?name=a", headers={"Accept-Encoding": "gzip"})  # a 220-byte body
    assert "Content-Encoding" not in tiny.headers and tiny.get_json()["message"] == "hello " + "a" * 200
    refused = client.get("/hello?name=ab", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_accept_encoding_parsing():
    assert accepts_gzip("gzip") and accepts_gzip("br, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("br") and not accepts_gzip("gzip;q=0")


# -- tracing ---------------------------------------------------------------------------------------


TRACING = DEFAULT_CONFIG + "tracing: {exporter: memory}\n"


def test_server_span_named_by_operation_with_attributes(service):
    app = service(config=TRACING)
    token = generate_token("user-7")
    resp = app.test_client().get("/hello/auth?name=z", headers={"Authorization": f"Bearer {token}",
                                                                "PymCallID": "cid-9"})
    assert resp.status_code == 200
    spans = tracing.memory_exporter().get_finished_spans()
    assert [s.name for s in spans] == ["GET /hello/auth"]
    span = spans[0]
    assert span.kind.name == "SERVER" and span.parent is None
    assert span.attributes["http.response.status_code"] == 200
    assert span.attributes["enduser.id"] == "user-7"
    assert span.attributes["pymacaron.call_id"] == "cid-9"
    assert span.attributes["pymacaron.operation_id"].endswith(".do_hello")
    assert span.resource.attributes["service.name"] == "testsvc"


def test_incoming_traceparent_is_honoured(service):
    app = service(config=TRACING)
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    app.test_client().get("/hello", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    (span,) = tracing.memory_exporter().get_finished_spans()
    assert format(span.context.trace_id, "032x") == trace_id
    assert format(span.parent.span_id, "016x") == parent_id and span.parent.is_remote


def test_error_status_marks_the_span(service):
    app = service(config=TRACING, include_crash_api=True)
    app.test_client().get("/crash/internalexception")
    (span,) = tracing.memory_exporter().get_finished_spans()
    assert span.status.status_code.name == "ERROR" and span.attributes["http.response.status_code"] == 500


def test_client_span_sends_traceparent_in_the_same_trace(service):
    spec = DEFAULT_SPEC.replace("x-bind-server: HANDLERS.do_hello\n      parameters",
                                "x-bind-server: HANDLERS.do_hello\n      x-bind-client: hello\n      parameters", 1)
    handlers = DEFAULT_HANDLERS + """

from pymacaron_core import ApiPool


def do_relay(name=None):
    return ApiPool.testsvc.client.hello(name=name)
"""
    spec = spec.replace("x-bind-server: HANDLERS.do_hello\n      x-decorate-server",
                        "x-bind-server: HANDLERS.do_relay\n      x-decorate-server")
    app = service(spec=spec, handlers=handlers, config=TRACING)
    token = generate_token("u")
    assert app.test_client().get("/hello/auth?name=q", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    spans = {(s.kind.name, s.name): s for s in tracing.memory_exporter().get_finished_spans()}
    assert sorted(spans) == [("CLIENT", "GET /hello"), ("SERVER", "GET /hello"), ("SERVER", "GET /hello/auth")]
    outer, inner = spans["SERVER", "GET /hello/auth"], spans["SERVER", "GET /hello"]
    client = [spans["CLIENT", "GET /hello"]]
    assert client[0].parent.span_id == outer.context.span_id
    assert inner.parent.span_id == client[0].context.span_id  # the traceparent it sent
    assert {outer.context.trace_id, inner.context.trace_id, client[0].context.trace_id} == {outer.context.trace_id}
    assert client[0].attributes["pymacaron.client.operation"] == "hello"


def test_monitor_makes_a_child_span_when_tracing_is_on(service):
    app = service(spec=MONITORED_SPEC, handlers=MONITORED_HANDLERS, config=TRACING)
    assert app.test_client().get("/monitored").status_code == 200
    spans = {s.name: s for s in tracing.memory_exporter().get_finished_spans()}
    assert spans["DynamoDB get_item"].parent.span_id == spans["GET /monitored"].context.span_id
    assert spans["DynamoDB get_item"].attributes["pymacaron.monitor.kind"] == "DynamoDB"


def test_monitor_is_a_no_op_when_tracing_is_off(service):
    from pymacaron.monitor import monitor, monitor_init

    app = service(spec=MONITORED_SPEC, handlers=MONITORED_HANDLERS)
    assert app.test_client().get("/monitored").status_code == 200
    assert monitor_init(app) is None and tracing.get_tracer() is None

    @monitor(kind="Job")
    def job(x):
        return x * 2

    assert job(21) == 42


def test_json_log_lines_carry_the_trace_ids(service, capsys):
    app = service(config=TRACING + "log_format: json\n")
    capsys.readouterr()
    app.test_client().get("/hello")
    (span,) = tracing.memory_exporter().get_finished_spans()
    access = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"pymacaron.access"' in x]
    assert access[0]["trace_id"] == format(span.context.trace_id, "032x")
    assert access[0]["span_id"] == format(span.context.span_id, "016x")


# -- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, message", [
    ({"tracing": "yes"}, "tracing must be true, false or a mapping"),
    ({"tracing": {"exporter": "jaeger"}}, "tracing.exporter must be one of otlp, console, memory, none"),
    ({"tracing": {"endpoint": "collector:4318"}}, "tracing.endpoint must be the collector's http(s) URL"),
    ({"tracing": {"sampling": 1}}, "tracing has no key 'sampling'"),
    ({"metrics": "on"}, "metrics must be true or false"),
    ({"metrics_token": "short"}, "metrics_token must be a string of at least 16 characters"),
    ({"metrics_port": 0}, "metrics_port must be a whole number from 1 to 65535"),
    ({"log_format": "xml"}, "log_format must be text or json"),
    ({"gzip_level": 11}, "gzip_level must be a whole number from 1 to 9"),
    ({"shutdown_grace": -1}, "shutdown_grace must be a number from 0 to 3600"),
])
def test_settings_errors_say_what_to_fix(data, message):
    from pymacaron.config import PyMacaronConfig

    with pytest.raises(ConfigError) as e:
        settings_from_config(PyMacaronConfig(data=data))
    assert message in str(e.value)


def test_everything_off_by_default():
    from pymacaron.config import PyMacaronConfig

    settings = settings_from_config(PyMacaronConfig(data={}))
    assert settings.tracing is None and not settings.metrics and not settings.gzip and not settings.observed
    assert settings.log_format == "text" and settings.shutdown_grace == 30


@pytest.fixture(autouse=True)
def _quiet_root_level():
    level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(level)

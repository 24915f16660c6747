"""One trace across two real services and a real Celery worker, exported over OTLP/HTTP.

``frontsvc`` (``python server.py``) calls ``backsvc`` through its generated client; ``backsvc``
(``python server.py``, with its own Celery worker on a real redis-server) fires an asynchronous
task. All three processes export their spans with the OpenTelemetry SDK's OTLP/HTTP exporter to a
receiver this test starts on 127.0.0.1, which decodes the protobuf with opentelemetry-proto.
"""

from __future__ import annotations

import gzip
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "packages" / "pymacaron-async" / "tests"))

from async_testing import RedisServer  # noqa: E402
from helloworld_testing import ExampleServer, example_env, free_port  # noqa: E402

BACK_SPEC = """\
swagger: '2.0'
info: {title: backsvc, version: 1.0.0}
host: 127.0.0.1:PORT
schemes: [http]
produces: [application/json]
paths:
  /back/{x}:
    get:
      x-bind-server: back_handlers.do_back
      x-bind-client: back
      parameters:
        - {in: path, name: x, type: string, required: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
"""

FRONT_SPEC = """\
swagger: '2.0'
info: {title: frontsvc, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /front/{x}:
    get:
      x-bind-server: front_handlers.do_front
      parameters:
        - {in: path, name: x, type: string, required: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
"""

BACK_HANDLERS = """\
from pymacaron_async import asynctask


@asynctask
def remember(x):
    pass


def do_back(x):
    from pymacaron.models import Ok

    remember(x)
    return Ok()
"""

FRONT_HANDLERS = """\
from pymacaron_core import ApiPool


def do_front(x):
    from pymacaron.models import Ok

    ApiPool.backsvc.client.back(x=x)
    return Ok()
"""

SERVER = """\
from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    api = API(app, port=port, debug=debug)
    api.load_apis("apis")
    api.start(serve="SERVED")


letsgo(__name__, callback=start)
"""


class Receiver:
    """An OTLP/HTTP trace receiver: POST /v1/traces, protobuf ExportTraceServiceRequest."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

        self.spans = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = trace_service_pb2.ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver.add(request, self.path)
                reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, request, path):
        assert path == "/v1/traces"
        found = []
        for resource_spans in request.resource_spans:
            attrs = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for s in scope_spans.spans:
                    found.append({
                        "service": attrs.get("service.name"), "name": s.name, "kind": s.kind,
                        "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                        "parent": s.parent_span_id.hex(), "links": [link.span_id.hex() for link in s.links],
                        "attributes": {a.key: a.value for a in s.attributes}})
        with self.lock:
            self.spans.extend(found)

    def wait(self, predicate, timeout=40):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                spans = list(self.spans)
            if predicate(spans):
                return spans
            time.sleep(0.1)
        raise AssertionError(f"the spans expected were not exported within {timeout} s: {spans}")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def write(folder, served, files, config):
    folder.mkdir(parents=True)
    (folder / "apis").mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "server.py").write_text(SERVER.replace("SERVED", served))
    (folder / "pym-config.yaml").write_text(textwrap.dedent(config))


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("traced")
    redis = RedisServer(root).start()
    receiver = Receiver()
    tracing = f"tracing: {{exporter: otlp, endpoint: '{receiver.url}'}}\n"
    back_port = free_port()
    spec = BACK_SPEC.replace("PORT", str(back_port))
    write(root / "back", "backsvc", {"apis/backsvc.yaml": spec, "back_handlers.py": BACK_HANDLERS},
          f"name: backsvc\nlive_host: back.example.com\nwith_async: true\ncelery_broker_url: {redis.url}\n" + tracing)
    write(root / "front", "frontsvc", {"apis/frontsvc.yaml": FRONT_SPEC, "apis/backsvc.yaml": spec,
                                       "front_handlers.py": FRONT_HANDLERS},
          "name: frontsvc\nlive_host: front.example.com\n" + tracing)
    started = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")  # export within 0.1 s (default 5 s)
        try:
            back = ExampleServer(root / "back.log", port=back_port, folder=root / "back")
            front = ExampleServer(root / "front.log", folder=root / "front")
            started += [back.start(), front.start()]
            yield front, back, receiver
        finally:
            for server in started:
                server.stop()
            receiver.stop()
            redis.stop()


def test_one_trace_across_two_services_and_a_task(services):
    front, back, receiver = services
    parent_trace, parent_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    resp = requests.get(f"{front.url}/front/abc", timeout=60,
                        headers={"traceparent": f"00-{parent_trace}-{parent_span}-01", "PymCallID": "call-77"})
    assert resp.status_code == 200, resp.text + front.output() + back.output()

    def complete(spans):
        return any(s["name"].startswith("task ") for s in spans) and \
            sum(1 for s in spans if s["trace_id"] == parent_trace) >= 4

    spans = [s for s in receiver.wait(complete) if s["trace_id"] == parent_trace]
    by = {(s["service"], s["name"]): s for s in spans}
    front_server = by["frontsvc", "GET /front/{x}"]
    client = by["frontsvc", "GET /back/{x}"]
    back_server = by["backsvc", "GET /back/{x}"]
    (task,) = [s for s in spans if s["name"].startswith("task ")]
    assert front_server["parent"] == parent_span  # the caller's traceparent was honoured
    assert client["parent"] == front_server["span_id"]
    assert back_server["parent"] == client["span_id"]  # the client sent traceparent
    assert task["service"] == "backsvc" and task["parent"] == back_server["span_id"]
    assert task["links"] == [back_server["span_id"]]  # linked to the request that fired it
    assert task["name"] == "task back_handlers:remember"
    kinds = {s["kind"] for s in (front_server, client, back_server, task)}
    assert kinds == {2, 3, 5}  # SERVER, CLIENT, CONSUMER in OTLP's numbering
    assert back_server["attributes"]["pymacaron.call_id"].string_value == "call-77"  # PymCallID still carried
    assert back_server["attributes"]["pymacaron.call_path"].string_value == "frontsvc.backsvc"


def test_spans_buffered_at_sigterm_are_exported_before_the_workers_exit(services, tmp_path):
    """The production server (granian, 2 workers), spans held 60 s by the batch processor: SIGTERM exports them."""
    import os
    import signal
    import subprocess

    front, _, receiver = services
    port = free_port()
    env = example_env(OTEL_BSP_SCHEDULE_DELAY="60000")
    log = open(tmp_path / "production.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "pymacaron.serving", str(front.folder), "--port", str(port),
                             "--workers", "2"], cwd=front.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "production.log").read_text()
            time.sleep(0.2)
        trace_id = "5bf92f3577b34da6a3ce929d0e0e4736"
        requests.get(f"http://127.0.0.1:{port}/ping", timeout=10,
                     headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        time.sleep(0.5)
        assert not [s for s in receiver.spans if s["trace_id"] == trace_id]  # still buffered
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(40) == 0
        spans = receiver.wait(lambda spans: any(s["trace_id"] == trace_id for s in spans), timeout=5)
        (span,) = [s for s in spans if s["trace_id"] == trace_id]
        assert (span["service"], span["name"]) == ("frontsvc", "GET /ping")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()

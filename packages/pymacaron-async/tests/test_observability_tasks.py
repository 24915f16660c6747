"""Tasks and observability (inline runs; tests/test_tracing_across_services.py does it through a real
Celery worker): fired/succeeded/failed counters, and the task's span in the trace of the request that
fired it, linked to the span that fired it (real OpenTelemetry SDK, in-memory exporter)."""

import pytest
from async_testing import load_in_process, write_service
from prometheus_client.parser import text_string_to_metric_families

from pymacaron_async import eager_tasks


@pytest.fixture
def svc(tmp_path, monkeypatch):
    from pymacaron.crash import set_synchronous_reporting

    service = write_service(tmp_path, extra_config="metrics: true\ntracing: {exporter: memory}\n")
    service.app = load_in_process(service, monkeypatch)
    set_synchronous_reporting(True)
    return service


def task_counts(app):
    text = app.test_client().get("/metrics").get_data(as_text=True)
    return {(s.labels["task"], s.labels["state"]): s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == "pymacaron_async_tasks_total"}


def test_tasks_fired_succeeded_and_failed_are_counted(svc):
    before = task_counts(svc.app)
    client = svc.app.test_client()
    with eager_tasks():
        assert client.get("/fire/plain?tag=m1").status_code == 200
        assert client.get("/fire/explode?tag=m2").status_code == 200
    after = task_counts(svc.app)
    record, explode = f"{svc.tasks_module}:record", f"{svc.tasks_module}:explode"

    def delta(key):
        return after.get(key, 0) - before.get(key, 0)

    assert (delta((record, "fired")), delta((record, "succeeded")), delta((record, "failed"))) == (1, 1, 0)
    assert (delta((explode, "fired")), delta((explode, "succeeded")), delta((explode, "failed"))) == (1, 0, 1)


def test_the_task_span_is_in_the_request_trace_and_linked_to_it(svc):
    from pymacaron.observability.tracing import memory_exporter

    with eager_tasks():
        assert svc.app.test_client().get("/fire/plain?tag=t1").status_code == 200
    spans = memory_exporter().get_finished_spans()
    (request_span,) = [s for s in spans if s.name == "GET /fire/{what}"]
    (task_span,) = [s for s in spans if s.name.startswith("task ")]
    assert task_span.name == f"task {svc.tasks_module}:record" and task_span.kind.name == "CONSUMER"
    assert task_span.context.trace_id == request_span.context.trace_id
    assert task_span.parent.span_id == request_span.context.span_id
    assert [link.context.span_id for link in task_span.links] == [request_span.context.span_id]

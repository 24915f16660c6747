"""@asynctask: its forms, what it refuses, and what a call puts on the broker (no worker here)."""

import base64
import json
import sys
import types

import pytest
from async_testing import free_port, load_in_process, write_service

from pymacaron_async import AsyncError, AsyncTask, TaskDefinitionError, asynctask


def module_level(x):
    return x


def queued(service):
    """The task messages waiting in the service's embedded broker: [(headers, envelope)]."""
    found = []
    for path in sorted((service.folder / ".pym" / "celery" / "queue").glob("*.msg")):
        message = json.loads(path.read_text())
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"], args[0]))
    return found


@pytest.mark.parametrize("decorate, delay", [
    (lambda f: asynctask(f), 0),
    (lambda f: asynctask()(f), 0),
    (lambda f: asynctask(delay=5)(f), 5),
    (lambda f: asynctask(2.5)(f), 2.5),
])
def test_every_form_of_the_decorator_makes_a_task(decorate, delay):
    task = decorate(module_level)
    assert isinstance(task, AsyncTask)
    assert task.delay == delay and task.func is module_level
    assert task.name == f"{__name__}:module_level"
    assert task.__name__ == "module_level" and task.__wrapped__ is module_level
    assert repr(task) == f"<asynctask {__name__}:module_level delay={delay:g}s>"


@pytest.mark.parametrize("delay", [-1, "5", True, None])
def test_a_bad_delay_is_refused(delay):
    with pytest.raises(TaskDefinitionError, match=r"asynctask\(delay=...\) takes a number of seconds >= 0"):
        asynctask(delay=delay) if delay is not None else asynctask(module_level, delay=[1])


def test_functions_a_worker_cannot_import_are_refused():
    def nested():
        pass

    with pytest.raises(TaskDefinitionError, match=r"decorate a function defined at module level"):
        asynctask(nested)
    with pytest.raises(TaskDefinitionError, match=r"decorate a function defined at module level"):
        asynctask(lambda: None)
    with pytest.raises(TaskDefinitionError, match=r"@asynctask decorates functions"):
        asynctask("not a function")


def test_a_task_of_a_script_is_found_in_the_workers_module_of_that_name(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__file__="/srv/app/server.py"))
    f = types.FunctionType(module_level.__code__, {}, "send_email")
    f.__module__, f.__qualname__ = "__main__", "send_email"
    assert asynctask(f).name == "server:send_email"


@pytest.fixture
def svc(tmp_path, monkeypatch):
    service = write_service(tmp_path)
    service.app = load_in_process(service, monkeypatch)
    service.tasks = __import__(service.tasks_module)
    return service


def test_a_call_in_a_request_queues_the_call_with_its_context_and_returns_none(svc):
    from pymacaron.auth import generate_token

    token = generate_token("alice")
    r = svc.app.test_client().get("/fire/context/auth?tag=c1", headers={
        "Authorization": f"Bearer {token}", "PymCallID": "cid-1", "PymCallPath": "up"})
    assert r.status_code == 200
    [(headers, envelope)] = queued(svc)
    assert envelope["function"] == f"{svc.tasks_module}:record_context" and envelope["args"] == ["c1"]
    ctx = envelope["context"]
    assert ctx["url"] == "http://localhost/fire/context/auth?tag=c1"
    assert (ctx["token"], ctx["call_id"], ctx["call_path"]) == (token, "cid-1", "up.asvc")
    # what Celery logs and shows in events: the function, never the arguments or the token
    assert headers["argsrepr"] == f"{svc.tasks_module}:record_context(...)"
    assert token not in json.dumps(headers)
    assert not (svc.out / "c1.json").exists()


def test_a_call_outside_a_request_keeps_all_its_arguments(svc):
    assert svc.tasks.record("t", 1, "2", {"3": "4"}, [5, 6, 7], k="v") is None
    assert svc.tasks.record.fire("u", 8) is None
    [(_, first), (_, second)] = queued(svc)
    assert first["args"] == ["t", 1, "2", {"3": "4"}, [5, 6, 7]] and first["kwargs"] == {"k": "v"}
    assert first["context"]["url"] is None and first["context"]["token"] is None
    assert second["args"] == ["u", 8]


def test_a_delayed_task_is_queued_with_its_countdown(svc):
    svc.tasks.record_later("d", 0)
    [(headers, envelope)] = queued(svc)
    assert headers["eta"] and envelope["context"]["delay"] == 2


def test_a_bad_argument_fails_the_call_not_the_worker(svc):
    import datetime

    from pymacaron_async import TaskArgumentError

    with pytest.raises(TaskArgumentError, match=r"argument 2 is a datetime.datetime"):
        svc.tasks.record("t", datetime.datetime.now())
    assert queued(svc) == []


def test_an_unreachable_broker_is_a_clear_error(tmp_path, monkeypatch):
    port = free_port()  # nothing listens there
    service = write_service(tmp_path, broker_url=f"redis://127.0.0.1:{port}/0")
    app = load_in_process(service, monkeypatch)
    tasks = __import__(service.tasks_module)
    with pytest.raises(AsyncError, match=rf"cannot send the task {service.tasks_module}:record\(...\) to the "
                                         rf"redis://127.0.0.1:{port}/0: .*is the broker running\?"):
        tasks.record("t")
    body = app.test_client().get("/fire/x?tag=t").get_json()
    assert body["status"] == 500 and "redis://" not in body["error_description"]  # a 500 says nothing internal
    report = service.wait_report("is the broker running?")  # the report says it all
    assert f"redis://127.0.0.1:{port}/0" in report["title"]

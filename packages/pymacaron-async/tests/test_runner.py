"""Running a task message (inline here; test_worker.py does it in real workers): context, failures, refusals."""

import time

import pytest
from async_testing import load_in_process, write_service

from pymacaron_async import eager_tasks
from pymacaron_async.envelope import build_envelope
from pymacaron_async.runner import resolve_task, run_envelope


@pytest.fixture
def svc(tmp_path, monkeypatch):
    from pymacaron.crash import set_synchronous_reporting

    service = write_service(tmp_path)
    service.app = load_in_process(service, monkeypatch)
    set_synchronous_reporting(True)  # reports are written before run_envelope returns
    return service


def token_for(user, **kwargs):
    from pymacaron.auth import generate_token

    return generate_token(user, **kwargs)


def envelope(svc, function, *args, token=None, scheduled_at=None, **kwargs):
    e = build_envelope(f"{svc.tasks_module}:{function}", args, kwargs)
    e["context"].update(token=token, url="http://asvc.example.com/fire/x?tag=t", call_id="cid-7",
                        call_path="public.asvc")
    if scheduled_at is not None:
        e["context"]["scheduled_at"] = scheduled_at
    return e


def test_a_task_runs_with_the_callers_user_call_id_and_call_path(svc):
    token = token_for("alice")
    with eager_tasks():
        r = svc.app.test_client().get("/fire/context/auth?tag=ctx", headers={
            "Authorization": f"Bearer {token}", "PymCallerID": "call-42", "PymCallerPath": "gateway"})
    assert r.status_code == 200, r.get_json()
    seen = svc.result("ctx", timeout=0)
    assert seen["user"] == "alice" and seen["token"] == token
    assert seen["call_id"] == "call-42" and seen["call_path"] == "gateway.asvc"
    assert seen["service"] == "asvc" and seen["in_worker"] is False


def test_outside_a_request_a_task_gets_every_argument_and_its_own_call_id(svc):
    mod = __import__(svc.tasks_module)
    with eager_tasks():
        assert mod.record("plain", 1, "2", {"3": "4"}, [5, 6, 7], kw="x") is None
        mod.record_context("ctx-out")
    assert svc.result("plain", timeout=0)["args"] == [1, "2", {"3": "4"}, [5, 6, 7]]
    assert svc.result("plain", timeout=0)["kwargs"] == {"kw": "x"}
    ctx = svc.result("ctx-out", timeout=0)
    assert ctx["user"] == "" and ctx["call_id"]  # a fresh id: every task is traceable


def test_an_exception_becomes_a_fatal_report_through_the_services_reporter(svc):
    token = token_for("carol")
    assert run_envelope(envelope(svc, "explode", "boom-1", token=token)) is False
    report = svc.wait_report("boom-1", timeout=0)
    assert report["title"].startswith("FATAL BACKEND ERROR asvc explode(): ")
    assert "failed: Boom: task boom-1 exploded on purpose" in report["title"]
    assert '"id": "carol"' in report["message"] and "cid-7" in report["message"]
    assert token not in report["message"]


def test_eager_mode_can_let_exceptions_reach_the_caller(svc):
    mod = __import__(svc.tasks_module)
    with eager_tasks(raise_errors=True), pytest.raises(mod.Boom):
        mod.explode("raised")
    assert svc.reports() == []


def test_a_token_that_expired_in_the_queue_is_accepted_if_valid_when_scheduled(svc):
    issued = time.time() - 3600
    token = token_for("dave", iat=issued, expire_in=60)  # expired for about an hour
    assert run_envelope(envelope(svc, "record_context", "late", token=token, scheduled_at=issued + 30)) is True
    assert svc.result("late", timeout=0)["user"] == "dave"


def test_a_token_already_expired_when_scheduled_is_refused_and_reported(svc):
    token = token_for("eve", iat=time.time() - 3600, expire_in=60)
    assert run_envelope(envelope(svc, "record_context", "refused", token=token)) is False
    assert not (svc.out / "refused.json").exists()
    title = svc.wait_report("refused", timeout=0)["title"]
    assert "was not run: the caller's token was refused" in title and "already expired" in title


def test_a_forged_token_is_refused(svc):
    token = token_for("mallory")[:-4] + "AAAA"
    assert run_envelope(envelope(svc, "record_context", "forged", token=token)) is False
    assert not (svc.out / "forged.json").exists()


def test_only_functions_decorated_with_asynctask_are_run(svc):
    assert run_envelope(envelope(svc, "_write", "x", {})) is False
    assert "is not decorated with @asynctask: the worker only runs tasks" in svc.reports()[-1]["title"]
    assert run_envelope({"function": "os:system", "args": ["true"]}) is False
    assert "os:system is not decorated with @asynctask" in svc.reports()[-1]["title"]


@pytest.mark.parametrize("path, message", [
    ("no_such_module_xyz:f", "the worker cannot import 'no_such_module_xyz'"),
    ("os:no_such_function", "the worker found no 'no_such_function' in os"),
    ("nocolon", "not 'module:function'"),
])
def test_tasks_that_cannot_be_found_say_why(path, message):
    from pymacaron_async import TaskDefinitionError

    with pytest.raises(TaskDefinitionError, match=message):
        resolve_task(path)

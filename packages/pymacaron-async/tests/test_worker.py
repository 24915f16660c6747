"""Real worker processes run the tasks: against a real redis-server, and against the embedded broker.

One worker per broker serves the whole module (each test uses its own tags);
the service's app runs in this process, and its endpoints fire the tasks.
"""

import pytest
from async_testing import load_in_process, start_worker, stop_worker, wait_for, write_service

from pymacaron_async.worker import celery_argv


@pytest.fixture(scope="module")
def redis_worker(redis_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-svc")
    service = write_service(folder, broker_url=redis_server.url)
    sup = start_worker(service, folder / "worker.log")
    service.worker = sup
    yield service
    stop_worker(sup)


@pytest.fixture(scope="module")
def embedded_worker(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded-svc")
    service = write_service(folder)
    sup = start_worker(service, folder / "worker.log")
    service.worker = sup
    yield service
    stop_worker(sup)


@pytest.fixture(params=["redis", "embedded"])
def svc(request, monkeypatch):
    """The service of one of the two workers, loaded in this process too."""
    service = request.getfixturevalue(f"{request.param}_worker")
    service.app = load_in_process(service, monkeypatch)
    return service


def fire(svc, what, tag, user=None, headers=None):
    from pymacaron.auth import generate_token

    headers = dict(headers or {})
    token = None
    if user:
        token = generate_token(user)
        headers["Authorization"] = f"Bearer {token}"
    path = f"/fire/{what}/auth" if user else f"/fire/{what}"
    r = svc.app.test_client().get(f"{path}?tag={tag}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return token


def test_models_nested_in_lists_and_dicts_reach_the_worker_as_models(svc):
    fire(svc, "models", "models")
    seen = svc.result("models", worker=svc.worker)
    assert seen["in_worker"] is True
    first, in_list, in_dict, text, plain_dict, plain_list = seen["args"]
    assert first["model"] == "Item" and first["json"]["child"] == {"name": "kid"}
    assert first["when_type"] == "datetime"  # rebuilt by the model: dates are dates again
    assert in_list[0]["model"] == "Item" and in_list[1] == 3 and in_list[2][0]["json"] == {"name": "c"}
    assert in_dict["d"]["model"] == "Item" and in_dict["n"][1]["e"]["json"] == {"name": "e"}
    assert (text, plain_dict, plain_list) == ("text", {"3": "4"}, [5, 6, 7])
    assert seen["kwargs"]["item_kw"]["json"] == {"name": "kw"} and seen["kwargs"]["plain"] == {"x": [1, 2]}


def test_the_task_runs_as_the_caller_with_its_call_id_and_path(svc):
    token = fire(svc, "context", "ctx", user="alice", headers={"PymCallID": "call-1", "PymCallPath": "gw"})
    seen = svc.result("ctx", worker=svc.worker)
    assert (seen["user"], seen["token"]) == ("alice", token)
    assert (seen["call_id"], seen["call_path"]) == ("call-1", "gw.asvc")
    assert seen["service"] == "asvc" and seen["in_worker"] is True


def test_a_delayed_task_waits_for_its_delay(svc):
    fire(svc, "later", "later")
    assert not (svc.out / "later.json").exists()  # 2 s to go: the call did not wait for it
    seen = svc.result("later", worker=svc.worker)
    assert seen["ran_at"] >= seen["fired_at"] + 2 - 0.05  # Celery's eta, to its clock resolution


def test_a_failing_task_is_reported_as_fatal_and_the_worker_lives_on(svc):
    token = fire(svc, "explode", "boom", user="bob")
    report = svc.wait_report("task boom exploded", worker=svc.worker)
    assert report["title"].startswith("FATAL BACKEND ERROR asvc explode(): async task ")
    assert report["pid"] != svc.worker.pid  # sent from the pool process that ran it
    assert '"id": "bob"' in report["message"] and "Boom: task boom exploded on purpose" in report["message"]
    assert token not in report["message"]
    fire(svc, "x", "after-boom")
    assert svc.result("after-boom", worker=svc.worker)["args"] == ["x"]
    assert svc.worker.restarts == 0


def test_a_pool_process_that_dies_is_replaced(redis_worker, monkeypatch):
    svc = redis_worker
    svc.app = load_in_process(svc, monkeypatch)
    master = svc.worker.pid
    fire(svc, "die", "die")
    # the pool replaces its dead process: every following task still runs
    for i in range(4):
        fire(svc, "x", f"after-die-{i}")
    for i in range(4):
        svc.result(f"after-die-{i}", worker=svc.worker)
    assert svc.worker.pid == master and svc.worker.restarts == 0
    wait_for(lambda: "WorkerLostError" in svc.worker.log_path.read_text(errors="replace"), 10,
             "Celery to log the lost pool process", worker=svc.worker)


def test_the_worker_command_follows_the_process_model():
    argv = celery_argv(concurrency=4, max_memory_kib=204800, level="info")
    assert argv[0] == "worker" and "--concurrency=4" in argv and "--max-memory-per-child=204800" in argv
    assert "--pool=prefork" in argv and "--loglevel=INFO" in argv
    assert not [a for a in celery_argv(2, None) if a.startswith("--max-memory")]


"""pymacaron.front's handler pool and the servers' own Error JSON, in process (the servers: tests/test_attacks.py)."""

import json
import threading
import time

from flask import Flask

from pymacaron.exceptions import HandlerTimeoutError
from pymacaron.front import HandlerPool, Job
from pymacaron.http import CorsPolicy, EXTENSION, standalone_error

WAIT = 10


class Gate:
    """A WSGI-call stand-in that blocks until released, recording what it ran."""

    def __init__(self):
        self.release = threading.Event()
        self.ran = []

    def __call__(self, environ):
        self.ran.append(environ["n"])
        if environ.get("block"):
            self.release.wait(WAIT)
        return "200 OK", [], b"done %d" % environ["n"]


def _wait(job):
    assert job.lock.acquire(timeout=WAIT), "the job was not answered"
    return job.result


def test_a_pool_runs_jobs_and_answers_them():
    gate = Gate()
    pool = HandlerPool("t", 2, gate)
    jobs = [Job({"n": n}) for n in range(5)]
    for job in jobs:
        pool.submit(job)
    assert [_wait(job)[2] for job in jobs] == [b"done %d" % n for n in range(5)]


def test_a_job_expired_while_queued_never_runs():
    gate = Gate()
    pool = HandlerPool("t", 1, gate)
    blocker, queued = Job({"n": 0, "block": True}), Job({"n": 1})
    pool.submit(blocker)
    pool.submit(queued)
    deadline = time.monotonic() + WAIT
    while blocker.state != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert pool.expire(queued) == "queued"  # its caller gets a 504 now
    gate.release.set()
    assert _wait(blocker)[2] == b"done 0"
    time.sleep(0.2)
    assert gate.ran == [0] and queued.state == "expired"


def _stick(pool, job):
    pool.submit(job)
    deadline = time.monotonic() + WAIT
    while job.state != "running":
        assert time.monotonic() < deadline, job.state
        time.sleep(0.01)
    return pool.expire(job)


def test_a_stuck_handler_is_left_behind_and_replaced_within_the_limit():
    gate = Gate()
    pool = HandlerPool("t", 1, gate)
    pool.max_left_behind = 2
    stuck = [Job({"n": n, "block": True}) for n in range(3)]
    assert [_stick(pool, job) for job in stuck[:2]] == ["running", "running"]
    assert [job.replaced for job in stuck[:2]] == [True, True]  # a new thread took each one's place
    after = Job({"n": 8})
    pool.submit(after)
    assert _wait(after)[2] == b"done 8"  # served while two handlers are stuck
    assert _stick(pool, stuck[2]) == "running" and not stuck[2].replaced  # over max_left_behind: not replaced
    assert pool.left_behind == 3
    gate.release.set()  # the stuck handlers return: their answers are dropped (their callers had a 504)
    deadline = time.monotonic() + WAIT
    while pool.left_behind:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert [job.result for job in stuck] == [None] * 3
    last = Job({"n": 9})
    pool.submit(last)
    assert _wait(last)[2] == b"done 9"  # the thread that was not replaced serves again


def test_a_job_done_at_its_deadline_keeps_its_answer():
    pool = HandlerPool("t", 1, Gate())
    job = Job({"n": 4})
    pool.submit(job)
    assert _wait(job)[2] == b"done 4"
    assert pool.expire(job) == "done"


def test_the_servers_own_error_json_has_an_id_the_decorator_and_the_cors_policy():
    app = Flask("front")

    def decorate(body):
        body["user_message"] = "Try again later"
        return body

    app.extensions[EXTENSION] = {"error_decorator": decorate, "cors": CorsPolicy({"https://app.example.com"}, True)}
    status, headers, body = standalone_error(app, HandlerTimeoutError("too slow"), "https://app.example.com")
    data = json.loads(body)
    assert status == 504 and data.pop("error_id")
    assert data == {"status": 504, "error": "HANDLER_TIMEOUT", "error_description": "too slow",
                    "user_message": "Try again later"}
    assert dict(headers) == {"Content-Type": "application/json", "Vary": "Origin",
                             "Access-Control-Allow-Origin": "https://app.example.com",
                             "Access-Control-Allow-Credentials": "true"}
    _, headers, _ = standalone_error(app, HandlerTimeoutError("too slow"), "https://evil.example.com")
    assert dict(headers) == {"Content-Type": "application/json"}

"""Helpers for pymacaron-async's tests: a small service with tasks, a real redis-server, real workers.

``write_service(folder, ...)`` writes a complete service (server.py, apis/, a
tasks module, pym-config.yaml). Its tasks write what they saw (arguments,
user, call id...) as JSON to ``<out>/<tag>.json``; its error reporter appends
each report to ``<out>/reports.jsonl``. Tests fire the tasks through the
service's endpoints (in-process, with Flask's test client) or by calling them,
and a real worker process runs them. Every wait is bounded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

JWT_SECRET = "async-tests-secret-long-enough-for-hs256!"
WORKER_READY_TIMEOUT = 60.0  # importing celery + the service on a loaded 2-core CI machine
TASK_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

SPEC = """\
swagger: '2.0'
info: {title: asvc, version: 1.0.0}
host: localhost
schemes: [http]
produces: [application/json]
paths:
  /fire/{what}:
    get:
      x-bind-server: TASKS.do_fire
      parameters:
        - {in: path, name: what, type: string, required: true}
        - {in: query, name: tag, type: string, required: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
  /fire/{what}/auth:
    get:
      x-bind-server: TASKS.do_fire
      x-decorate-server: pymacaron.auth.requires_auth
      parameters:
        - {in: path, name: what, type: string, required: true}
        - {in: query, name: tag, type: string, required: true}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Ok'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:
  Item:
    type: object
    required: [name]
    properties:
      name: {type: string}
      count: {type: integer}
      when: {type: string, format: date-time}
      tags: {type: array, items: {type: string}}
      child: {$ref: '#/definitions/Item'}
"""

TASKS = '''\
"""Tasks of the test service: each writes what it saw to <out>/<tag>.json."""

import json
import os
import time

from pymacaron.auth import get_user_token, get_userid
from pymacaron.config import get_config
from pymacaron_core.context import get_call_id, get_call_path
from pymacaron_async import asynctask, is_celery_task


def _write(tag, data):
    out = get_config().test_out_dir
    data.update(pid=os.getpid(), in_worker=is_celery_task(), ran_at=time.time())
    tmp = os.path.join(out, ".%s.tmp" % tag)
    with open(tmp, "w") as f:
        json.dump(data, f, default=str)
    os.replace(tmp, os.path.join(out, tag + ".json"))


def _describe(v):
    """Arguments as seen by the task: models become {'model': name, 'json': ...}."""
    if hasattr(v, "get_model_name"):
        return {"model": v.get_model_name(), "json": v.to_json(), "when_type": type(getattr(v, "when", None)).__name__}
    if isinstance(v, list):
        return [_describe(x) for x in v]
    if isinstance(v, dict):
        return {k: _describe(x) for k, x in v.items()}
    return v


@asynctask
def record(tag, *args, **kwargs):
    _write(tag, {"args": _describe(list(args)), "kwargs": _describe(kwargs)})


@asynctask()
def record_context(tag):
    _write(tag, {"user": get_userid(), "token": get_user_token(), "call_id": get_call_id(),
                 "call_path": get_call_path(), "service": get_config().name})


@asynctask(delay=2)
def record_later(tag, fired_at):
    _write(tag, {"fired_at": fired_at})


class Boom(Exception):
    pass


@asynctask
def explode(tag):
    raise Boom("task %s exploded on purpose" % tag)


@asynctask
def die_hard(tag):
    os._exit(9)  # the pool process dies: Celery replaces it


@asynctask
def count_runs(tag, seconds):
    """Appends its pid to <tag>.starts, sleeps, then to <tag>.runs: lost and repeated runs can be counted."""
    out = get_config().test_out_dir
    with open(os.path.join(out, tag + ".starts"), "a") as f:
        f.write("%d\\n" % os.getpid())
    time.sleep(seconds)
    with open(os.path.join(out, tag + ".runs"), "a") as f:
        f.write("%d\\n" % os.getpid())


@asynctask
def sleep_then_record(tag, seconds):
    open(os.path.join(get_config().test_out_dir, tag + ".started"), "w").close()
    time.sleep(seconds)
    _write(tag, {"slept": seconds})


def do_fire(what, tag):
    from pymacaron.models import Item, Ok

    if what == "models":
        item = Item(name="a", count=1, when="2024-05-01T10:00:00+00:00", tags=["x"], child=Item(name="kid"))
        record(tag, item, [Item(name="b"), 3, [Item(name="c")]], {"d": Item(name="d"), "n": [1, {"e": Item(name="e")}]},
               "text", {"3": "4"}, [5, 6, 7], item_kw=Item(name="kw"), plain={"x": [1, 2]})
    elif what == "context":
        record_context.fire(tag)
    elif what == "later":
        record_later(tag, time.time())
    elif what == "explode":
        explode(tag)
    elif what == "die":
        die_hard(tag)
    elif what == "slow":
        sleep_then_record(tag, 0.5)
    else:
        record(tag, what)
    return Ok()
'''

SERVER = '''\
import json
import os

from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def error_reporter(title, message):
    from pymacaron.config import get_config

    with open(os.path.join(get_config().test_out_dir, "reports.jsonl"), "a") as f:
        f.write(json.dumps({"title": title, "message": message, "pid": os.getpid()}) + "\\n")


def start(port=8080, debug=False):
    here = os.path.dirname(os.path.realpath(__file__))
    api = API(app, port=port, debug=debug, error_reporter=error_reporter)
    api.load_apis(os.path.join(here, "apis"))
    api.start(serve="asvc")


letsgo(__name__, callback=start)
'''

CONFIG = """\
name: asvc
live_host: asvc.example.com
jwt_secret: PYM_ASYNC_TEST_JWT_SECRET
jwt_issuer: asvc.example.com
jwt_audience: asvc-clients
env_secrets: [PYM_ASYNC_TEST_JWT_SECRET]
with_async: true
"""


class Service:
    """A test service written to ``folder``."""

    def __init__(self, folder, tasks_module):
        self.folder = Path(folder)
        self.tasks_module = tasks_module
        self.out = self.folder / "out"

    def result(self, tag, timeout=TASK_TIMEOUT, worker=None):
        """What the task tagged ``tag`` wrote (waits at most ``timeout`` s)."""
        path = self.out / f"{tag}.json"
        wait_for(path.exists, timeout, f"task {tag} to write {path}", worker=worker)
        return json.loads(path.read_text())

    def reports(self):
        path = self.out / "reports.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def wait_report(self, text, timeout=TASK_TIMEOUT, worker=None):
        def found():
            return [r for r in self.reports() if text in r["title"]]

        wait_for(lambda: bool(found()), timeout, f"a crash report mentioning {text!r}", worker=worker)
        return found()[0]


def write_service(folder, broker_url=None, extra_config=""):
    """Write the test service to ``folder`` -> :class:`Service`."""
    folder = Path(folder)
    module = f"asvc_tasks_{uuid.uuid4().hex[:8]}"
    (folder / "apis").mkdir(parents=True, exist_ok=True)
    (folder / "out").mkdir(exist_ok=True)
    (folder / "apis" / "asvc.yaml").write_text(SPEC.replace("TASKS", module))
    (folder / f"{module}.py").write_text(TASKS)
    (folder / "server.py").write_text(SERVER)
    config = CONFIG + f"test_out_dir: {folder / 'out'}\n"
    if broker_url:
        config += f"celery_broker_url: {broker_url}\n"
    (folder / "pym-config.yaml").write_text(config + textwrap.dedent(extra_config))
    return Service(folder, module)


def service_env(service, **overrides):
    """The environment of the service's processes."""
    env = dict(os.environ)
    for var in ("PYM_ENV", "PORT", "PYM_SERVER_PORT", "NO_ERROR_REPORTING", "PYM_ASYNC_EAGER"):
        env.pop(var, None)
    env.update(PYM_CONFIG=str(service.folder), PYM_ASYNC_TEST_JWT_SECRET=JWT_SECRET, PYTHONUNBUFFERED="1")
    env.update({k: v for k, v in overrides.items() if v is not None})
    return env


def load_in_process(service, monkeypatch):
    """Build the service's Flask app in this process (as gunicorn would) -> the app."""
    from pymacaron.bootstrap import runtime

    monkeypatch.syspath_prepend(str(service.folder))
    monkeypatch.setenv("PYM_CONFIG", str(service.folder))
    monkeypatch.setenv("PYM_ASYNC_TEST_JWT_SECRET", JWT_SECRET)
    runtime.serve = False
    name = f"asvc_server_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, service.folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def start_worker(service, log_path, concurrency=2, **env):
    """A supervised worker process for ``service`` (ready when this returns)."""
    from pymacaron_async.supervise import Supervisor

    argv = [sys.executable, "-m", "pymacaron_async", "--service-dir", str(service.folder),
            "--concurrency", str(concurrency), "--level", "info"]
    log = open(log_path, "ab")
    sup = Supervisor(argv, env=service_env(service, **env), cwd=str(service.folder), stdout=log,
                     stderr=subprocess.STDOUT, stop_timeout=STOP_TIMEOUT)
    sup.log_path, sup.log_file = Path(log_path), log
    sup.start()
    if not sup.wait_ready(WORKER_READY_TIMEOUT):
        stop_worker(sup)
        raise AssertionError(f"the worker was not ready within {WORKER_READY_TIMEOUT:.0f} s:\n{worker_output(sup)}")
    return sup


def worker_output(sup):
    path = getattr(sup, "log_path", None)
    return path.read_text(errors="replace")[-6000:] if path and path.exists() else "(no output captured)"


def stop_worker(sup):
    code = sup.stop()
    if getattr(sup, "log_file", None):
        sup.log_file.close()
    return code


def wait_for(predicate, timeout, what, worker=None, interval=0.05):
    """Poll ``predicate`` until true; AssertionError (with the worker's output) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            extra = f"\nworker output:\n{worker_output(worker)}" if worker is not None else ""
            raise AssertionError(f"waited {timeout:.0f} s for {what}{extra}")
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_alive(pid):
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def descendants(pid):
    """Pids of every process below ``pid`` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class RedisServer:
    """``redis-server`` on 127.0.0.1, a random port, no persistence, in a temporary folder."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self, timeout=20.0):
        exe = shutil.which("redis-server")
        if exe is None:
            message = "redis-server is not installed: apt-get install -y redis-server (.ci/run installs it)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.log = open(self.folder / "redis.log", "wb")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("redis-server did not answer PING: "
                                     + (self.folder / "redis.log").read_text(errors="replace"))
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        if getattr(self, "log", None):
            self.log.close()

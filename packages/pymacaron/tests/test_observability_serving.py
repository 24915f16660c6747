"""Observability under the production servers (real processes, real HTTP): /metrics summed over
several workers (prometheus_client multiprocess mode), /ready, /metrics on a port of its own, and
a graceful SIGTERM under load that fails no request in flight."""

import glob
import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pym_testing import DEFAULT_CONFIG, DEFAULT_HANDLERS, DEFAULT_SPEC
from serving_testing import ServerProcess, clean_env, free_port, get_json, serving_argv, write_service

SLOW_SPEC = DEFAULT_SPEC.replace("definitions:", """\
  /slow:
    get:
      x-bind-server: HANDLERS.do_slow
      parameters:
        - {in: query, name: ms, type: integer}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Hello'}}
        default: {description: error, schema: {$ref: '#/definitions/Error'}}
definitions:""")

SLOW_HANDLERS = DEFAULT_HANDLERS + """

import os
import time


def do_slow(ms=0):
    time.sleep(ms / 1000)
    return Hello(message="slept in %s" % os.getpid())
"""


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def get(url, timeout=20):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(tmp_path, server, config):
    folder = tmp_path / "svc"
    env = write_service(folder, spec=SLOW_SPEC, handlers=SLOW_HANDLERS, config=DEFAULT_CONFIG + config)
    multiproc = tmp_path / "metrics"
    port = free_port()
    proc = ServerProcess(serving_argv(folder, port, server=server), folder,
                         clean_env(PROMETHEUS_MULTIPROC_DIR=str(multiproc), **env), tmp_path / f"{server}.log")
    return proc, port, multiproc


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_metrics_summed_over_workers_and_sigterm_under_load(tmp_path, server):
    proc, port, multiproc = start(tmp_path, server, "metrics: true\nshutdown_grace: 15\n")
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.wait_answering(f"{base}/ping") == (200, {})
        assert get_json(f"{base}/ready") == (200, {"ready": True})
        pids = set()

        def slow_call():
            status, body = get(f"{base}/slow?ms=300")
            assert status == 200
            pids.add(body)

        for _ in range(3):  # waves of concurrent calls: every worker gets some
            threads = [threading.Thread(target=slow_call) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert len(pids) >= 2, f"one worker answered everything: {pids}"
        for _ in range(3):  # whichever worker answers the scrape, it answers the sum
            found = scrape(f"{base}/metrics")
            assert found[("pymacaron_requests_total",
                          (("method", "GET"), ("operation", "GET /slow"), ("status", "200")))] == 24
            assert found[("pymacaron_request_duration_seconds_count", (("operation", "GET /slow"),))] == 24
            assert found[("pymacaron_requests_in_flight", ())] == 0
        assert len(glob.glob(os.path.join(multiproc, "counter_*.db"))) >= 2

        # SIGTERM while requests are under way: every one of them is answered, the exit status is 0
        results = []
        lock = threading.Lock()

        def in_flight():
            status, _ = get(f"{base}/slow?ms=1500", timeout=30)
            with lock:
                results.append(status)

        threads = [threading.Thread(target=in_flight) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.6)  # all six are inside their handlers
        os.kill(proc.proc.pid, signal.SIGTERM)
        for t in threads:
            t.join(30)
        assert results == [200] * 6, proc.output()
        assert proc.wait_exit(30) == 0, proc.output()
        assert proc.wait_group_gone()
        out = proc.output()
        assert "Traceback" not in out and "refused to gracefully stop" not in out, out
    finally:
        proc.kill()


def test_metrics_on_a_port_of_their_own_with_a_token(tmp_path):
    metrics_port = free_port()
    proc, port, _ = start(tmp_path, "granian", f"metrics: true\nmetrics_port: {metrics_port}\n"
                                               "metrics_token: a-token-of-sixteen-chars\n")
    try:
        assert proc.wait_answering(f"http://127.0.0.1:{port}/ping") == (200, {})
        for _ in range(5):
            assert get(f"http://127.0.0.1:{port}/hello")[0] == 200
        assert get(f"http://127.0.0.1:{port}/metrics")[0] == 404  # not on the service's port
        assert get(f"http://127.0.0.1:{metrics_port}/metrics")[0] == 401
        req = urllib.request.Request(f"http://127.0.0.1:{metrics_port}/metrics",
                                     headers={"Authorization": "Bearer a-token-of-sixteen-chars"})
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for f in text_string_to_metric_families(text) for s in f.samples}
        assert samples[("pymacaron_requests_total",
                        (("method", "GET"), ("operation", "GET /hello"), ("status", "200")))] == 5
    finally:
        proc.kill()


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_a_worker_still_stopping_near_the_end_of_its_grace_logs_where_its_threads_are(tmp_path, server):
    """A handler running past shutdown_grace: before the master kills the worker, it logs every thread's
    stack (the handler's sleep among them), so what held the stop up is known."""
    proc, port, _ = start(tmp_path, server, "shutdown_grace: 3\n")
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.wait_answering(f"{base}/ping") == (200, {})
        def call():
            try:
                get(f"{base}/slow?ms=9000", timeout=30)
            except OSError:  # the worker is killed before it answers
                pass

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        time.sleep(0.6)  # inside its handler
        os.kill(proc.proc.pid, signal.SIGTERM)
        proc.wait_exit(30)
        out = proc.output()
        assert "is still stopping 2 s after SIGTERM; it will be killed at 3 s (shutdown_grace)" in out, out
        logged = out[out.index("is still stopping"):]
        assert "--- thread pymacaron-handler-" in logged and "in do_slow" in logged and "time.sleep(ms / 1000)" in logged, logged
        # then granian's master kills it; gunicorn's worker gives up on its handler and exits by itself
        ended = "refused to gracefully stop" if server == "granian" else "Worker exiting"
        assert ended in logged, out
    finally:
        proc.kill()

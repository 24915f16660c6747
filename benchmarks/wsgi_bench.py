"""Microseconds per request through the WSGI app directly (no sockets)."""

import gc
import io
import statistics
import time

from werkzeug.test import EnvironBuilder

from benchapi import GET_PATH, GET_QUERY, POST_BYTES


def _environ(method):
    if method == "GET":
        return EnvironBuilder(path=GET_PATH, query_string=GET_QUERY, method="GET").get_environ()
    return EnvironBuilder(path="/items", method="POST", data=POST_BYTES,
                          content_type="application/json").get_environ()


def _runner(app, method):
    template = _environ(method)
    expected = 200 if method == "GET" else 201
    status = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    def one():
        env = dict(template)
        if method == "POST":
            env["wsgi.input"] = io.BytesIO(POST_BYTES)
        body = b"".join(app(env, start_response))
        return body

    body = one()
    code = int(status[-1].split()[0])
    if code != expected:
        raise SystemExit(f"{method} on {app.name} answered {status[-1]}: {body[:300]!r}")
    return one


def measure(apps, rounds=7, requests=3000):
    """-> {method: {name: median microseconds}}; apps interleaved per round to share noise."""
    results = {}
    for method in ("GET", "POST"):
        runners = {name: _runner(app, method) for name, app in apps.items()}
        samples = {name: [] for name in apps}
        for run in runners.values():  # warm-up
            for _ in range(500):
                run()
        for _ in range(rounds):
            for name, run in runners.items():
                gc.collect()
                t0 = time.perf_counter()
                for _ in range(requests):
                    run()
                samples[name].append((time.perf_counter() - t0) / requests * 1e6)
        results[method] = {name: statistics.median(v) for name, v in samples.items()}
    return results

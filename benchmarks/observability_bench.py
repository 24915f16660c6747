"""Suite ``observability``: the cost of tracing, metrics and gzip per request.

The bench API written as a user writes it (``benchsvc/``: pymacaron's ``API``, request and
response validation on) is built in process five times, from five pym-configs, and called through
the WSGI app (no sockets) by :func:`wsgi_bench.measure`, rounds interleaved:

- ``off``: no observability key (what every service gets unless it asks);
- ``metrics``: ``metrics: true`` (target: <= 1.10x ``off``, the CPU a request costs);
- ``tracing``: ``tracing: {exporter: memory}`` (the SDK's in-memory exporter: the cost of making
  and ending the spans, not of sending them; reported);
- ``metrics + tracing``: both (reported);
- ``gzip``: ``gzip: true, gzip_min_size: 0``, the client accepting gzip, so that even this small
  body is compressed (reported: the worst case; bodies below the default 1024 bytes are not).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = os.path.join(HERE, "benchsvc")
TARGET_METRICS = 1.10

CONFIGS = {  # built in this order: the tracing ones last (the tracer is per process)
    "off": {},
    "metrics": {"metrics": True},
    "gzip": {"gzip": True, "gzip_min_size": 0},
    "tracing": {"tracing": {"exporter": "memory"}},
    "metrics + tracing": {"metrics": True, "tracing": {"exporter": "memory"}},
}


class _Clearing:
    """The app, clearing the in-memory span exporter every 1000 calls (memory stays flat)."""

    def __init__(self, app, exporter, gzip=False):
        self.app, self.exporter, self.gzip, self.name, self.calls = app, exporter, gzip, app.name, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        if self.exporter is not None and self.calls % 1000 == 0:
            self.exporter.clear()
        if self.gzip:
            environ["HTTP_ACCEPT_ENCODING"] = "gzip"
        return self.app(environ, start_response)


def build(name, extra):
    from flask import Flask

    from pymacaron import API
    from pymacaron.config import load_config

    load_config(data={"name": "bench", "live_host": "bench.example.com", **extra})
    app = Flask(f"bench-{name}")
    api = API(app)
    api.load_apis(os.path.join(SERVICE, "apis"))
    api.start(serve="bench")
    exporter = None
    if "tracing" in extra:
        from pymacaron.observability.tracing import memory_exporter

        exporter = memory_exporter()
    return _Clearing(app, exporter, gzip="gzip" in extra)


def measure(rounds, requests):
    from wsgi_bench import measure as measure_wsgi

    if SERVICE not in sys.path:
        sys.path.insert(0, SERVICE)
    apps = {name: build(name, extra) for name, extra in CONFIGS.items()}
    return measure_wsgi(apps, rounds=rounds, requests=requests)


def report(results):
    ok = True
    print(f"{'':24}{'GET us':>10}{'ratio':>8}{'POST us':>10}{'ratio':>8}")
    for name in CONFIGS:
        row = f"{name:24}"
        for method in ("GET", "POST"):
            us = results[method][name]
            row += f"{us:10.1f}{us / results[method]['off']:8.2f}"
        print(row)
    for method in ("GET", "POST"):
        ratio = results[method]["metrics"] / results[method]["off"]
        verdict = "ok" if ratio <= TARGET_METRICS else "OVER TARGET"
        ok &= ratio <= TARGET_METRICS
        print(f"metrics on, {method}: {ratio:.2f}x the CPU per request with it off (target <= {TARGET_METRICS}x): "
              f"{verdict}")
    return ok

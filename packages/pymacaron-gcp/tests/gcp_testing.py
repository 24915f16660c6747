"""Serving the local fakes of pymacaron-gcp's tests: a WSGI app on 127.0.0.1 (random port) in a thread.

Also the request log every fake keeps (method, path, query, body as sent on the wire), used to look
for secret values, and the "workload" servers that stand for deployed containers (``/ping``).
"""

from __future__ import annotations

import json
import os
import threading

import requests
import yaml
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SERVER_TIMEOUT = 10
SECRET = "jwt-Secret=with=equals&more"  # v1 truncated values holding '=' (SPEC K15)
ACCEPTANCE_TEST = '''import os

import requests


def test_ping():
    host, port = os.environ["PYM_SERVER_HOST"], os.environ["PYM_SERVER_PORT"]
    assert requests.get(f"http://{host}:{port}/ping", timeout=10).status_code == 200
'''


def write_service(folder, **config):
    """A service folder: pym-config.yaml (``config`` over the defaults) and testaccept/test_ping.py."""
    data = {"name": "hello", "docker_repo": "my-project", "live_url": "https://hello.example.com",
            "env_secrets": ["PYM_JWT_SECRET"], "jwt_secret": "PYM_JWT_SECRET"}
    data.update(config)
    data = {k: v for k, v in data.items() if v is not None}
    os.makedirs(os.path.join(folder, "testaccept"), exist_ok=True)
    path = os.path.join(folder, "pym-config.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(data, f)
    with open(os.path.join(folder, "testaccept", "test_ping.py"), "w") as f:
        f.write(ACCEPTANCE_TEST)
    return dict(data, config_path=path)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no access log lines on the tests' stderr
        pass


class LocalServer:
    """``app`` (WSGI) served on 127.0.0.1:<random port> by werkzeug in a daemon thread."""

    def __init__(self, app, name="fake"):
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                                        daemon=True)

    def start(self, probe="/"):
        self._thread.start()
        requests.get(self.url + probe, timeout=SERVER_TIMEOUT)  # answers once serving
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=SERVER_TIMEOUT)
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class RequestLog:
    """Every request a fake received: ``(method, path, query string, body text)``."""

    def __init__(self):
        self.entries = []
        self._lock = threading.Lock()

    def add(self, request):
        body = request.get_data(as_text=True)
        with self._lock:
            self.entries.append((request.method, request.path, request.query_string.decode(), body))

    def text(self):
        """All of it as one string (to search for secret values)."""
        return "\n".join(" ".join(entry) for entry in self.entries)

    def bodies(self, method, path_part):
        return [json.loads(body) for m, path, _, body in self.entries if m == method and path_part in path and body]

    def clear(self):
        with self._lock:
            self.entries.clear()


def workload(healthy=True, version="unknown"):
    """A deployed container's stand-in: ``/ping`` answers ``{}`` (200), or 500 everywhere when not healthy."""

    @Request.application
    def app(request):
        if not healthy:
            return Response(json.dumps({"status": 500, "error": "UNHANDLED_SERVER_ERROR"}), status=500,
                            mimetype="application/json")
        if request.path == "/ping":
            return Response("{}", mimetype="application/json")
        if request.path == "/version":
            return Response(json.dumps({"name": "hello", "version": version, "container": "", "pym_env": ""}),
                            mimetype="application/json")
        return Response(json.dumps({"status": 404, "error": "NOT_FOUND"}), status=404, mimetype="application/json")

    return app


def ping_context(folder, config, version, secrets=None, run_tests=True, env=None, image=""):
    """A DeployContext whose acceptance step is a real ``GET <url>/ping`` (200 passes); it records the URLs.

    The pipeline's own acceptance step (``pymacaron test`` in a subprocess) is used by the CLI tests;
    this one keeps the other tests fast while still checking what the deployed URL answers.
    """
    import io

    from pymacaron.deploy.targets import DeployContext, Progress

    class PingContext(DeployContext):
        tested = []

        def acceptance(self, url, no_ssl_check=True):
            self.tested.append(url)
            if not self.run_tests:
                return True
            try:
                return requests.get(url.rstrip("/") + "/ping", timeout=SERVER_TIMEOUT).status_code == 200
            except requests.RequestException:
                return False

    out = io.StringIO()
    ctx = PingContext(folder=str(folder), config=config, version=version, image=image, env=env, run_tests=run_tests,
                      progress=Progress(stream=out), secrets=dict(secrets or {}))
    ctx.tested = []
    ctx.output = out
    return ctx

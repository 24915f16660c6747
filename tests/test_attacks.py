"""The attack suite: what an attacker or an unlucky operator does to a service, against real servers.

Every case runs against the production server (``python -m pymacaron.serving``: granian,
2 workers, as the Docker image and ``pymacaron run --production`` run it) and the
development server (``python server.py``), serving tests/fixtures/attack_service, whose
limits are short (``handler_timeout: 2``, ``body_timeout: 2``, ``max_body_size: 2 MiB``,
``threads: 4``). One server of each kind serves the module; the cases that stop a server
start their own. Async delivery (workers killed mid-run) is tested in
packages/pymacaron-async/tests/test_delivery.py, against redis-server and Celery.
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import sys
import threading
import time
from urllib.parse import quote

import pytest
import requests
from pymacaron.crash.folding import BURST

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from attack_testing import (  # noqa: E402
    BODY_TIMEOUT,
    GENERIC_500,
    HANDLER_TIMEOUT,
    MAX_BODY_SIZE,
    AttackServer,
    raw_request,
    start_servers,
    strict_json,
    token,
)

KINDS = ("production", "development")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    running = start_servers(*(AttackServer(kind, folder) for kind in KINDS))
    yield dict(zip(KINDS, running, strict=True))
    for server in running:
        server.stop()


@pytest.fixture(params=KINDS)
def server(request, servers):
    return servers[request.param]


def assert_error(r, status, code, *texts):
    """``r`` is the Error JSON of ``status``/``code``, strict JSON, its description holding ``texts``."""
    body = strict_json(r.text if hasattr(r, "text") else r)
    assert r.status_code == status == body["status"], body
    assert body["error"] == code and body["error_id"], body
    for text in texts:
        assert text in body["error_description"], body
    return body


# -- hostile input: a 400 that says what is wrong, never a 500 -----------------------------------------

DEEP_ANY = lambda n: b'{"anything": ' + b"[" * n + b"]" * n + b"}"  # noqa: E731
DEEP_TREE = lambda n: b'{"tree": ' + b'{"child": ' * n + b"{}" + b"}" * n + b"}"  # noqa: E731

HOSTILE_BODIES = [
    ("5000-digit integer", b'{"count": ' + b"7" * 5000 + b"}", "an integer has more than 4300 digits"),
    ("array nested 500 deep", DEEP_ANY(500), "nested too deeply"),
    ("array nested 980 deep", DEEP_ANY(980), "nested too deeply"),
    ("model nested 500 deep", DEEP_TREE(500), "nested too deeply"),
    ("model nested 980 deep", DEEP_TREE(980), "nested too deeply"),
    ("lone surrogate", b'{"text": "\\ud800 alone"}', "lone UTF-16 surrogate"),
    ("lone surrogate, free-form", b'{"anything": {"k": "\\udfff"}}', "lone UTF-16 surrogate"),
    ("NaN", b'{"number": NaN}', "NaN is not a JSON number"),
    ("Infinity", b'{"number": Infinity}', "Infinity is not a JSON number"),
    ("-Infinity", b'{"anything": -Infinity}', "-Infinity is not a JSON number"),
    ("1e400", b'{"number": 1e400}', "too large for a 64-bit float"),
]


@pytest.mark.parametrize("what, body, message", HOSTILE_BODIES, ids=[c[0] for c in HOSTILE_BODIES])
def test_hostile_json_bodies_get_a_400_that_says_why(server, what, body, message):
    r = requests.post(server.url + "/echo", data=body, headers={"Content-Type": "application/json"}, timeout=20)
    assert_error(r, 400, "INVALID_PARAMETER", message)
    assert len(r.text) < 2000, what  # the value is never echoed whole


def test_valid_surrogate_pairs_and_big_but_legal_values_are_echoed(server):
    body = b'{"text": "\\ud83d\\ude00", "count": ' + b"9" * 300 + b', "anything": ' + b"[" * 90 + b"]" * 90 + b"}"
    r = requests.post(server.url + "/echo", data=body, headers={"Content-Type": "application/json"}, timeout=20)
    assert r.status_code == 200, r.text
    echoed = strict_json(r.text)
    assert echoed["text"] == "\U0001F600" and echoed["count"] == int("9" * 300)


def test_hostile_query_values_get_a_400_that_says_why(server):
    r = requests.get(server.url + "/count?n=" + "7" * 5000, timeout=20)
    assert_error(r, 400, "INVALID_PARAMETER", "an integer of 5000 digits is longer than this server accepts")
    r = requests.get(server.url + "/count?n=1&n=2", timeout=20)  # "first value wins" no more
    assert_error(r, 400, "INVALID_PARAMETER", "'n' is given 2 times, but it is not an array")
    r = requests.get(server.url + "/count?n=NaN", timeout=20)
    assert_error(r, 400, "INVALID_PARAMETER", "is not of type 'integer'")


def test_huge_values_are_never_echoed_whole(server):
    huge = "A" * 1_000_000
    r = requests.post(server.url + "/echo", json={"text": huge}, timeout=30)
    body = assert_error(r, 400, "INVALID_PARAMETER", "is too long (maxLength 1000)", "characters cut")
    assert len(r.text) < 2000 and body["errors"][0]["location"] == "body.text"
    r = requests.get(server.url + "/count?n=" + "x" * 60_000, timeout=30)  # within the 64 KiB request line
    assert_error(r, 400, "INVALID_PARAMETER", "characters cut")
    assert len(r.text) < 2000
    r = requests.get(server.url + "/" + "y" * 60_000, timeout=30)
    assert_error(r, 404, "NOT_FOUND", "No route for GET /yyy", "characters cut")
    assert len(r.text) < 2000


def test_a_request_line_over_64_kib_is_refused(server):
    """Answered by the HTTP layer before any app: in JSON by the development server, without a body by
    granian (the README's production section says so)."""
    r = requests.get(server.url + "/count?n=" + "x" * 70_000, timeout=30)
    assert r.status_code == 414
    if not server.production:
        assert_error(r, 414, "REQUEST_URI_TOO_LONG")


def test_no_hostile_input_reached_a_500(server):
    """Everything above answered 400s: no FATAL report names /echo or /count."""
    for _, body, _ in HOSTILE_BODIES[:3]:
        requests.post(server.url + "/echo", data=body, headers={"Content-Type": "application/json"}, timeout=20)
    time.sleep(0.5)
    assert not [r["title"] for r in server.reports() if "/echo" in r["message"] or "/count" in r["message"]]


# -- 500s say nothing internal ---------------------------------------------------------------------------


def test_a_500_says_nothing_internal_and_its_report_says_everything(server):
    r = requests.get(server.url + "/die?where=attack-500", timeout=20)
    body = assert_error(r, 500, "UNHANDLED_SERVER_ERROR", GENERIC_500)
    assert "/srv/attack" not in r.text and "RuntimeError" not in r.text and "attack_handlers" not in r.text
    report = server.wait_report(body["error_id"])
    assert "cannot open /srv/attack/db.sqlite at attack-500" in report["title"]
    assert "attack_handlers.py" in report["message"]  # the trace


# -- limits -----------------------------------------------------------------------------------------------


def test_a_chunked_body_over_max_body_size_is_a_413(server):
    chunk = b"x" * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY_SIZE // len(chunk) + 8))
    request = (b"POST /echo HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    status, headers, body, _ = raw_request(server.port, request)
    assert status == 413, body[:300]
    assert strict_json(body)["error"] == "REQUEST_TOO_LARGE"


def test_content_length_with_transfer_encoding_smuggles_nothing(server):
    """Both framings at once: refused (development), or decoded as chunked and the connection closed
    (production: hyper drops the Content-Length); the request hidden in the body never runs."""
    hidden = b"GET /die?where=smuggled HTTP/1.1\r\nHost: attack\r\n\r\n"
    body = b"0\r\n\r\n" + hidden
    request = (b"POST /echo HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    status, headers, answer, closed = raw_request(server.port, request, read_all=True)
    assert status == 400, answer
    error = strict_json(answer.split(b"\r\n\r\n")[0] if answer.startswith(b"{") else answer)
    assert error["error"] == ("INVALID_PARAMETER" if server.production else "MALFORMED_REQUEST")
    assert answer.count(b"HTTP/1.1") == 0 and closed  # one answer, then the connection is closed
    time.sleep(0.5)
    assert not [r for r in server.reports() if "smuggled" in r["title"]]


# -- slow clients cannot take it offline ------------------------------------------------------------------


def _slow_body(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000000\r\n\r\n{")
    return s


def test_a_body_too_slow_gets_a_408_and_the_connection_is_closed(server):
    s = _slow_body(server.port)
    t0 = time.monotonic()
    elapsed = None
    try:
        answer = b""
        while True:
            if elapsed is None:
                try:
                    s.sendall(b" ")  # one byte a second: never done
                except OSError:
                    pass
            s.settimeout(1.0)
            try:
                data = s.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                break  # closed
            answer += data
            if elapsed is None and b"\r\n\r\n" in answer:
                elapsed = time.monotonic() - t0
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert BODY_TIMEOUT - 0.5 < elapsed < BODY_TIMEOUT + 4, elapsed
    assert b"REQUEST_TIMEOUT" in answer  # the Error JSON, then the connection was closed


def test_a_hung_handler_gets_a_504_and_a_report_showing_where_it_hangs(server):
    t0 = time.monotonic()
    r = requests.get(server.url + "/hang?seconds=6", timeout=20)
    elapsed = time.monotonic() - t0
    body = assert_error(r, 504, "HANDLER_TIMEOUT", f"did not answer within {HANDLER_TIMEOUT} seconds")
    assert HANDLER_TIMEOUT - 0.5 < elapsed < HANDLER_TIMEOUT + 3, elapsed
    report = server.wait_report(body["error_id"])
    assert report["title"].startswith("FATAL BACKEND ERROR attack 504 HANDLER_TIMEOUT: GET /hang: the handler exceeded")
    assert "attack_handlers.py" in report["message"] and "time.sleep(seconds)" in report["message"]  # its stack


def test_ping_answers_while_slow_bodies_and_hung_handlers_are_held(server):
    """64 connections sending a body one byte at a time and 32 handlers hanging: /ping still answers."""
    slow = [_slow_body(server.port) for _ in range(64)]
    hung = []

    def hang():
        try:  # stuck past handler_timeout, then done: nothing left behind for the next tests
            hung.append(requests.get(server.url + "/hang?seconds=3", timeout=30).status_code)
        except requests.RequestException as e:
            hung.append(repr(e))

    threads = [threading.Thread(target=hang) for _ in range(32)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.8)  # every hang under way, every slow body started, all held
        latencies = []
        for _ in range(3):
            t0 = time.monotonic()
            r = requests.get(server.url + "/ping", timeout=10)  # a bound for the test, not a speed target
            latencies.append(time.monotonic() - t0)
            assert r.status_code == 200 and strict_json(r.text) == {}
            for s in slow:
                try:
                    s.sendall(b" ")
                except OSError:
                    pass
        print(f"{server.kind}: /ping answered in {', '.join(f'{x * 1000:.0f} ms' for x in latencies)} "
              "with 64 slow bodies and 32 hung handlers held")
    finally:
        for t in threads:
            t.join(30)
        for s in slow:
            s.close()
    assert hung == [504] * 32  # each hung caller got its answer at handler_timeout


# -- a dead worker is replaced ---------------------------------------------------------------------------


def test_a_killed_worker_is_replaced_and_only_its_requests_fail(servers):
    """SIGKILL of a production worker under load (an out-of-memory kill): failures are bounded by the
    requests it had in flight, and a new worker serves; a second kill soon after too."""
    server = servers["production"]
    clients = 8
    outcome = collections.Counter()
    failures = []
    pids = collections.Counter()
    stop = threading.Event()

    def client():  # a new connection per request, as a load balancer spreads them
        while not stop.is_set():
            try:
                r = requests.get(server.url + "/pid", timeout=10, headers={"Connection": "close"})
                r.raise_for_status()
                pids[strict_json(r.text)["count"]] += 1
                outcome["ok"] += 1
            except (requests.RequestException, ValueError, KeyError):
                outcome["failed"] += 1
                failures.append(time.monotonic())

    deadline = time.monotonic() + 60  # handlers other tests left hanging are done
    while requests.get(server.url + "/pid", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, server.output()[-3000:]
        time.sleep(0.2)
    workers = server.worker_pids()
    assert len(workers) == 2, workers
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        for round_ in range(2):  # granian alone stopped the whole server at the second kill
            time.sleep(1.0)
            victim = server.worker_pids()[0]
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while not (len(server.worker_pids()) == 2 and victim not in server.worker_pids()):
                assert time.monotonic() < deadline, server.output()[-3000:]
                time.sleep(0.1)
            replaced_at = time.monotonic()
            new = [p for p in server.worker_pids() if p not in workers]
            while not any(pids[p] for p in new):
                assert time.monotonic() < deadline, server.output()[-3000:]
                time.sleep(0.05)
            print(f"kill {round_ + 1}: worker {victim} replaced by {new} in {replaced_at - killed_at:.1f} s, "
                  f"serving {time.monotonic() - killed_at:.1f} s after the kill; failures so far: {outcome['failed']}")
            assert [t for t in failures if t >= killed_at + 2.0] == []  # failures only around the kill
            workers = server.worker_pids()
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert server.proc.poll() is None, server.output()[-3000:]
    assert outcome["failed"] <= 2 * clients, outcome  # at most the requests in flight, per kill
    assert outcome["ok"] > 0 and requests.get(server.url + "/ping", timeout=10).status_code == 200


# -- crash reports are delivered at shutdown, and identical ones folded -----------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_queued_reports_are_delivered_at_shutdown_and_a_flood_is_folded(tmp_path, kind):
    """40 identical 500s and one other, a slow reporter, then SIGTERM at once: per process serving them,
    the first 500s are reported and the others counted in one summary; with the other 500, none is lost
    (and the production server answers the request under way before it stops)."""
    server = AttackServer(kind, tmp_path, reporter_delay=0.5).launch().wait_ready()
    try:
        for _ in range(40):
            assert requests.get(server.url + "/die?where=flood", timeout=20).status_code == 500
        other = requests.post(server.url + "/login", json={"user": "bob", "password": "pw-in-the-flood"}, timeout=20)
        assert other.status_code == 500
        under_way = []
        caller = threading.Thread(target=lambda: under_way.append(
            requests.get(server.url + "/hang?seconds=0.8", timeout=20).status_code))  # not a slow call
        caller.start()
        time.sleep(0.4)
        assert server.terminate() in (0, 143)  # 143: the development server, ended by SIGTERM as by Ctrl-C
        caller.join(20)
        if server.production:
            assert under_way == [200]  # the request under way at SIGTERM was answered
    finally:
        server.stop()
    reports = server.reports()
    titles = [r["title"] for r in reports]
    floods = [r for r in reports if "at flood" in r["title"] and "folded" not in r["title"]]
    summaries = [strict_json(r["message"]) for r in reports if "folded" in r["title"]]
    processes = {r["pid"] for r in floods}
    assert 1 <= len(processes) <= (2 if server.production else 1), titles
    assert len(floods) <= BURST * len(processes), titles  # the first ones of each process
    assert len(summaries) <= len(processes) and sum(s["folded_count"] for s in summaries) + len(floods) == 40
    assert sum("login failed for bob" in t for t in titles) == 1
    assert len(reports) == len(floods) + len(summaries) + 1, titles
    assert "pw-in-the-flood" not in "".join(titles) + "".join(r["message"] for r in reports)


# -- secrets stay masked ----------------------------------------------------------------------------------


def test_a_password_in_a_body_over_the_scan_limit_stays_masked(server):
    password = f"pw-{server.kind}-in-a-1.1-MB-body"
    padding = "p" * 1_100_000
    r = requests.post(server.url + "/login", json={"user": "eve", "password": password, "padding": padding},
                      timeout=30)
    body = assert_error(r, 500, "UNHANDLED_SERVER_ERROR", GENERIC_500)
    report = server.wait_report(body["error_id"])
    assert "login failed for eve with ****" in report["title"]
    time.sleep(0.3)
    assert password not in report["title"] + report["message"]
    assert password not in server.output()


# -- CSRF, CORS, JWT --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type, extra, status", [
    ("text/plain", {}, 403),  # what a form or an image on another site makes a browser send
    ("application/x-www-form-urlencoded", {}, 403),
    ("application/json", {}, 200),  # another site cannot send that without the service's CORS consent
    ("text/plain", {"X-Requested-With": "fetch"}, 200),
])
def test_a_cookie_token_counts_only_on_requests_no_other_site_can_forge(server, content_type, extra, status):
    headers = {"Content-Type": content_type, "Cookie": "token=" + quote(f"Bearer {token()}"), **extra}
    r = requests.post(server.url + "/notes", data="{}", headers=headers, timeout=20)
    if status == 403:
        assert_error(r, 403, "COOKIE_AUTH_REFUSED", "X-Requested-With")
    else:
        assert r.status_code == 200 and strict_json(r.text) == {"text": "noted for alice"}


def test_an_unencoded_token_cookie_is_read(server):
    r = requests.post(server.url + "/notes", data="{}", timeout=20,
                      headers={"Content-Type": "application/json", "Cookie": f"token=Bearer {token()}"})
    assert r.status_code == 200 and strict_json(r.text) == {"text": "noted for alice"}


def test_cors_never_echoes_an_origin_nor_allows_credentials(server):
    for method in ("GET", "OPTIONS"):
        r = requests.request(method, server.url + "/ping", timeout=20, headers={
            "Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"})
        assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
        assert "Access-Control-Allow-Credentials" not in r.headers


@pytest.mark.parametrize("claims, message", [
    ({"exp": "9999999999"}, "the token's 'exp' claim must be a number (seconds since 1970), got a string"),
    ({"nbf": "soon"}, "the token's 'nbf' claim must be a number"),
    ({"sub": 42}, "the token's 'sub' claim (the user id) must be a string, got an integer"),
])
def test_token_claims_of_the_wrong_type_say_so(server, claims, message):
    r = requests.post(server.url + "/notes", json={}, timeout=20,
                      headers={"Authorization": f"Bearer {token(**claims)}"})
    assert_error(r, 401, "TOKEN_INVALID", message)

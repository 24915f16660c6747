"""examples/helloworld, run as users run it: ``python server.py --port <port>`` in its folder.

Every endpoint is called over real HTTP; the example's own unit tests run with pytest in a
subprocess; the snippets of the root README's "Writing a service" section are checked against
the example's files, and its console session is executed.
"""

import os
import re
import shutil
import sys
from urllib.parse import quote

import pytest
import requests
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import (  # noqa: E402
    EXAMPLE_DIR,
    ROOT,
    ExampleServer,
    console_job,
    console_outputs,
    console_steps,
    fenced_blocks,
    free_port,
    is_subtree,
    new_secret,
    python_job,
    readme_section,
)

TIMEOUT = 10  # seconds, for each HTTP call


SNIPPETS = fenced_blocks(readme_section())
CONSOLE = [body for marker, _, body in SNIPPETS if marker == "console"]
UNIT_TEST_COMMAND = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]  # `python -m pytest`, as the README says
JOB_TIMEOUT = 300


@pytest.fixture(scope="module", autouse=True)
def jobs(tmp_path_factory):
    """The slow independent checks, started together before the first test (see helloworld_testing.Job)."""
    tmp = tmp_path_factory.mktemp("helloworld-jobs")
    started = {
        "unit tests": python_job(UNIT_TEST_COMMAND, PYM_JWT_SECRET=None),
        "no secret": python_job(["server.py", "--port", str(free_port())], PYM_JWT_SECRET=None),
    }
    if CONSOLE and shutil.which("curl"):
        started["readme"] = console_job(CONSOLE[0], str(free_port()), tmp / "readme-server.log")
    yield started
    for job in started.values():
        job.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ExampleServer(tmp_path_factory.mktemp("helloworld") / "server.log")
    srv.start()
    yield srv
    srv.stop()
    assert not srv.killed, "the example did not stop on SIGTERM within the time limit (it was killed)"


def make_token(secret, user_id="example-test", **kwargs):
    """A token from pymacaron.auth.generate_token, with the example's pym-config.yaml and ``secret``."""
    from pymacaron.auth import generate_token
    from pymacaron.config import load_config, reset_config

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYM_JWT_SECRET", secret)
        mp.delenv("PYM_ENV", raising=False)
        try:
            load_config(path=str(EXAMPLE_DIR))
            return generate_token(user_id, **kwargs)
        finally:
            reset_config()


@pytest.fixture(scope="module")
def token(server):
    return make_token(server.secret)


def get(server, path, **kwargs):
    return requests.get(server.url + path, timeout=TIMEOUT, **kwargs)


def post(server, path, **kwargs):
    return requests.post(server.url + path, timeout=TIMEOUT, **kwargs)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == status
    assert body["error"] == code
    assert body["error_description"]
    assert body["error_id"]
    return body


# -- the endpoints ---------------------------------------------------------------------------


def test_hello(server):
    r = get(server, "/hello")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"message": "Hello world!"}


def test_hello_with_auth_without_token(server):
    assert_error(get(server, "/hello/with/auth"), 401, "AUTHORIZATION_HEADER_MISSING")


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Bearer1234567890", "bearer foo bar", "Basic abc"])
def test_hello_with_auth_malformed_token(server, header):
    assert_error(get(server, "/hello/with/auth", headers={"Authorization": header}), 401, "TOKEN_INVALID")


def test_hello_with_auth_token_signed_with_another_secret(server):
    forged = make_token(new_secret())
    assert_error(get(server, "/hello/with/auth", headers=bearer(forged)), 401, "TOKEN_INVALID")


def test_hello_with_auth_expired_token(server):
    expired = make_token(server.secret, expire_in=-3600)
    assert_error(get(server, "/hello/with/auth", headers=bearer(expired)), 401, "TOKEN_EXPIRED")


def test_hello_with_auth(server, token):
    r = get(server, "/hello/with/auth", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Hello world!"}


def test_hello_with_auth_token_in_cookie(server, token):
    # the cookie holds "Bearer <token>" URL-quoted: recent werkzeug drops unquoted values with a space
    r = get(server, "/hello/with/auth", cookies={"token": quote(f"Bearer {token}")})
    assert r.status_code == 200, r.text


def test_hello_with_inheritance(server, token):
    r = post(server, "/hello/with/inheritance", json={"question": "hello?"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "You said: hello?"}


def test_hello_with_inheritance_uses_the_parent_class_method(server, token):
    # helloworld.models.Question.asked() strips the question: only the mixin's code does that
    r = post(server, "/hello/with/inheritance", json={"question": "  why?\n"}, headers=bearer(token))
    assert r.json() == {"message": "You said: why?"}


def test_hello_with_inheritance_without_token(server):
    assert_error(post(server, "/hello/with/inheritance", json={"question": "hello?"}), 401,
                 "AUTHORIZATION_HEADER_MISSING")


@pytest.mark.parametrize("body", [{}, {"question": 42}, {"question": ""}])
def test_hello_with_inheritance_invalid_body(server, token, body):
    error = assert_error(post(server, "/hello/with/inheritance", json=body, headers=bearer(token)), 400,
                         "INVALID_PARAMETER")
    assert "question" in error["error_description"]


def test_die_answers_500_and_reports_the_crash(server):
    error = assert_error(get(server, "/die"), 500, "UNHANDLED_SERVER_ERROR")
    assert "asked to die" not in error["error_description"]  # a 500 says nothing internal...
    # ...server.py's error_reporter logs the report: its title line, then the JSON report with the same error_id
    out = server.wait_for_output(error["error_id"])
    title = "CRASH REPORT: FATAL BACKEND ERROR helloworld 500 UNHANDLED_SERVER_ERROR: helloworld.api.do_die()"
    assert title in out and "I was asked to die (GET /die crashes on purpose)" in out
    assert out.index(title) < out.rindex(error["error_id"])


def test_version(server):
    r = get(server, "/version")
    assert r.status_code == 200
    version = r.json()
    assert version["name"] == "helloworld"
    assert version["version"] == "1.0.0"  # info.version of apis/helloworld.yaml
    assert isinstance(version["container"], str) and isinstance(version["pym_env"], str)


def test_ping(server):
    r = get(server, "/ping")
    assert r.status_code == 200 and r.json() == {}


def test_auth_version(server, token):
    assert_error(get(server, "/auth/version"), 401, "AUTHORIZATION_HEADER_MISSING")
    r = get(server, "/auth/version", headers=bearer(token))
    assert r.status_code == 200
    assert r.json()["name"] == "helloworld"


def test_unknown_route_is_a_json_404(server):
    body = assert_error(get(server, "/no/such/route"), 404, "NOT_FOUND")
    assert "/no/such/route" in body["error_description"]


def test_wrong_method_is_a_json_405(server):
    assert_error(post(server, "/hello", json={}), 405, "METHOD_NOT_ALLOWED")


def test_cors(server):
    r = get(server, "/hello", headers={"Origin": "https://app.example.org"})
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example.org")


def test_docs_page(server):
    r = get(server, "/doc/helloworld")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "helloworld" in r.text


def test_secrets_never_reach_the_output(server, token):
    get(server, "/hello/with/auth", headers=bearer(token))
    get(server, "/die")
    out = server.wait_for_output("CRASH REPORT")
    assert server.secret not in out
    assert token not in out


# -- start-up -----------------------------------------------------------------------------------


def test_refuses_to_start_without_its_jwt_secret(jobs):
    r = jobs["no secret"].result(JOB_TIMEOUT)
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert "PYM_JWT_SECRET" in out
    assert "Traceback" not in out


# -- the example's own tests --------------------------------------------------------------------


def test_the_example_unit_tests_pass(jobs):
    """`python -m pytest` in examples/helloworld (the command the README gives)."""
    r = jobs["unit tests"].result(JOB_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\b\d+ passed\b", r.stdout), r.stdout
    assert " failed" not in r.stdout


def test_the_acceptance_tests_are_valid_python():
    files = sorted((EXAMPLE_DIR / "testaccept").glob("test_*.py"))
    assert {f.name for f in files} >= {"test_builtins.py", "test_hello.py", "test_auth.py", "test_inheritance.py"}
    for f in files:
        source = f.read_text(encoding="utf-8")
        compile(source, str(f), "exec")
        assert "from pymacaron.test import PyMacaronTestCase" in source


# -- the root README's "Writing a service" section ----------------------------------------------

def test_every_readme_snippet_is_checked():
    assert SNIPPETS, "no code snippet found in the README's 'Writing a service' section"
    unmarked = [body for marker, _, body in SNIPPETS if marker is None]
    assert not unmarked, f"snippets without a '<!-- snippet: ... -->' marker (so untested): {unmarked}"
    kinds = {marker.split()[0] for marker, _, _ in SNIPPETS}
    assert kinds <= {"tree", "yaml", "python", "console"}, kinds


def _snippets(kind):
    found = []
    for n, (marker, _, body) in enumerate(SNIPPETS):
        if marker.split()[0] == kind:
            path = marker.split(None, 1)[1] if " " in marker else ""
            found.append(pytest.param(path, body, id=f"{n}:{path}"))
    assert found, f"the README's 'Writing a service' section has no {kind} snippet any more: update this test"
    return found


@pytest.mark.parametrize("path,body", _snippets("tree"))
def test_readme_tree_lists_the_example_files(path, body):
    for line in body.splitlines():
        name = line.split()[0]
        assert (ROOT / path / name).exists(), f"the README lists {name}, missing from {path}"


@pytest.mark.parametrize("path,body", _snippets("yaml"))
def test_readme_yaml_is_part_of_the_example(path, body):
    snippet = yaml.safe_load(body)
    whole = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    assert is_subtree(snippet, whole), f"this README snippet does not match {path}:\n{body}"


@pytest.mark.parametrize("path,body", _snippets("python"))
def test_readme_python_is_verbatim_from_the_example(path, body):
    source = (ROOT / path).read_text(encoding="utf-8")
    assert body in source, f"this README snippet is not (any more) in {path}:\n{body}"


def test_readme_console_session_runs(jobs):
    """The session runs in bash (port 8080 replaced by a free one); every output shown matches."""
    assert len(CONSOLE) == 1, "expected one console session in the README section"
    if "readme" not in jobs:
        pytest.skip("curl is not installed (CI installs it: a skip fails there)")
    steps = console_steps(CONSOLE[0])
    assert any(cmd.startswith("python server.py --port 8080") for cmd, _ in steps)
    job = jobs["readme"]
    r = job.result(JOB_TIMEOUT)
    logs = job.server_log.read_text(errors="replace") if job.server_log.exists() else ""
    assert r.returncode == 0, f"the README session failed:\n{r.stdout}\n{r.stderr}\nserver:\n{logs}"
    outputs = console_outputs(r.stdout)
    assert len(outputs) == len(steps), r.stdout
    for (cmd, expected), actual in zip(steps, outputs, strict=True):
        assert actual.strip() == "\n".join(expected).strip(), f"`{cmd}` printed {actual!r}, the README shows {expected}"


def test_readme_unit_test_command_is_the_one_tested():
    assert "`python -m pytest` in `examples/helloworld`" in readme_section()

"""examples/bookshop (an OpenAPI 3.1 service), run as users run it: ``python server.py --port <port>``.

Its endpoints are called over real HTTP (served prefix, JWT bearer, discriminated oneOf,
readOnly/writeOnly, the currency cookie, the docs page); its own unit tests run with pytest in a
subprocess; its acceptance tests and the fuzzing of its spec run as ``nox -s acceptance`` runs
them (``pymacaron test --local --gen-token --fuzz``, in a copy of the example).
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import ROOT, ExampleServer, Job, example_env, free_port, new_secret  # noqa: E402

BOOKSHOP_DIR = ROOT / "examples" / "bookshop"
TIMEOUT = 10  # seconds, for each HTTP call
JOB_TIMEOUT = 400
EBOOK = {"kind": "ebook", "title": "Neuromancer", "price_cents": 800, "megabytes": 1.5}


def pymacaron_command():
    script = Path(sys.executable).parent / "pymacaron"
    return [str(script)] if script.exists() else [sys.executable, "-c", "import sys; from pymacaron.cli import main; "
                                                                         "sys.exit(main())"]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """The slow independent checks, started together (see helloworld_testing.Job)."""
    copy = tmp_path_factory.mktemp("bookshop-accept") / "bookshop"
    shutil.copytree(BOOKSHOP_DIR, copy, ignore=shutil.ignore_patterns(".pytest_cache", ".pym", "__pycache__"))
    secret = new_secret()
    started = {
        "unit tests": Job([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=BOOKSHOP_DIR,
                          env=example_env(PYM_JWT_SECRET=None)),
        "no secret": Job([sys.executable, "server.py", "--port", str(free_port())], cwd=BOOKSHOP_DIR,
                         env=example_env(PYM_JWT_SECRET=None)),
        # as `nox -s acceptance` runs it, with fewer fuzzing cases per operation (a suite-time budget)
        "acceptance": Job([*pymacaron_command(), "test", "--local", "--port", "0", "--gen-token", "--fuzz",
                           "--fuzz-max-examples", "20"], cwd=copy, env=example_env(PYM_JWT_SECRET=secret)),
    }
    started["acceptance"].secret = secret
    yield started
    for job in started.values():
        job.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory, jobs):
    srv = ExampleServer(tmp_path_factory.mktemp("bookshop") / "server.log", folder=BOOKSHOP_DIR)
    srv.start()
    yield srv
    srv.stop()
    assert not srv.killed, "the example did not stop on SIGTERM within the time limit (it was killed)"


@pytest.fixture(scope="module")
def token(server):
    from pymacaron.auth import generate_token
    from pymacaron.config import load_config, reset_config

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYM_JWT_SECRET", server.secret)
        mp.delenv("PYM_ENV", raising=False)
        try:
            load_config(path=str(BOOKSHOP_DIR))
            return generate_token("example-test")
        finally:
            reset_config()


def call(server, method, path, **kwargs):
    return requests.request(method, server.url + path, timeout=TIMEOUT, **kwargs)


def add(server, token, item):
    r = call(server, "POST", "/v1/items", json=item, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return r.json()


# -- the endpoints, over HTTP ---------------------------------------------------------------------


def test_served_under_the_first_server_urls_path_only(server):
    assert call(server, "GET", "/v1/items").status_code == 200
    r = call(server, "GET", "/items")
    assert r.status_code == 404 and r.json()["error"] == "NOT_FOUND"


def test_adding_an_item_needs_a_valid_jwt(server):
    r = call(server, "POST", "/v1/items", json=EBOOK)
    assert r.status_code == 401 and r.json()["error"] == "AUTHORIZATION_HEADER_MISSING"
    r = call(server, "POST", "/v1/items", json=EBOOK, headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401 and r.json()["error"] == "TOKEN_INVALID"


def test_the_discriminator_and_read_only_write_only(server, token):
    book = add(server, token, {"kind": "book", "title": "Dune", "price_cents": 1000, "supplier_note": "n"})
    ebook = add(server, token, EBOOK)
    assert book == {"kind": "book", "id": book["id"], "title": "Dune", "price_cents": 1000, "currency": "EUR",
                    "subtitle": None}  # no supplier_note (writeOnly); subtitle null (type [string, 'null'])
    assert ebook["megabytes"] == 1.5 and "subtitle" not in ebook
    assert call(server, "GET", f"/v1/items/{ebook['id']}").json() == ebook
    headers = {"Authorization": f"Bearer {token}"}
    r = call(server, "POST", "/v1/items", json={**EBOOK, "id": 1}, headers=headers)
    assert r.status_code == 400 and r.json()["errors"][0]["rule"] == "readOnly"
    r = call(server, "POST", "/v1/items", json={**EBOOK, "kind": "cd"}, headers=headers)
    assert r.status_code == 400 and r.json()["errors"][0]["location"] == "body.kind"
    # Ebook = allOf [ItemFields] + its own fields, unevaluatedProperties: false: a book's 'pages' is refused
    r = call(server, "POST", "/v1/items", json={**EBOOK, "pages": 3}, headers=headers)
    assert r.status_code == 400 and [(e["location"], e["rule"]) for e in r.json()["errors"]] == [
        ("body.pages", "unevaluatedProperties")]


def test_the_currency_cookie(server, token):
    item = add(server, token, {"kind": "book", "title": "Cheap", "price_cents": 400})
    r = call(server, "GET", f"/v1/items/{item['id']}", cookies={"currency": "USD"})
    assert (r.json()["price_cents"], r.json()["currency"]) == (500, "USD")
    listed = call(server, "GET", "/v1/items?kind=book", cookies={"currency": "USD"}).json()["items"]
    assert listed and {i["currency"] for i in listed} == {"USD"} and {i["kind"] for i in listed} == {"book"}
    for value in ("GBP", "U S D"):  # the second one, unquoted, is skipped by the cookie parser: still a 400
        r = call(server, "GET", f"/v1/items/{item['id']}", headers={"Cookie": f"currency={value}"})
        assert r.status_code == 400 and r.json()["errors"][0]["location"] == "cookie.currency", value


def test_an_unknown_item_is_a_404(server):
    r = call(server, "GET", "/v1/items/987654")
    assert r.status_code == 404 and r.json()["error"] == "ITEM_NOT_FOUND"


def test_docs_page(server):
    r = call(server, "GET", "/doc/bookshop")
    assert r.status_code == 200 and "swagger" in r.text.lower()


# -- start-up, and the example's own tests --------------------------------------------------------


def test_refuses_to_start_without_its_jwt_secret(jobs):
    r = jobs["no secret"].result(JOB_TIMEOUT)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "PYM_JWT_SECRET" in out and "Traceback" not in out


def test_the_example_unit_tests_pass(jobs):
    """`python -m pytest` in examples/bookshop (the command its README gives)."""
    r = jobs["unit tests"].result(JOB_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\b\d+ passed\b", r.stdout) and " failed" not in r.stdout, r.stdout


@pytest.mark.slow
def test_acceptance_tests_and_fuzzing_pass(jobs):
    job = jobs["acceptance"]
    done = job.result(JOB_TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    tests = len(re.findall(r"^testaccept/\S+ PASSED", done.stdout, re.M))
    assert tests >= 7 and f"{tests} passed" in done.stdout, output
    assert re.search(r"fuzzing bookshop \(3 operations\) against http://127\.0\.0\.1:\d+/v1\n", done.stdout), output
    assert done.stdout.count("No issues found") == 2, output  # bookshop, then the built-in ping API
    assert job.secret not in output and not re.search(r"eyJ[\w-]+\.", output)


def test_the_readme_layout_lists_the_example_files():
    readme = (BOOKSHOP_DIR / "README.md").read_text(encoding="utf-8")
    layout = re.search(r"## Layout\n\n```text\n(.*?)```", readme, re.S).group(1)
    listed = {line.split()[0] for line in layout.splitlines()}
    assert all((BOOKSHOP_DIR / name).exists() for name in listed), listed
    assert {"apis/bookshop.yaml", "server.py", "test/", "testaccept/"} <= listed

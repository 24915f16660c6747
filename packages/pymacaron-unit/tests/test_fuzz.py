"""pymacaron_unit.runner.fuzz: ``--fuzz`` finds planted bugs and passes on a correct service.

- fixtures/fuzzsvc: a PyMacaron service; with FUZZSVC_BROKEN=1, its handlers crash (500) on an empty text;
- fixtures/fuzzsvc31: the same in OpenAPI 3.1 (servers prefix /v1, http bearer JWT, requestBody, handlers
  bound by operationId); with FUZZSVC_BROKEN=1, GET /v1/notes/1000 answers a text where the spec says integer;
- fixtures/laxsvc: a Flask app that accepts what its spec forbids and answers what it does not allow.
"""

import importlib.util
import re
import shutil

import pytest

from unit_testing import FIXTURES, RunnerJob, ServerThread, clean_env, console_script, show

SECRET = "fuzz-test-jwt-secret-0123456789abcdef"


def lax_app():
    spec = importlib.util.spec_from_file_location("laxsvc_server", FIXTURES / "laxsvc" / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def lax():
    server = ServerThread(lax_app()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def jobs(lax, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    broken, correct = tmp / "broken", tmp / "correct"
    for folder in (broken, correct):
        shutil.copytree(FIXTURES / "fuzzsvc", folder)
    broken31, correct31 = tmp / "broken31", tmp / "correct31"
    for folder in (broken31, correct31):
        shutil.copytree(FIXTURES / "fuzzsvc31", folder)
    # the 3.1 spec alone (the built-in ping API is fuzzed by the jobs above)
    only31 = ["--fuzz-spec", "apis/notes.yaml", "--fuzz-max-examples", "25"]
    (tmp / "lax").mkdir()
    lax_args = ["--host", "127.0.0.1", "--port", lax.port, "--fuzz-only", "--path", tmp / "lax",
                "--fuzz-spec", FIXTURES / "laxsvc" / "lax.yaml", "--fuzz-seed", "1"]
    started = {
        "broken": RunnerJob(["--local", "--port", "0", "--fuzz-only", "--gen-token", "--fuzz-max-examples", "25",
                             "--fuzz-seed", "1"],
                            broken, env=clean_env(FUZZSVC_JWT_SECRET=SECRET, FUZZSVC_BROKEN="1"),
                            command=[console_script("pymtest")]),
        "correct": RunnerJob(["test", "--local", "--port", "0", "--gen-token", "--fuzz", "--fuzz-max-examples", "25"],
                             correct, env=clean_env(FUZZSVC_JWT_SECRET=SECRET), command=[console_script("pymacaron")]),
        "broken31": RunnerJob(["test", "--local", "--port", "0", "--fuzz-only", "--gen-token", *only31,
                               "--fuzz-seed", "1"],
                              broken31, env=clean_env(FUZZSVC_JWT_SECRET=SECRET, FUZZSVC_BROKEN="1"),
                              command=[console_script("pymacaron")]),
        "correct31": RunnerJob(["test", "--local", "--port", "0", "--gen-token", "--fuzz", *only31],
                               correct31, env=clean_env(FUZZSVC_JWT_SECRET=SECRET),
                               command=[console_script("pymacaron")]),
        "lax": RunnerJob([*lax_args, "--fuzz-max-examples", "10"], tmp),
        "slow": RunnerJob([*lax_args, "--fuzz-max-time", "1"], tmp),
    }
    started["broken"].folder = broken
    yield started
    for job in started.values():
        job.kill()


@pytest.mark.slow
def test_finds_the_planted_500(jobs):
    done = jobs["broken"].result()
    assert done.returncode == 1, show(done)
    assert "ST101 Server error" in done.stdout
    assert "planted bug: an empty text crashes the service" in done.stdout
    assert re.search(r"curl -X (GET|POST) .*http://127\.0\.0\.1:\d+/echo", done.stdout)  # how to reproduce
    assert "fuzzing echo+ping FAILED" in done.stdout
    assert "stopped the service" in done.stdout
    # the crash files (for 'st replay') keep the request, but never the token
    scratch = jobs["broken"].folder / ".pym" / "fuzz"
    crashes = list(scratch.rglob("crashes/*.json"))
    assert crashes, sorted(str(p) for p in scratch.rglob("*"))
    for path in scratch.rglob("*"):
        if path.is_file() and ".hypothesis" not in path.parts:  # hypothesis keeps random bytes, no requests
            assert not re.search(rb"eyJ[\w-]+\.", path.read_bytes()), path
    assert not re.search(r"eyJ[\w-]+\.", done.stdout + done.stderr)


def test_passes_on_the_correct_service_with_its_acceptance_tests(jobs):
    done = jobs["correct"].result()
    assert done.returncode == 0, show(done)
    assert "2 passed" in done.stdout  # testaccept/, with assertHasAuthVersion and the generated token
    assert "fuzzing echo+ping (5 operations)" in done.stdout
    assert "No issues found" in done.stdout
    output = done.stdout + done.stderr
    assert SECRET not in output and not re.search(r"eyJ[\w-]+\.", output)


def test_openapi31_service_passes_at_its_served_prefix_with_its_token(jobs):
    done = jobs["correct31"].result()
    assert done.returncode == 0, show(done)
    assert "1 passed" in done.stdout  # testaccept/: 401 without the token, 200 with it
    assert re.search(r"fuzzing notes \(2 operations\) against http://127\.0\.0\.1:\d+/v1\n", done.stdout)
    assert "No issues found" in done.stdout and "ST1" not in done.stdout
    output = done.stdout + done.stderr
    assert SECRET not in output and not re.search(r"eyJ[\w-]+\.", output)


@pytest.mark.slow
def test_openapi31_planted_wrong_type_is_found(jobs):
    done = jobs["broken31"].result()
    assert done.returncode == 1, show(done)
    # the handler's wrong type is refused by pymacaron's response validation: a 500 the fuzzing reports
    assert "ST101 Server error" in done.stdout
    assert "response.words: 'three' is not of type 'integer'" in done.stdout
    assert re.search(r"curl -X GET .*http://127\.0\.0\.1:\d+/v1/notes/1000", done.stdout)
    assert "fuzzing notes FAILED" in done.stdout
    assert not re.search(r"eyJ[\w-]+\.", done.stdout + done.stderr)


def test_finds_accepted_invalid_requests_and_answers_off_spec(jobs):
    done = jobs["lax"].result()
    assert done.returncode == 1, show(done)
    assert "Schema-violating request accepted" in done.stdout or "ST201" in done.stdout  # GET /items?limit=0
    assert "ST108" in done.stdout  # GET /count answers {"count": "three"}
    assert "fuzzing lax FAILED" in done.stdout


def test_time_limit(jobs):
    done = jobs["slow"].result()
    assert done.returncode == 1, show(done)
    assert "FUZZING FAILED: lax was still being fuzzed after the time limit (1 s, --fuzz-max-time)" in done.stdout


def test_without_schemathesis(tmp_path, capsys, monkeypatch):
    import sys

    from pymacaron_unit.cli import main

    monkeypatch.setitem(sys.modules, "schemathesis", None)  # as if it were not installed
    assert main(["--fuzz-only", "--host", "127.0.0.1", "--port", "1", "--path", str(tmp_path)]) == 1
    assert ("ERROR: --fuzz needs schemathesis, which is not installed: pip install 'pymacaron-unit[fuzz]'"
            in capsys.readouterr().err)

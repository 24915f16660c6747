"""examples/helloworld's black-box tests through the acceptance runner, as ``nox -s acceptance`` runs them.

``pymacaron test --local --port 0 --gen-token --fuzz --fuzz-exclude /die`` in a copy of the example:
the runner starts ``python server.py`` itself, runs testaccept/ (unittest TestCases built on
``pymacaron.test.PyMacaronTestCase``) with a generated token, fuzzes the example's spec and the
built-in ping API with schemathesis (GET /die crashes on purpose, so it is not fuzzed), and stops
the service. The Python snippets of packages/pymacaron-unit/README.md are added to the copy's
testaccept/ (as the file each one names), so they run against the example too.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helloworld_testing import EXAMPLE_DIR, ROOT, example_env, new_secret  # noqa: E402

RUN_TIMEOUT = 540  # seconds: start-up, the tests and the fuzzing, on a slow shared CI machine
# as `nox -s acceptance` runs it, with fewer fuzzing cases per operation (a suite-time budget)
ARGS = ["test", "--local", "--port", "0", "--gen-token", "--fuzz", "--fuzz-exclude", "/die", "--fuzz-max-examples", "20"]


UNIT_README = ROOT / "packages" / "pymacaron-unit" / "README.md"
SNIPPET = re.compile(r"<!-- snippet: (\S+) -->\n```python\n(.*?)```", re.S)


def readme_snippets():
    """{file name: code} of the README's marked Python blocks."""
    return {name: code for name, code in SNIPPET.findall(UNIT_README.read_text(encoding="utf-8"))}


def pymacaron_command():
    script = Path(sys.executable).parent / "pymacaron"
    return [str(script)] if script.exists() else [sys.executable, "-c", "import sys; from pymacaron.cli import main; "
                                                                         "sys.exit(main())"]


@pytest.mark.slow
@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_acceptance_tests_and_fuzzing_pass(tmp_path):
    folder = tmp_path / "helloworld"
    shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns(".pytest_cache", ".pym", "__pycache__"))
    snippets = readme_snippets()
    assert len(snippets) == 2, snippets
    for name, code in snippets.items():
        (folder / name).write_text(code, encoding="utf-8")
    secret = new_secret()
    try:
        done = subprocess.run([*pymacaron_command(), *ARGS], cwd=folder, env=example_env(PYM_JWT_SECRET=secret),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"pymacaron test did not finish within {RUN_TIMEOUT} s:\n{e.stdout}\n{e.stderr}") from None
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    tests = len(re.findall(r"^testaccept/\S+ PASSED", done.stdout, re.M))
    assert tests >= 10 and f"{tests} passed" in done.stdout, output
    for name in snippets:
        assert f"{name}::" in done.stdout, f"the README snippet {name} did not run"
    assert "starting the service" in done.stdout and "stopped the service" in done.stdout
    assert "fuzzing helloworld+ping" in done.stdout and "No issues found" in done.stdout
    assert secret not in output
    assert not re.search(r"eyJ[\w-]+\.", output)  # the generated token is never printed

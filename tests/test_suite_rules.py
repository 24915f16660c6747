"""The rules the repository's conftest.py applies to every test run, checked on small suites run in a
subprocess with that conftest: under CI=true a skip is a failure (a hole CI must not hide), the
test env's tools come first on PATH, bytecode is cached, and modules with slow tests are handed out
first; .ci/run lists the skipped tests with their reasons. Also: no test skips itself when one of our own modules is missing (an import error must fail).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = '''\
import pytest


def test_skips_itself():
    pytest.skip("the frobnicator is not installed")


@pytest.mark.skipif(True, reason="needs a frobnicator")
def test_marked_skip():
    pass


@pytest.mark.xfail(reason="known bug", strict=True)
def test_known_bug():
    assert False


def test_runs():
    pass
'''
SKIPPED_MODULE = '''\
import pytest

frob = pytest.importorskip("no_such_frobnicator")


def test_never_collected():
    pass
'''
ENVIRONMENT = '''\
import os
import subprocess
import sys


def test_tools_and_bytecode():
    assert os.environ["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ and not sys.dont_write_bytecode
    child = subprocess.run([sys.executable, "-c", "import sys; print(sys.dont_write_bytecode)"],
                           capture_output=True, text=True)
    assert child.stdout.strip() == "False"
'''


def run_suite(tmp_path, files, *args, ci=None, **environ):
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")}
    env.update(PATH="/usr/bin:/bin", **environ)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-ra", "-q", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_is_a_skip_locally(tmp_path):
    done = run_suite(tmp_path, {"test_a.py": SKIPPING, "test_b.py": SKIPPED_MODULE}, ci="false")
    assert done.returncode == 0, done.stdout
    assert re.search(r"1 passed, 3 skipped, 1 xfailed", done.stdout), done.stdout
    assert "SKIPPED [1] test_a.py:5: the frobnicator is not installed" in done.stdout


def test_a_skip_fails_under_ci(tmp_path):
    done = run_suite(tmp_path, {"test_a.py": SKIPPING}, ci="true")
    assert done.returncode == 1, done.stdout
    assert re.search(r"1 failed, 1 passed, 1 xfailed, 1 error", done.stdout), done.stdout
    assert ("FAILED test_a.py::test_skips_itself - skipped test under CI=true, which must run every test: "
            "the frobnicator is not installed") in done.stdout
    # a skip mark takes effect while the test is set up: an error
    assert "ERROR test_a.py::test_marked_skip - skipped test under CI=true, which must run every test: needs a " \
           "frobnicator" in done.stdout


def test_ci_prints_the_skipped_tests_with_their_reasons(tmp_path):
    """.ci/run prints the skipped tests of its log with .ci/skipped: the skips of a local run, the
    tests turned into failures under CI=true, or "none"."""
    def listed(log_text):
        log = tmp_path / "pytest.log"
        log.write_text(log_text)
        done = subprocess.run(["bash", str(ROOT / ".ci" / "skipped"), str(log)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    local = run_suite(tmp_path / "local", {"test_a.py": SKIPPING}, ci="false")
    assert listed(local.stdout) == ["Skipped tests: 2",
                                    "SKIPPED [1] test_a.py:5: the frobnicator is not installed",
                                    "SKIPPED [1] test_a.py:8: needs a frobnicator"], local.stdout
    ci = run_suite(tmp_path / "ci", {"test_a.py": SKIPPING}, ci="true")
    found = listed(ci.stdout)
    assert found[0] == "Skipped tests: 2" and len(found) == 3, found
    assert "test_a.py::test_skips_itself - skipped test under CI=true" in found[1] + found[2], found
    assert listed("==== 3 passed in 1.00s ====\n") == ["Skipped tests: 0", "none"]


def test_a_skipped_module_fails_under_ci(tmp_path):
    done = run_suite(tmp_path, {"test_b.py": SKIPPED_MODULE}, ci="1")
    assert done.returncode == 2, done.stdout  # a collection error stops the run
    assert ("ERROR test_b.py - skipped module under CI=true, which must run every test: could not import "
            "'no_such_frobnicator'") in done.stdout


def test_what_counts_as_ci(monkeypatch):
    spec = importlib.util.spec_from_file_location("repository_conftest", ROOT / "conftest.py")
    rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules)
    for value, expected in (("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("", False)):
        monkeypatch.setenv("CI", value)
        assert rules.in_ci() is expected, value
    monkeypatch.delenv("CI")
    assert rules.in_ci() is False


def test_the_env_tools_first_and_bytecode_cached(tmp_path):
    done = run_suite(tmp_path, {"test_env.py": ENVIRONMENT}, PYTHONDONTWRITEBYTECODE="1")
    assert done.returncode == 0, done.stdout + done.stderr


def test_modules_with_slow_tests_come_first(tmp_path):
    files = {"test_a.py": "def test_a():\n    pass\n",
             "test_b.py": "import pytest\n\ndef test_b1():\n    pass\n\n@pytest.mark.slow\ndef test_b2():\n    pass\n",
             "test_c.py": "def test_c():\n    pass\n"}
    done = run_suite(tmp_path, files, "--co", "-p", "no:randomly", "-o", "markers=slow: slow")
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert ids == ["test_b.py::test_b1", "test_b.py::test_b2", "test_a.py::test_a", "test_c.py::test_c"], done.stdout


def test_no_test_skips_when_one_of_our_modules_is_missing():
    """Skipping when importing one of our packages fails would turn a broken package into a quiet skip."""
    found = []
    for path in [*ROOT.glob("packages/*/tests/**/*.py"), *(ROOT / "tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}"
                  for m in re.finditer(r"importorskip\(\s*['\"]pymacaron[\w.]*['\"]", text)]
    assert found == []

"""Test-run rules for every test folder of the monorepo (packages/*/tests and tests/).

1. **This environment's tools first.** The folder of this interpreter's console scripts (pymacaron,
   pymgke, hadolint, uv, ...) goes first on PATH, so a test and the subprocesses it starts use the
   tools of the test environment, never whatever else the machine has on PATH, and the suite runs
   the same with ``nox -s tests`` and with ``<env>/bin/python -m pytest``.
2. **Bytecode is cached**, also when the shell sets ``PYTHONDONTWRITEBYTECODE``: the suite starts
   hundreds of Python processes (servers, CLI commands, ``python -m pytest`` runs), and without
   ``.pyc`` files each one compiles every module it imports again, and pytest rewrites the asserts
   of its plugins' modules again (4 s of CPU per ``python -m pytest`` run). The caches are written
   atomically, so parallel processes share them safely.
3. **No skip in CI.** Under ``CI=true`` a skipped test is a failure: CI installs every tool the tests
   need, so a skip there would hide a hole (a missing tool, a stale condition). Locally a skip stays
   a skip, with its reason in the summary (``-ra``).
4. **Parallel runs (pytest-xdist, ``--dist=loadscope``).** Each test module runs in one worker, so a
   module-scoped fixture (a server, a built image) is made once. Modules holding a test marked
   ``slow`` are handed out first, so the longest ones do not start last. (``loadgroup``, which
   could spread the tests of a module, silently stops grouping with pytest 9.2:
   pytest-dev/pytest-xdist#1386.)
"""

from __future__ import annotations

import os
import sys

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config):
    # 1. this environment's console scripts first (inherited by every subprocess)
    scripts = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[:1] != [scripts]:
        os.environ["PATH"] = scripts + os.pathsep + path
    # 2. bytecode caches, here and in every subprocess (pytest-xdist's workers start after this)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


# -- 3. no skip in CI --------------------------------------------------------------------------


def _ci_failure(report, where):
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped {where} under CI=true, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        _ci_failure(report, "test")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci():
        _ci_failure(report, "module")


# -- 4. parallel runs --------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Modules holding a test marked ``slow`` first (stable order otherwise): with ``--dist=loadscope``
    and ``--no-loadscope-reorder``, pytest-xdist hands out modules in this order."""
    slow_modules = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
    items[:] = sorted(items, key=lambda item: item.nodeid.split("::", 1)[0] not in slow_modules)


# -- 4. no observability state left behind ------------------------------------------------------


@pytest.fixture(autouse=True)
def _observability_off():
    """Tracing, metrics hooks, JSON logs and readiness, as set up by one test, end with it."""
    yield
    try:
        from pymacaron import observability
    except ImportError:
        return
    observability.reset()

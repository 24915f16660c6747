"""Running the acceptance tests: which paths, and the pytest command line.

Default paths: ``testaccept/`` of the service, plus the ``testaccept/`` of the git root of each
``include_links`` entry of pym-config.yaml (SPEC P47). pytest runs in a child process, in the
service's folder, with the target in its environment; it collects unittest TestCases and plain
pytest tests alike (our pytest plugin gives the latter the ``pym`` fixture).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO

import os
import subprocess
import sys

from pymacaron_unit.runner import pym
from pymacaron_unit.runner.errors import RunnerError

TESTS_DIR = "testaccept"
GIT_TIMEOUT = 30


def _git_root(path):
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def linked_test_dirs(folder: str, env_name: str | None = None, out: IO[str] | None = None) -> list[str]:
    """The testaccept/ folders of the include_links projects (warning about the ones without)."""
    found = []
    for link in pym.optional_config_list("--include-links", folder, env_name):
        path = os.path.realpath(os.path.join(folder, link))
        base = path if os.path.isdir(path) else os.path.dirname(path)
        root = _git_root(base) if os.path.isdir(base) else None
        tests = os.path.join(root or base, TESTS_DIR)
        if os.path.isdir(tests):
            found.append(tests)
        else:
            print(f"pymacaron test: warning: include_links entry {link!r} has no {TESTS_DIR}/ folder ({tests})",
                  file=out or sys.stdout)
    return found


def find_test_paths(folder: str, paths: Sequence[str] = (), env_name: str | None = None,
                    out: IO[str] | None = None) -> list[str]:
    """The paths to run; RunnerError when the default testaccept/ is missing."""
    if paths:
        missing = [p for p in paths if not os.path.exists(os.path.join(folder, p.split("::")[0]))]
        if missing:
            raise RunnerError(f"no such test path: {', '.join(missing)} (relative paths start at {folder})")
        return list(paths)
    default = os.path.join(folder, TESTS_DIR)
    if not os.path.isdir(default):
        raise RunnerError(f"no {TESTS_DIR}/ folder in {folder}: write the acceptance tests there, pass test paths, "
                          "or use --fuzz-only")
    return [TESTS_DIR] + [p for p in linked_test_dirs(folder, env_name, out) if os.path.realpath(p) != default]


def pytest_command(paths: Sequence[str], stop_first: bool = True, nocapture: bool = False,
                   debug: bool = False) -> list[str]:
    """The pytest command line running ``paths``."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-vv" if debug else "-v", "-rfE"]
    if stop_first:
        cmd.append("-x")
    if nocapture:
        cmd.append("-s")
    if len(paths) > 1:
        cmd.append("--import-mode=importlib")  # several projects may have test files of the same name
    return cmd + list(paths)


def run_pytest(folder: str, paths: Sequence[str], environ: Mapping[str, str], stop_first: bool = True,
               nocapture: bool = False, debug: bool = False, out: IO[str] | None = None) -> int:
    """Run pytest in ``folder`` -> its exit status."""
    cmd = pytest_command(paths, stop_first, nocapture, debug)
    print(f"pymacaron test: running {' '.join(['python'] + cmd[1:])}", file=out or sys.stdout, flush=True)
    try:
        return subprocess.run(cmd, cwd=folder, env=environ, stdin=subprocess.DEVNULL).returncode
    except OSError as e:
        raise RunnerError(f"cannot run pytest: {e}") from None

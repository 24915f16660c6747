"""``--fuzz``: property-based tests generated from the service's specs, run by schemathesis.

For each prepared spec (see ``specs``), ``python -m schemathesis.cli run`` is started against the
target with the checks below, in positive and negative mode, for the examples, coverage and
fuzzing phases, ``--fuzz-max-examples`` cases per operation and phase, and a hard time limit
for the whole fuzzing (``--fuzz-max-time``; going over it is a failure, not a silent cut).

A failure is:
- any 5xx answer (not_a_server_error);
- an answer that does not match the spec: undocumented status, content type, headers or body
  (status_code_conformance, content_type_conformance, response_headers_conformance,
  response_schema_conformance);
- an invalid request (negative testing) that the service accepts (negative_data_rejection).

The JWT (``PYM_JWT_TOKEN``) is given to schemathesis through its config file as
``${PYM_JWT_TOKEN}``, which schemathesis reads from the environment: the token is never on a
command line or in a file, and schemathesis masks the Authorization header in its reports.
Scratch files (the prepared specs, schemathesis' crash files, hypothesis' database) go to
``<service>/.pym/fuzz/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from pymacaron_unit.runner import specs
from pymacaron_unit.runner.errors import RunnerError

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
PHASES = "examples,coverage,fuzzing"
REQUEST_TIMEOUT = 30
STOP_TIMEOUT = 10.0
INSTALL_HINT = "pip install 'pymacaron-unit[fuzz]' (or: pip install schemathesis)"
CONFIG = """\
# Written by 'pymacaron test --fuzz' (schemathesis reads ${PYM_JWT_TOKEN} from the environment).
[headers]
Authorization = "Bearer ${PYM_JWT_TOKEN}"
"""


def check_installed() -> None:
    """RunnerError saying how to install schemathesis when it is missing."""
    try:
        found = importlib.util.find_spec("schemathesis") is not None
    except (ImportError, ValueError):  # a broken install, or a module blocked by sys.modules[name] = None
        found = False
    if not found:
        raise RunnerError(f"--fuzz needs schemathesis, which is not installed: {INSTALL_HINT}")


def workdir(folder: str) -> str:
    """``<folder>/.pym/fuzz`` (a temporary folder when that is not writable)."""
    path = os.path.join(folder, ".pym", "fuzz")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="pymtest-fuzz-")


def command(spec_path: str, url: str, config_path: str, max_examples: int, seed: int | None = None,
            no_ssl_check: bool = False) -> list[str]:
    """The schemathesis command fuzzing one spec against ``url``."""
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", config_path, "run", spec_path,
           "--url", url, "--checks", ",".join(CHECKS), "--phases", PHASES, "--mode", "all",
           "--max-examples", str(max_examples), "--request-timeout", str(REQUEST_TIMEOUT)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if no_ssl_check:
        cmd += ["--tls-verify", "false"]
    return cmd


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait(STOP_TIMEOUT)


def run_fuzz(folder: str, base_url: str, environ: Mapping[str, str], spec_files: Sequence[str] = (),
             excludes: Sequence[str] = (), max_examples: int = 50, max_time: float = 300.0, seed: int | None = None,
             no_ssl_check: bool = False, out: IO[str] | None = None) -> int:
    """Fuzz every spec against ``base_url`` -> 0 when no failure was found, else 1."""
    out = out or sys.stdout
    check_installed()
    prepared = specs.prepare(specs.discover(folder, spec_files), excludes)
    scratch = workdir(folder)
    config_path = os.path.join(scratch, "schemathesis.toml")
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(CONFIG if environ.get("PYM_JWT_TOKEN") else "# Written by 'pymacaron test --fuzz' (no token)\n")
    deadline = time.monotonic() + max_time
    status = 0
    for label, doc in prepared:
        url = base_url + specs.served_prefix(doc)
        doc.pop("x-pym-prefix", None)
        spec_path = os.path.join(scratch, f"{label}.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
        cmd = command(spec_path, url, config_path, max_examples, seed, no_ssl_check)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            print(f"pymacaron test: FUZZING FAILED: the time limit ({max_time:g} s, --fuzz-max-time) was reached "
                  f"before fuzzing {label}", file=out, flush=True)
            return 1
        print(f"pymacaron test: fuzzing {label} ({len(list(specs.operations(doc)))} operations) against {url}",
              file=out, flush=True)
        proc = subprocess.Popen(cmd, cwd=scratch, env=environ, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = proc.wait(remaining)
        except subprocess.TimeoutExpired:
            _kill(proc)
            print(f"pymacaron test: FUZZING FAILED: {label} was still being fuzzed after the time limit "
                  f"({max_time:g} s, --fuzz-max-time): raise it, or lower --fuzz-max-examples", file=out, flush=True)
            return 1
        except BaseException:
            _kill(proc)
            raise
        if code != 0:
            print(f"pymacaron test: fuzzing {label} FAILED (schemathesis exit status {code}); its crash files are "
                  f"in {scratch} ('st replay <id>' there)", file=out, flush=True)
            status = 1
    return status

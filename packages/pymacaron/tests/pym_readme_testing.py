"""Reading pymacaron's README.md snippets, and running its console sessions (for test_readme.py).

A block's marker (``<!-- test: <action> [args] -->`` on the line before its fence) says what to
do with it; :func:`readme_blocks` returns them in order. :func:`run_console` runs a ``console``
block's ``$ <command>`` lines in one bash session and returns each command's output.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```[\w-]*\n(.*?)^```\n", re.S | re.M)
MARKER = re.compile(r"<!-- test: (.*?) -->\n\Z")
END = "@@pymacaron-readme-end@@"
README_PORT = "8080"
SESSION_TIMEOUT = 180  # seconds, for a whole console session (starting a server included)
ENV_DROPPED = ("PYM_ENV", "PYM_CONFIG", "PORT", "PYM_SERVER_PORT", "PYM_JWT_SECRET", "NO_ERROR_REPORTING",
               "PYM_JWT_TOKEN", "TOKEN")


def readme_blocks(text=None):
    """[(line, action, args, body)] of every fenced block; action None when the block has no marker."""
    text = README.read_text() if text is None else text
    blocks = []
    for m in BLOCK.finditer(text):
        before = text[:m.start()]
        marker = MARKER.search(before)
        words = marker.group(1).split() if marker else [None]
        blocks.append((before.count("\n") + 1, words[0], words[1:], m.group(1)))
    return blocks


def console_steps(body):
    """[(command, expected output)] of a console block (``$ `` lines and the lines after them)."""
    steps = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append([line[2:], []])
        elif steps:
            steps[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in steps]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _script(steps, port, log_path):
    """The bash script: each command then an end marker; a server started with '&' is waited for."""
    lines = []
    for cmd, _ in steps:
        cmd = cmd.replace(README_PORT, str(port))
        if cmd.endswith("&"):
            lines.append(f"{cmd[:-1].rstrip()} > {log_path} 2>&1 &")
            lines.append(f'for i in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:{port}/ping" '
                         "&& break; sleep 0.1; done")
        else:
            lines.append(cmd)
        lines.append(f"echo; echo {END}")
    return "\n".join(lines) + "\n"


def run_console(steps, cwd):
    """Run the steps in one bash session in ``cwd`` -> ([output of each step], server log)."""
    port = free_port()
    log_path = Path(cwd) / "console-server.log"
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED and not k.startswith("PYTEST_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # `python` is ours
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.Popen(["bash", "-c", _script(steps, port, log_path)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=SESSION_TIMEOUT)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server started with '&' is in the session's group
        except ProcessLookupError:
            pass
        proc.wait(10)
    outputs = [chunk.strip() for chunk in out.split(END + "\n")][:len(steps)]
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    return outputs, log


def matches(expected, actual):
    """``actual`` is ``expected``; in JSON, a "..." value stands for any value; in text, "..." for any text."""
    if expected == actual:
        return True
    if "..." in expected and not expected.lstrip().startswith(("{", "[")):
        pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
        return re.fullmatch(pattern, actual, re.S) is not None
    try:
        want, got = json.loads(expected), json.loads(actual)
    except ValueError:
        return False
    return _same(want, got)


def _same(want, got):
    if want == "...":
        return True
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(_same(v, got[k]) for k, v in want.items())
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(_same(w, g) for w, g in zip(want, got, strict=True))
    return want == got

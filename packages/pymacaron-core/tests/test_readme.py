"""Every snippet of pymacaron-core's README.md, run in order.

Each fenced block follows a marker saying what to do with it:

- ``<!-- test: file <path> -->``: write the block to <path> (in a tmp folder, the current
  directory, which is on sys.path);
- ``<!-- test: run -->``: execute it; all run blocks share one namespace, as in a session;
- ``<!-- test: run serve=<name>:<port> -->``: the same, while the Flask app ``<name>`` of the
  namespace is served on 127.0.0.1, on a free port written in place of <port> in the block;
- ``<!-- test: output -->``: what the previous run block printed, exactly.
"""

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from core_testing import serve

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```[\w-]*\n(.*?)^```\n", re.S | re.M)
MARKER = re.compile(r"<!-- test: (.*?) -->\n\Z")


def readme_blocks(text):
    """[(line, action, args, body)] of every fenced block; action None when the block has no marker."""
    blocks = []
    for m in BLOCK.finditer(text):
        before = text[:m.start()]
        marker = MARKER.search(before)
        words = marker.group(1).split() if marker else [None]
        blocks.append((before.count("\n") + 1, words[0], words[1:], m.group(1)))
    return blocks


def written_packages(blocks):
    return {args[0].split("/")[0].removesuffix(".py") for _, action, args, _ in blocks if action == "file"}


def test_every_snippet_has_a_test_marker():
    blocks = readme_blocks(README.read_text())
    assert blocks
    untested = [line for line, action, _, _ in blocks if action not in ("file", "run", "output")]
    assert not untested, f"README.md blocks without a '<!-- test: ... -->' marker at lines {untested}"


@pytest.fixture
def readme_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    packages = written_packages(readme_blocks(README.read_text()))
    yield tmp_path
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            del sys.modules[name]


def test_readme_snippets_run_in_order(readme_folder):
    namespace = {"__name__": "readme"}
    printed = None
    with contextlib.ExitStack() as servers:
        for line, action, args, body in readme_blocks(README.read_text()):
            where = f"README.md line {line}"
            if action == "file":
                path = readme_folder / args[0]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body)
            elif action == "run":
                for arg in args:
                    name, port = arg.removeprefix("serve=").split(":")
                    real_port = servers.enter_context(serve(namespace[name]))
                    body = body.replace(port, str(real_port))
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(body, where, "exec"), namespace)
                printed = out.getvalue()
            elif action == "output":
                assert printed == body, f"{where}: the previous block printed:\n{printed}"

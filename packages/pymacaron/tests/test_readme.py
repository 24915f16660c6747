"""Every snippet of pymacaron's README.md, run in order in one tmp folder.

Markers (``<!-- test: ... -->`` before a block):

- ``file <path>``: write the block to <path>;
- ``console``: run its ``$`` commands in one bash session (the README's port 8080 replaced by a
  free one; after a command ending with ``&``, the session waits until /ping answers) and compare
  each output (JSON compared as data; a "..." value matches anything);
- ``run``: execute it in-process (one namespace for all run blocks, ``PYM_JWT_SECRET`` set);
- ``output``: what the previous run block printed, exactly;
- ``crash-config``: a pym-config fragment; merged into the README's pym-config.yaml, it must build
  the reporters it names.
"""

import contextlib
import io
import shutil
import sys

import pytest
import yaml

from pym_readme_testing import console_steps, matches, readme_blocks, run_console

ACTIONS = ("file", "console", "run", "output", "crash-config")
SERVICE_MODULES = ("server", "hello")


def test_every_snippet_has_a_test_marker():
    blocks = readme_blocks()
    assert blocks
    untested = [line for line, action, _, _ in blocks if action not in ACTIONS]
    assert not untested, f"README.md blocks without a '<!-- test: ... -->' marker at lines {untested}"


def forget_service_modules():
    for name in list(sys.modules):
        if name.split(".")[0] in SERVICE_MODULES:
            del sys.modules[name]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYM_JWT_SECRET", "readme-test-secret-" + "x" * 32)
    forget_service_modules()
    yield tmp_path
    forget_service_modules()


def check_console(body, cwd, where):
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("the README's console session needs bash and curl")
    steps = console_steps(body)
    outputs, log = run_console(steps, cwd)
    for (command, expected), actual in zip(steps, outputs, strict=True):
        assert matches(expected.strip(), actual), \
            f"{where}: $ {command}\nexpected:\n{expected}\ngot:\n{actual}\nserver log:\n{log[-3000:]}"


def check_crash_config(body, folder):
    from pymacaron.config import load_config
    from pymacaron.crash.reporters import EmailReporter, FanOutReporter, SlackReporter, reporter_from_config

    data = yaml.safe_load((folder / "pym-config.yaml").read_text())
    data.update(yaml.safe_load(body))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SLACK_WEBHOOK", "https://hooks.slack.example.com/services/T0/B0/readme")
        mp.setenv("SMTP_PASSWORD", "readme-smtp-password")
        reporter = reporter_from_config(load_config(data=data))
    assert isinstance(reporter, FanOutReporter)
    kinds = {type(r) for r in reporter.reporters}
    assert {SlackReporter, EmailReporter} <= kinds and len(reporter.reporters) == 3


def test_readme_snippets_run_in_order(folder):
    namespace = {"__name__": "__main__"}
    printed = None
    for line, action, args, body in readme_blocks():
        where = f"README.md line {line}"
        if action == "file":
            path = folder / args[0]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        elif action == "console":
            check_console(body, folder, where)
        elif action == "run":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, where, "exec"), namespace)
            printed = out.getvalue()
        elif action == "output":
            assert printed == body, f"{where}: the previous block printed:\n{printed}"
        elif action == "crash-config":
            check_crash_config(body, folder)

"""Where a called task runs: worker or inline, decided by the helper, $PYM_ASYNC_EAGER, then pym-config."""

import logging
import threading

import pytest

from pymacaron_async import eager_tasks, set_eager_tasks
from pymacaron_async.mode import INLINE, SCHEDULE, execution_mode


@pytest.fixture
def config(tmp_path):
    def load(text):
        from pymacaron.config import load_config

        (tmp_path / "pym-config.yaml").write_text("name: x\n" + text)
        return load_config(path=str(tmp_path))
    return load


def test_with_async_sends_tasks_to_workers(config):
    config("with_async: true\n")
    assert execution_mode() == (SCHEDULE, False)


def test_async_eager_in_the_config_runs_them_inline(config):
    config("with_async: true\nasync_eager: true\n")
    assert execution_mode() == (INLINE, False)


def test_the_environment_variable_runs_them_inline(config, monkeypatch):
    config("with_async: true\n")
    monkeypatch.setenv("PYM_ASYNC_EAGER", "1")
    assert execution_mode() == (INLINE, False)


def test_the_helpers_win_and_are_undone(config, monkeypatch):
    config("with_async: true\n")
    with eager_tasks(raise_errors=True):
        assert execution_mode() == (INLINE, True)
        seen = []
        t = threading.Thread(target=lambda: seen.append(execution_mode()))
        t.start()
        t.join(10)
        assert seen == [(SCHEDULE, False)]  # the block covers its own thread only
    assert execution_mode() == (SCHEDULE, False)
    set_eager_tasks(True)
    assert execution_mode() == (INLINE, False)
    monkeypatch.setenv("PYM_ASYNC_EAGER", "1")
    set_eager_tasks(False)  # forces scheduling, whatever the environment says
    assert execution_mode() == (SCHEDULE, False)
    set_eager_tasks(None)
    assert execution_mode() == (INLINE, False)


def test_without_with_async_tasks_run_inline_with_one_warning(config, caplog):
    path = config("with_async: false\n").config_path
    with caplog.at_level(logging.WARNING, logger="pymacaron_async"):
        assert execution_mode() == (INLINE, False)
        assert execution_mode() == (INLINE, False)
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [f"with_async is not set in {path}: @asynctask functions run inline, in the caller's "
                        "process (set with_async: true to run them in a worker)"]

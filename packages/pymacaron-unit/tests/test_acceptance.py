"""pymacaron_unit.runner.acceptance: test paths (include_links) and the pytest command."""

import sys

import pytest

from pymacaron_unit.runner.acceptance import find_test_paths as paths_of, pytest_command
from pymacaron_unit.runner.errors import RunnerError
from unit_testing import write_service


def test_default_and_linked_paths(tmp_path, capsys):
    service = write_service(tmp_path / "svc", {"test_a.py": ""}, files={
        "pym-config.yaml": "name: svc\ninclude_links: [../lib, ../bare]\n"})
    write_service(tmp_path / "lib", {"test_b.py": ""}, server=None)
    (tmp_path / "bare").mkdir()
    found = paths_of(str(service))
    assert found == ["testaccept", str((tmp_path / "lib" / "testaccept").resolve())]
    assert "include_links entry '../bare' has no testaccept/ folder" in capsys.readouterr().out


def test_path_errors(tmp_path):
    write_service(tmp_path, server=None)
    with pytest.raises(RunnerError, match="no testaccept/ folder in .*--fuzz-only"):
        paths_of(str(tmp_path))
    with pytest.raises(RunnerError, match="no such test path: nope.py"):
        paths_of(str(tmp_path), ["nope.py"])
    (tmp_path / "t.py").write_text("")
    assert paths_of(str(tmp_path), ["t.py::test_x"]) == ["t.py::test_x"]


def test_pytest_command():
    assert pytest_command(["testaccept"]) == [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-rfE",
                                              "-x", "testaccept"]
    cmd = pytest_command(["a", "b"], stop_first=False, nocapture=True, debug=True)
    assert "-x" not in cmd and "-s" in cmd and "-vv" in cmd and "--import-mode=importlib" in cmd

"""pymacaron_unit.cli: ``pymacaron test`` (plug-in of the pymacaron CLI), ``pymtest``, errors."""

import pytest

from pymacaron_unit.cli import main
from unit_testing import console_script, write_service


def test_registered_in_the_pymacaron_cli(capsys):
    from pymacaron.cli import build_parser
    from pymacaron.cli import main as pymacaron_main

    assert "test" in build_parser().pym_subparsers.choices
    with pytest.raises(SystemExit) as e:
        pymacaron_main(["test", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for option in ("--local", "--host", "--port", "--env", "--live", "--staging", "--image", "--gen-token", "--loop",
                   "--no-ssl-check", "--no-stop", "--debug", "--fuzz", "--fuzz-max-examples", "--fuzz-max-time"):
        assert option in out
    assert console_script("pymtest") and console_script("run_acceptance_tests")


def test_errors_through_the_pymacaron_cli(tmp_path, capsys, monkeypatch):
    from pymacaron.cli import main as pymacaron_main

    monkeypatch.chdir(tmp_path)
    assert pymacaron_main(["test", "--host", "h", "--port", "0"]) == 1
    assert "ERROR: --port 0 (a free port) only works with --local" in capsys.readouterr().err
    assert pymacaron_main(["test"]) == 1
    assert f"ERROR: no testaccept/ folder in {tmp_path}" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--loop-count", "2"], "--loop-count N needs --loop"),
    (["--fuzz-only", "testaccept"], "--fuzz-only runs no acceptance test"),
    (["--path", "/no/such/folder"], "--path /no/such/folder: no such folder"),
])
def test_option_errors(tmp_path, capsys, args, message):
    write_service(tmp_path, {"test_x.py": ""}, server=None)
    assert main(["--path", str(tmp_path), *args]) == 1
    assert f"ERROR: {message}" in capsys.readouterr().err

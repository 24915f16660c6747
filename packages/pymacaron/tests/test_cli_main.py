"""The ``pymacaron`` entry point (pymacaron/cli/__init__.py): usage errors, --version, failures, imports."""

import argparse
import subprocess
import sys

import pytest
from cli_testing import TIMEOUT, clean_env, cli

import pymacaron.cli as pym_cli
from pymacaron.__about__ import __version__
from pymacaron.cli import CommandError, run_command


def test_public_surface_is_sorted_and_complete():
    assert pym_cli.__all__ == sorted(pym_cli.__all__)
    assert all(hasattr(pym_cli, name) for name in pym_cli.__all__)


def test_no_command_is_a_usage_error(tmp_path):
    done = cli("pymacaron", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: pymacaron") and "required: COMMAND" in done.stderr


def test_unknown_command_and_option(tmp_path):
    done = cli("pymacaron", "deplo", cwd=tmp_path)
    assert done.returncode == 2 and "invalid choice: 'deplo'" in done.stderr and done.stderr.startswith("usage:")
    done = cli("pymacaron", "--bogus", "version", cwd=tmp_path)
    assert done.returncode == 2 and "unrecognized arguments: --bogus" in done.stderr


def test_help_and_version(tmp_path):
    done = cli("pymacaron", "--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("run", "config", "version", "token", "pymacaron.commands"):
        assert command in done.stdout
    done = cli("pymacaron", "--version", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"pymacaron {__version__}\n")


def _args(func):
    return argparse.Namespace(command="x", func=func)


def test_command_error_becomes_an_error_line_and_exit_code(capsys):
    def fail(args):
        raise CommandError("the thing is missing: create it", exit_code=4)

    assert run_command(_args(fail)) == 4
    assert capsys.readouterr().err == "ERROR: the thing is missing: create it\n"
    assert run_command(_args(lambda args: None)) == 0
    assert run_command(_args(lambda args: 5)) == 5


def test_ctrl_c_exits_130(capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    assert run_command(_args(interrupted)) == 130
    assert "interrupted" in capsys.readouterr().err


def test_light_commands_do_not_import_flask_or_the_core():
    code = ("import sys, pymacaron.cli, pymacaron.cli.config, pymacaron.cli.version, pymacaron.resources; "
            "print(sorted(m for m in ('flask', 'pymacaron_core', 'jsonschema') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                          env=clean_env())
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr


def test_alias_of_an_unknown_command():
    with pytest.raises(SystemExit, match="no command named 'nope'"):
        pym_cli.alias_main("nope", "pymnope", argv=[])

"""The public surface of pymacaron_unit, and the import rule: no pymacaron at import time."""

import importlib.metadata
import subprocess
import sys

import pymacaron_unit


def test_all_is_sorted_and_importable():
    assert pymacaron_unit.__all__ == sorted(pymacaron_unit.__all__)
    for name in pymacaron_unit.__all__:
        assert getattr(pymacaron_unit, name) is not None
    assert pymacaron_unit.__version__ == importlib.metadata.version("pymacaron-unit")  # __about__.py, as installed


def test_no_pymacaron_import():
    code = ("import sys, pymacaron_unit, pymacaron_unit.cli, pymacaron_unit.plugin, pymacaron_unit.runner; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pymacaron', 'pymacaron_core', 'flask')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

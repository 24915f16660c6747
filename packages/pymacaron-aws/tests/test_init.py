"""The public surface of pymacaron_aws (pymacaron_aws/__init__.py)."""

import importlib.metadata
import subprocess
import sys

import pymacaron_aws


def test_all_is_sorted_and_importable():
    assert pymacaron_aws.__all__ == sorted(pymacaron_aws.__all__)
    for name in pymacaron_aws.__all__:
        assert getattr(pymacaron_aws, name) is not None
    assert pymacaron_aws.__version__ == importlib.metadata.version("pymacaron-aws")  # __about__.py, as installed


def test_importing_the_cli_plugin_stays_light():
    code = ("import sys, pymacaron_aws.cli; heavy = [m for m in ('boto3', 'flask', 'pymacaron_core') "
            "if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_all_lists_every_lazy_name():
    assert set(pymacaron_aws.__all__) == set(pymacaron_aws._LAZY) | {"__version__"}

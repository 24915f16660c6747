"""``python -m pymacaron_unit [options]``: the same as ``pymtest``."""

import sys

from pymacaron_unit.cli import pymtest

sys.exit(pymtest())

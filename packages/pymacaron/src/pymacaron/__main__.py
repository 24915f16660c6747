"""``python -m pymacaron ...`` is the ``pymacaron`` command."""

import sys

from pymacaron.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m pymacaron_async [options]``: one worker process of the service (see :mod:`pymacaron_async.worker`)."""

import sys

from pymacaron_async.worker import main

sys.exit(main())

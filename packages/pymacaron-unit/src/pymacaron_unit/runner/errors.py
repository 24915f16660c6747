"""The runner's one error: what went wrong and what to do, printed as ``ERROR: ...``."""

from __future__ import annotations


class RunnerError(Exception):
    """The tests cannot run (bad option, no service, no Docker...): exit with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

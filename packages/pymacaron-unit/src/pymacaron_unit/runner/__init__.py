"""The acceptance-test runner behind ``pymacaron test``, ``pymtest`` and ``run_acceptance_tests``.

Modules, one concern each: ``options`` (the command line), ``core`` (the run), ``local`` (the
service on this machine, started if needed), ``docker`` (``--image``), ``acceptance`` (pytest),
``fuzz`` and ``specs`` (``--fuzz`` with schemathesis), ``pym`` (what is asked of pymacaron, lazily),
``envfile`` (~/.env.secrets), ``errors``.
"""

from pymacaron_unit.runner.core import run
from pymacaron_unit.runner.errors import RunnerError

__all__ = ["RunnerError", "run"]

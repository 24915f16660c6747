"""Deciding what the problems found in a spec mean: stop start-up, or warn once.

Every stage collects :class:`~pymacaron_core.exceptions.SpecProblem` s. An error stops
start-up; a warning (something pymacaron v1 tolerated and that does not stop serving) is
logged once per process with its file and line, and becomes an error when the spec is
checked strictly (``strict_spec: true`` in pym-config, ``pymacaron lint``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pymacaron_core.exceptions import SpecError, SpecProblem

log = logging.getLogger("pymacaron_core.spec")

_warned: set[str] = set()


def settle(problems: Sequence[SpecProblem], strict: bool = False) -> list[SpecProblem]:
    """Raise one SpecError for the errors (all problems listed), or log the warnings once.

    Under ``strict``, warnings are errors. Returns the warnings that were tolerated.
    """
    if not problems:
        return []
    if strict:
        problems = [p.as_error() for p in problems]
    errors = [p for p in problems if not p.is_warning]
    if errors:
        raise SpecError(errors + [p for p in problems if p.is_warning])
    for p in problems:
        key = str(p)
        if key not in _warned:
            _warned.add(key)
            log.warning("%s\n    (tolerated as pymacaron v1 did; 'strict_spec: true' in pym-config.yaml or "
                        "'pymacaron lint' make it an error)", p)
    return list(problems)

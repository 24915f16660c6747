"""Every problem stages 1-3 (read, check, normalize) find in a spec, warnings included.

``pymacaron lint`` runs this: a spec that loads with warnings at start-up (problems
pymacaron v1 tolerated) is reported here as failing, with every problem's file, line
and fix. Handlers and x-parent classes are not imported: that is start-up's job.
"""

from __future__ import annotations

import os
from typing import Any

from pymacaron_core.exceptions import SpecError, SpecProblem
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.description import describe


def lint_spec(yaml_path: str | os.PathLike[str],
              default_definitions: dict[str, Any] | None = None) -> list[SpecProblem]:
    """-> the SpecProblems of the spec at ``yaml_path`` (empty when it is clean), all as errors."""
    name = os.path.splitext(os.path.basename(str(yaml_path)))[0]
    try:
        doc = load_document(yaml_path=yaml_path, name=name, default_definitions=default_definitions, strict=True)
    except SpecError as e:
        return [p.as_error() for p in e.problems]
    _description, problems = describe(doc, name)
    return [p.as_error() for p in problems]

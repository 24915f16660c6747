"""The version-independent description of a spec (stage 3's output), security part.

Swagger 2.0 (``securityDefinitions``/``security``, read by :mod:`.swagger2`) and OpenAPI
3.x (``components.securitySchemes``) both become:

- :class:`SecurityScheme`: one declared scheme;
- a *security requirement*: ``None`` when the operation needs nothing, else a tuple of
  alternatives (any one suffices: OR), each a tuple of ``(scheme_name, scopes)`` pairs
  (all needed: AND). An operation's own ``security`` replaces the global one; ``[]``, or an
  empty alternative (``[{}]``), makes the operation public.

Nothing here does I/O or knows Flask; enforcement is :mod:`pymacaron_core.server.security`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymacaron_core.exceptions import SpecProblem

KINDS = ("apiKey", "http", "oauth2", "openIdConnect")
API_KEY_LOCATIONS = ("header", "query", "cookie")


@dataclass(frozen=True)
class SecurityScheme:
    """One security scheme. ``kind``: apiKey | http | oauth2 | openIdConnect; ``scheme``: the
    ``http`` scheme (basic, bearer...; Swagger 2.0's ``basic`` is http/basic); ``location`` and
    ``param_name`` say where an apiKey is sent; ``scopes``: the scopes it declares."""

    name: str
    kind: str
    scheme: str | None = None
    location: str | None = None
    param_name: str | None = None
    scopes: tuple = ()
    file: str = ""
    line: int | None = None

    @property
    def verifier_kind(self):
        """The key under which verifiers for this scheme are registered.

        ``apiKey``, ``basic``, ``bearer``, ``oauth2``, ``openIdConnect`` (another http scheme:
        its name). An apiKey sent in the ``Authorization`` header is how Swagger 2.0 specs
        declare bearer tokens, so it counts as ``bearer`` (a verifier registered for the
        scheme's own name still wins).
        """
        if self.kind == "http":
            return (self.scheme or "").lower()
        if self.kind == "apiKey" and self.location == "header" and (self.param_name or "").lower() == "authorization":
            return "bearer"
        return self.kind

    @property
    def where(self):
        return f"{self.file} line {self.line}" if self.line else self.file


def normalize_requirements(raw, schemes, file, line, where):
    """A spec's ``security`` list -> (requirement, problems); see the module docstring.

    ``schemes``: name -> SecurityScheme. Undeclared scheme names are errors (a spec never
    fails open); scopes the scheme does not declare are warnings.
    """
    problems = []
    if raw is None:
        return None, problems
    if not isinstance(raw, list):
        problems.append(SpecProblem(file, line, where, f"'security' must be a list of requirements, got {raw!r}",
                                    "e.g. security: [{api_key: []}]"))
        return None, problems
    alternatives = []
    for alternative in raw:
        if not isinstance(alternative, dict):
            problems.append(SpecProblem(file, line, where,
                                        f"each 'security' requirement must map scheme names to scopes, got "
                                        f"{alternative!r}", "e.g. security: [{api_key: []}]"))
            continue
        if not alternative:
            return None, problems  # an empty requirement: anyone may call
        pairs = []
        for name, scopes in alternative.items():
            scheme = schemes.get(name)
            if scheme is None:
                known = ", ".join(sorted(schemes)) or "none"
                problems.append(SpecProblem(file, line, where,
                                            f"security requirement names the scheme {name!r}, which is not declared "
                                            f"(declared: {known})",
                                            "declare it under securityDefinitions (Swagger 2.0) or "
                                            "components.securitySchemes (OpenAPI 3)"))
                continue
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                problems.append(SpecProblem(file, line, where,
                                            f"the scopes of {name!r} must be a list of strings, got {scopes!r}",
                                            f"e.g. {name}: [] (or a list of scope names)"))
                continue
            unknown = [s for s in scopes if scheme.kind == "oauth2" and s not in scheme.scopes]
            if unknown:
                problems.append(SpecProblem(file, line, where,
                                            f"scope(s) {', '.join(map(repr, unknown))} of {name!r} are not declared "
                                            "by the scheme", f"add them to the scopes of {name}",
                                            severity="warning"))
            pairs.append((name, tuple(scopes)))
        if pairs:
            alternatives.append(tuple(pairs))
    if not alternatives:
        return None if not problems else (), problems
    return tuple(alternatives), problems


def describe_requirement(requirement):
    """'api_key, or basic and oauth (read:items)' for messages."""
    if not requirement:
        return "nothing"
    parts = []
    for alternative in requirement:
        parts.append(" and ".join(f"{name} ({' '.join(scopes)})" if scopes else name for name, scopes in alternative))
    return ", or ".join(parts)

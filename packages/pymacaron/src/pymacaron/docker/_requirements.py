"""What the service declares it needs, read from its one dependency file.

The image installs the Python packages of the service's folder (as committed) from exactly one of:

=====================  ======================================================================
``requirements.txt``   pip's format, given to pip as it is
``Pipfile.lock``       its ``default`` packages, at their locked versions (beside its Pipfile)
``Pipfile``            its ``[packages]`` (when there is no Pipfile.lock)
``pyproject.toml``     its ``[project] dependencies`` (a pyproject.toml without them is tool
                       configuration, not a dependency file)
=====================  ======================================================================

``docker_requirements: <file>`` in pym-config.yaml names the one to use when there are several.
Otherwise a second dependency file, or one packaging cannot read (``setup.py``, ``setup.cfg``,
Poetry's, PDM's or uv's lock files, conda's ``environment.yml``), stops packaging with a message
naming it: a dependency the image would silently miss is worse than a refusal.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

from pymacaron.docker._errors import DockerError

REQUIREMENTS_TXT = "requirements.txt"
PIPFILE = "Pipfile"
PIPFILE_LOCK = "Pipfile.lock"
PYPROJECT = "pyproject.toml"
READABLE = (REQUIREMENTS_TXT, PIPFILE_LOCK, PIPFILE, PYPROJECT)
# files declaring dependencies that packaging does not read, and how to give them to it instead
UNREADABLE = {
    "setup.py": "list the service's dependencies in requirements.txt (setup.py is not run)",
    "setup.cfg": "list the service's dependencies in requirements.txt (setup.cfg's install_requires is not read)",
    "poetry.lock": "export them: poetry export -f requirements.txt -o requirements.txt",
    "pdm.lock": "export them: pdm export -o requirements.txt",
    "uv.lock": "export them: uv export --no-hashes -o requirements.txt",
    "environment.yml": "list the pip packages in requirements.txt (conda environments are not read)",
    "environment.yaml": "list the pip packages in requirements.txt (conda environments are not read)",
}
FIX = "name the one the image installs from in pym-config.yaml ('docker_requirements: requirements.txt')"
PYPI = ("https://pypi.org/simple", "https://pypi.python.org/simple")


@dataclass
class Declared:
    """The service's dependencies: the file they come from, and either that file (requirements.txt,
    given to pip as it is) or the requirement strings read from it."""

    source: str | None  # the file name, None when the service declares nothing
    requirements: list = field(default_factory=list)
    requirements_file: str | None = None

    def describe(self):
        if self.source is None:
            return "the service declares no dependencies (no requirements.txt, Pipfile or pyproject.toml)"
        if self.requirements_file:
            return f"the service's dependencies: {self.source}"
        return f"the service's dependencies: {self.source} ({len(self.requirements)} packages)"


def _toml(path):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DockerError(f"{path}: cannot be read as TOML: {e}") from None


def _pyproject_dependencies(path):
    """The [project] dependencies of a pyproject.toml, or None when it declares none (tool config only)."""
    data = _toml(path)
    project = data.get("project") or {}
    if "dependencies" in (project.get("dynamic") or []):
        raise DockerError(f"{path}: its dependencies are dynamic (computed by the build backend), which packaging "
                          "cannot read: list them in [project] dependencies, or in requirements.txt")
    deps = project.get("dependencies")
    if deps:
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise DockerError(f"{path}: [project] dependencies must be a list of requirement strings")
        return list(deps)
    poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    if [name for name in poetry if name.lower() != "python"]:
        raise DockerError(f"{path}: Poetry's [tool.poetry.dependencies] are not read by packaging: "
                          f"{UNREADABLE['poetry.lock']}")
    return None


def _check_sources(path, sources):
    for source in sources or []:
        url = str(source.get("url", "")).rstrip("/")
        if url and url not in PYPI:
            raise DockerError(f"{path}: the package index {url} ([[source]] {source.get('name', '')!r}) is not used "
                              "by packaging, which collects the packages with pip: give it to pip too "
                              f"(PIP_EXTRA_INDEX_URL={url})")


def _pipfile_requirement(path, name, spec, version_key="version"):
    """One Pipfile / Pipfile.lock entry -> a requirement string."""
    if isinstance(spec, str):
        return name if spec.strip() in ("", "*") else f"{name}{spec.strip()}"
    if not isinstance(spec, dict):
        raise DockerError(f"{path}: {name} = {spec!r} is not a version nor a table")
    for key in ("git", "path", "file", "editable"):
        if spec.get(key):
            raise DockerError(f"{path}: {name} comes from a {key} ({spec[key]!r}), which packaging cannot turn into "
                              "a pinned wheel: publish it to a package index, or install it from requirements.txt "
                              f"('{name} @ <url>')")
    if spec.get("index") not in (None, "pypi"):
        raise DockerError(f"{path}: {name} comes from the index {spec['index']!r}, which packaging does not use: give "
                          "that index to pip (PIP_EXTRA_INDEX_URL)")
    extras = spec.get("extras") or []
    text = name + (f"[{','.join(extras)}]" if extras else "")
    version = str(spec.get(version_key) or "").strip()
    if version and version != "*":
        text += version
    markers = [str(spec["markers"])] if spec.get("markers") else []
    markers += [f"{key} {value}" for key, value in spec.items() if key in ("sys_platform", "platform_machine",
                                                                           "python_version", "os_name")]
    return f"{text}; {' and '.join(markers)}" if markers else text


def _pipfile_lock(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise DockerError(f"{path}: cannot be read as JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
        raise DockerError(f"{path} is not a Pipfile.lock (no 'default' packages)")
    _check_sources(path, (data.get("_meta") or {}).get("sources"))
    return [_pipfile_requirement(path, name, spec) for name, spec in sorted(data.get("default", {}).items())]


def _pipfile(path):
    data = _toml(path)
    _check_sources(path, data.get("source"))
    return [_pipfile_requirement(path, name, spec) for name, spec in (data.get("packages") or {}).items()]


def declared_dependencies(folder, choice=None, config_path="pym-config.yaml"):
    """The :class:`Declared` dependencies of the service files in ``folder`` (DockerError when ambiguous)."""
    present = {name for name in (*READABLE, *UNREADABLE) if os.path.isfile(os.path.join(folder, name))}
    pyproject_deps = _pyproject_dependencies(os.path.join(folder, PYPROJECT)) if PYPROJECT in present and \
        choice in (None, PYPROJECT) else None
    if choice is not None:
        if choice not in READABLE:
            raise DockerError(f"{config_path}: docker_requirements {choice!r} is not a file packaging reads: use one "
                              f"of {', '.join(READABLE)}")
        if choice not in present:
            raise DockerError(f"{config_path}: docker_requirements is {choice}, which is not among the service's "
                              "committed files")
        source = choice
    else:
        if PIPFILE_LOCK in present and PIPFILE not in present:
            raise DockerError(f"{PIPFILE_LOCK} is committed without its {PIPFILE}: commit both (pipenv lock)")
        declaring = [name for name in (REQUIREMENTS_TXT, PIPFILE) if name in present]
        if pyproject_deps is not None:
            declaring.append(PYPROJECT)
        if len(declaring) > 1:
            raise DockerError(f"the service declares its dependencies in both {' and '.join(declaring)}: the image "
                              f"installs from one file only, so keep one, or {FIX}")
        unreadable = sorted(present & set(UNREADABLE))
        if unreadable:
            name = unreadable[0]
            raise DockerError(f"{name} declares dependencies that packaging does not read, so the image would miss "
                              f"them: {UNREADABLE[name]}; or, if {name} holds nothing the service needs, {FIX}")
        if not declaring:
            return Declared(None)
        source = declaring[0]
    path = os.path.join(folder, source)
    if source == REQUIREMENTS_TXT:
        return Declared(REQUIREMENTS_TXT, requirements_file=path)
    if source == PIPFILE and PIPFILE_LOCK in present:
        return Declared(PIPFILE_LOCK, _pipfile_lock(os.path.join(folder, PIPFILE_LOCK)))
    if source == PIPFILE_LOCK:
        return Declared(PIPFILE_LOCK, _pipfile_lock(path))
    if source == PIPFILE:
        return Declared(PIPFILE, _pipfile(path))
    if pyproject_deps is None:
        raise DockerError(f"{config_path}: docker_requirements is {PYPROJECT}, which has no [project] dependencies")
    return Declared(PYPROJECT, pyproject_deps)

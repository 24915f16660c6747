"""The service's files in the image: ``git archive HEAD`` of its folder, tests left out.

- ``test/``, ``tests/``, ``testaccept/`` (and the tools' scratch folders ``.pym/``,
  ``.elasticbeanstalk/``) are not shipped;
- ``apis/*.yaml`` are always shipped, also when a spec is not committed (generated specs);
- every ``include_links`` path (a symlink to a sibling project, usually) is copied
  dereferenced, without ``__pycache__`` and ``*.pyc``; so is any other symlink that points out
  of the service's folder, which would otherwise dangle in the image;
- ``VERSION`` holds the version (``/pym/VERSION`` in the container).

:func:`find_secrets` then checks that no value of an ``env_secrets`` variable is in any file.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile

from pymacaron.docker._errors import DockerError

EXCLUDED = frozenset({"test", "tests", "testaccept", ".pym", ".elasticbeanstalk", ".git"})
IGNORED_COPY = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".git")
MIN_SECRET_LENGTH = 6  # shorter values ('1', 'true') would match everywhere and are no secrets
GIT_TIMEOUT = 120


def _top(name):
    return name.strip("/").split("/", 1)[0]


def git_archive(folder):
    """The tar (bytes) of HEAD restricted to ``folder`` (paths relative to it)."""
    try:
        done = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=folder, capture_output=True,
                              timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise DockerError("git is not installed (or not on PATH): install git") from None
    except subprocess.TimeoutExpired:
        raise DockerError(f"'git archive HEAD' did not finish within {GIT_TIMEOUT} s in {folder}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise DockerError(f"'git archive HEAD' failed in {folder}: {detail[-1] if detail else done.returncode}; "
                          "the image is built from the last commit: commit the service first")
    return done.stdout


def extract(tar_bytes, dest, excluded=EXCLUDED):
    """Extract the archive into ``dest``, without the ``excluded`` top-level entries -> the names kept."""
    kept = []
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        members = []
        for m in tar.getmembers():
            if m.name.startswith("/") or ".." in m.name.split("/") or _top(m.name) in excluded:
                continue
            if not (m.isfile() or m.isdir() or m.issym()):
                continue
            members.append(m)
            kept.append(m.name)
        try:
            tar.extractall(dest, members=members, filter="tar")
        except TypeError:  # Python < 3.10.12: no extraction filters (the members are checked above)
            tar.extractall(dest, members=members)
    return kept


def copy_dereferenced(source, target):
    """Copy ``source`` (file or folder, symlinks followed) to ``target``, replacing what is there."""
    if os.path.islink(target) or os.path.isfile(target):
        os.unlink(target)
    elif os.path.isdir(target):
        shutil.rmtree(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=False, ignore=IGNORED_COPY)
    else:
        shutil.copy2(source, target)


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder + os.sep)


def add_include_links(project, dest, say):
    for link in project.include_links:
        rel = os.path.normpath(link)
        if os.path.isabs(rel) or rel.startswith(".."):
            raise DockerError(f"{project.config_path}: include_links entry {link!r} must be a path inside the "
                              f"service folder {project.folder} (usually a symlink to the sibling project)")
        source = os.path.join(project.folder, rel)
        if not os.path.exists(source):
            raise DockerError(f"{project.config_path}: include_links entry {link!r}: {source} does not exist "
                              "(create the symlink, or remove the entry)")
        copy_dereferenced(os.path.realpath(source), os.path.join(dest, rel))
        say(f"included {link} (from {os.path.realpath(source)})")


def dereference_outside_links(project, dest, say):
    """Replace each symlink of ``dest`` that leads out of it by a copy of what it points to."""
    for top, dirs, files in os.walk(dest):
        for name in list(dirs) + files:
            path = os.path.join(top, name)
            if not os.path.islink(path) or _inside(path, dest):
                continue
            rel = os.path.relpath(path, dest)
            source = os.path.realpath(os.path.join(project.folder, rel))
            if not os.path.exists(source):
                raise DockerError(f"{rel} is a symlink to {os.readlink(path)}, which does not exist: fix or remove "
                                  "the link (the image cannot hold a dangling link)")
            copy_dereferenced(source, path)
            say(f"copied {rel} (a link to {source})")


def add_uncommitted_specs(project, dest, say):
    specs = os.path.join(project.folder, "apis")
    if not os.path.isdir(specs):
        return
    for name in sorted(os.listdir(specs)):
        target = os.path.join(dest, "apis", name)
        if name.endswith((".yaml", ".yml")) and not os.path.lexists(target):
            copy_dereferenced(os.path.realpath(os.path.join(specs, name)), target)
            say(f"added apis/{name} (not committed)")


def export_service(project, dest, version, say=lambda text: None):
    """Write the service's files into ``dest`` (the image's /pym) -> the sorted relative file paths."""
    os.makedirs(dest, exist_ok=True)
    extract(git_archive(project.folder), dest)
    add_include_links(project, dest, say)
    dereference_outside_links(project, dest, say)
    add_uncommitted_specs(project, dest, say)
    with open(os.path.join(dest, "VERSION"), "w", encoding="utf-8") as f:
        f.write(version + "\n")
    for required in ("server.py",):
        if not os.path.isfile(os.path.join(dest, required)):
            raise DockerError(f"{required} is not committed in {project.folder}: the image runs server.py's "
                              "'app'; git add and commit it")
    return sorted(os.path.relpath(os.path.join(top, f), dest) for top, _, files in os.walk(dest) for f in files)


def find_secrets(folder, names, environ=None, skip_suffixes=(".whl",)):
    """[(variable, relative path)] for each env_secrets value found in a file under ``folder``.

    Only names are returned, never values.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for name in names:
        value = environ.get(name) or ""
        if len(value) >= MIN_SECRET_LENGTH:
            values[name] = value.encode()
    found = []
    if not values:
        return found
    for top, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(top, f)
            if f.endswith(skip_suffixes) or os.path.islink(path):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            found += [(name, os.path.relpath(path, folder)) for name, value in values.items() if value in data]
    return sorted(found)

"""The image's Python packages: a wheelhouse and a lock, made on this machine at packaging time.

The image then installs with ``pip install --no-index --require-hashes -r requirements.lock``:
no package index is reached while the image builds, and the versions are the ones this
machine runs (and was tested with), so two builds of one commit get the same packages.

- the ``pymacaron*`` distributions installed from local sources (editable installs of the
  monorepo) are built as wheels (by their build backend when it is installed here, all in one
  process, else with ``pip wheel``), those installed from PyPI are pinned to their version;
- the service's dependencies (its requirements.txt, Pipfile.lock, Pipfile or pyproject.toml: see
  ``_requirements``), the pymacaron packages, the production server and, with ``with_async``,
  pymacaron-async are resolved with ``pip wheel``, every distribution installed here being a
  constraint (``name==installed version``);
- pymacaron packages installed from wheels (PyMacaron 3 built from its repository, before it is on
  PyPI) are found where pip finds them for ``pip install``: ``$PIP_FIND_LINKS``; a missing one is
  named, with how to build it;
- third-party wheels are kept in a cache folder (``$PYM_WHEEL_CACHE``, else
  ``~/.cache/pymacaron/wheels``), tried first without any index; a wheel enters it atomically,
  so parallel packagings can share it;
- ``requirements.lock`` lists every wheel as ``name==version --hash=sha256:...``.

Wheels are built for this machine's Python and platform: the image's base is
``python:<this X.Y>-slim``, and packaging must run on Linux (as CI does).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata

from pymacaron.docker._errors import DockerError

LOCAL_PREFIX = "pymacaron"
LOCK_NAME = "requirements.lock"
PIP_TIMEOUT = 900


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def cache_dir():
    return os.environ.get("PYM_WHEEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "pymacaron",
                                                               "wheels")


def local_source(dist):
    """The folder a distribution was installed from (pip install [-e] <folder>), else None."""
    try:
        text = dist.read_text("direct_url.json")
        info = json.loads(text) if text else {}
    except (OSError, ValueError):
        return None
    url = info.get("url", "")
    if "dir_info" not in info or not url.startswith("file://"):
        return None
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(url).path)
    return path if os.path.isfile(os.path.join(path, "pyproject.toml")) or \
        os.path.isfile(os.path.join(path, "setup.py")) else None


class Installed:
    """One installed distribution: its metadata is parsed once (there may be hundreds)."""

    def __init__(self, dist, name, version):
        self.dist, self.name, self.version = dist, name, version

    @property
    def requires(self):
        return self.dist.requires


def installed():
    """{canonical name: :class:`Installed`} of this interpreter (the first found wins, as for imports)."""
    found = {}
    for dist in metadata.distributions():
        meta = dist.metadata
        name = meta["Name"] if meta else None
        if name and canonical(name) not in found:
            found[canonical(name)] = Installed(dist, name, meta["Version"])
    return found


def _requirement(text):
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def requirement_lines(path):
    """The requirement strings of a requirements.txt (comments, options and blank lines dropped)."""
    if not path or not os.path.isfile(path):
        return []
    lines = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split(" #", 1)[0].strip()
            if line and not line.startswith(("#", "-")):
                lines.append(line)
    return lines


def local_closure(roots, dists):
    """The pymacaron* distributions installed from local folders that ``roots`` need -> {name: folder}."""
    todo = [r for r in (_requirement(t) for t in roots) if r is not None]
    seen, local = set(), {}
    while todo:
        req = todo.pop()
        name = canonical(req.name)
        key = (name, tuple(sorted(req.extras)))
        if key in seen or not name.startswith(LOCAL_PREFIX) or name not in dists:
            continue
        seen.add(key)
        dist = dists[name]
        source = local_source(dist.dist)
        if source:
            local[name] = source
        for text in dist.requires or []:
            sub = _requirement(text)
            if sub is None:
                continue
            if sub.marker is not None:
                envs = [{"extra": e} for e in req.extras] or [{"extra": ""}]
                if not any(sub.marker.evaluate(env) for env in envs):
                    continue
            todo.append(sub)
    return local


def _pip(args, quiet=False):
    if importlib.util.find_spec("pip") is None:
        raise DockerError(f"packaging builds wheels with pip, which is not installed in {sys.prefix} "
                          f"(e.g. a venv made by uv): run '{sys.executable} -m ensurepip' or 'uv pip install pip'")
    cmd = [sys.executable, "-m", "pip", *args]
    if quiet:
        cmd.append("--quiet")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise DockerError(f"'pip {args[0]}' did not finish within {PIP_TIMEOUT} s") from None
    return done


def _fail(what, done, hint=""):
    lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
    detail = "\n  ".join(lines[-6:]) or f"exit status {done.returncode}"
    raise DockerError(f"{what} failed:\n  {detail}{hint}")


# Builds wheels of source folders with their PEP 517 backends, imported here, in one process:
# argv = destination folder, then one JSON [folder, backend] per source.
_BUILD_WITH_BACKENDS = """\
import importlib, json, os, sys
dest = sys.argv[1]
for arg in sys.argv[2:]:
    folder, backend = json.loads(arg)
    os.chdir(folder)
    module, _, attr = backend.partition(":")
    hooks = importlib.import_module(module)
    for part in filter(None, attr.split(".")):
        hooks = getattr(hooks, part)
    print(hooks.build_wheel(dest))
"""


def _backend(folder):
    """The build-backend of a source folder when it is importable here (and needs no backend-path), else None."""
    if sys.version_info < (3, 11):
        return None
    import tomllib

    try:
        with open(os.path.join(folder, "pyproject.toml"), "rb") as f:
            system = tomllib.load(f).get("build-system", {})
    except (OSError, ValueError):
        return None
    backend = system.get("build-backend")
    if not isinstance(backend, str) or not backend or system.get("backend-path"):
        return None
    try:
        found = importlib.util.find_spec(backend.partition(":")[0])
    except (ImportError, ValueError):
        return None
    return backend if found else None


def build_local_wheels(sources, dest, say):
    if not sources:
        return
    say("building wheels of " + ", ".join(sorted(sources)))
    folders = [sources[n] for n in sorted(sources)]
    backends = [_backend(folder) for folder in folders]
    if all(backends):
        # the build backends are installed here: call them in one process (no index, no pip overhead)
        os.makedirs(dest, exist_ok=True)
        args = [json.dumps([folder, backend]) for folder, backend in zip(folders, backends, strict=True)]
        try:
            done = subprocess.run([sys.executable, "-c", _BUILD_WITH_BACKENDS, dest, *args], capture_output=True,
                                  text=True, timeout=PIP_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise DockerError(f"building the local pymacaron wheels did not finish within {PIP_TIMEOUT} s") from None
    else:
        # with the build backend installed here, no index is needed to build them
        isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
        done = _pip(["wheel", "--no-deps", *isolation, "--wheel-dir", dest, *folders])
    if done.returncode != 0:
        _fail("building the local pymacaron wheels", done)


def write_constraints(path, dists, local):
    with open(path, "w", encoding="utf-8") as f:
        for name in sorted(dists):
            if name not in local:
                f.write(f"{name}=={dists[name].version}\n")


def wheel_name_version(filename):
    parts = filename[:-len(".whl")].split("-")
    return canonical(parts[0]), parts[1]


def write_lock(wheelhouse, path):
    """``requirements.lock``: every wheel of ``wheelhouse`` pinned and hashed -> {name: version}."""
    pins = {}
    lines = []
    for filename in sorted(os.listdir(wheelhouse)):
        if not filename.endswith(".whl"):
            continue
        name, version = wheel_name_version(filename)
        with open(os.path.join(wheelhouse, filename), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        pins[name] = version
        lines.append(f"{name}=={version} --hash=sha256:{digest}\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Generated by 'pymacaron docker': the image's packages, installed with --no-index\n")
        f.writelines(lines)
    return pins


def check_platform():
    if not sys.platform.startswith("linux"):
        raise DockerError("the image's wheels are built on this machine for its platform, and this is not Linux "
                          f"({sys.platform}): run 'pymacaron docker' on Linux (a CI runner, a Linux VM or container)")


def base_image():
    return f"python:{sys.version_info.major}.{sys.version_info.minor}-slim"


def build_wheelhouse(context, requirements, requirements_file=None, say=lambda text: None, dists=None):
    """Fill ``<context>/wheels`` and write ``<context>/requirements.lock`` -> {name: version} installed.

    ``requirements``: strings (``pymacaron==<version>``, ``granian``...); ``requirements_file``: the
    service's requirements.txt, or None.
    """
    check_platform()
    dists = installed() if dists is None else dists
    roots = list(requirements) + requirement_lines(requirements_file)
    local = local_closure(roots, dists)
    wheelhouse = os.path.join(context, "wheels")
    os.makedirs(wheelhouse, exist_ok=True)
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pym-wheels-") as tmp:
        local_dir = os.path.join(tmp, "local")
        build_local_wheels(local, local_dir, say)
        constraints = os.path.join(tmp, "constraints.txt")
        write_constraints(constraints, dists, local)
        # $PIP_FIND_LINKS too in the first, offline pass (where `pip install --find-links` users keep our wheels)
        links = [arg for link in find_links() for arg in ("--find-links", link)]
        args = ["wheel", "--wheel-dir", wheelhouse, "--find-links", local_dir, *links, "--find-links", cache,
                "--constraint", constraints, *requirements]
        if requirements_file:
            args += ["--requirement", requirements_file]
        done = _pip([*args, "--no-index"], quiet=True)
        if done.returncode != 0:
            say("resolving the packages (some are not in the wheel cache yet)")
            done = _pip(args)
            if done.returncode != 0:
                missing = missing_ours(done.stdout + done.stderr)
                if missing:
                    raise DockerError(missing_wheel_message(missing, dists))
                _fail("collecting the image's packages with pip wheel", done,
                      "\nThe versions installed on this machine are constraints (the image runs what you tested): "
                      "make the service's dependency file agree with them (pip install <the same packages>).")
    for filename in os.listdir(wheelhouse):
        name, _ = wheel_name_version(filename) if filename.endswith(".whl") else ("", "")
        # third-party wheels only: a pymacaron wheel of one version may be built from different sources
        if name and not name.startswith(LOCAL_PREFIX) and not os.path.exists(os.path.join(cache, filename)):
            _add_to_cache(os.path.join(wheelhouse, filename), cache)
    return write_lock(wheelhouse, os.path.join(context, LOCK_NAME))


def find_links():
    """The folders and URLs of ``$PIP_FIND_LINKS`` (whitespace-separated, as pip reads it)."""
    return os.environ.get("PIP_FIND_LINKS", "").split()


def missing_ours(pip_output):
    """The pymacaron requirement pip found no distribution for (``pymacaron-core==3.1.0``), or None.

    pip says it with ``No matching distribution found for <req>``, or, when the requirement is also
    a constraint (every installed distribution is one), with a resolution conflict: ``The conflict is
    caused by:`` then lines ``The user requested [(constraint)] <req>`` and ``<name> <version> depends
    on <req>``. A pymacaron requirement there whose name is no candidate pip found (``<name>
    <version> depends on``) has no distribution."""
    found = [m.group(1) for m in re.finditer(r"No matching distribution found for (\S+)", pip_output)]
    conflict = re.search(r"The conflict is caused by:\n((?:[ \t]+\S.*\n?)+)", pip_output)
    if conflict:
        lines = conflict.group(1).splitlines()
        candidates = {canonical(m.group(1)) for line in lines if (m := re.match(r"\s*(\S+) \S+ depends on ", line))}
        for line in lines:
            m = re.match(r"\s*(?:The user requested (?:\(constraint\) )?|\S+ \S+ depends on )(\S+)", line)
            name = m and re.match(r"[A-Za-z0-9._-]+", m.group(1))
            if name and canonical(name.group(0)) not in candidates:
                found.append(m.group(1))
    for requirement in found:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name and canonical(name.group(0)).startswith(LOCAL_PREFIX):
            return requirement
    return None


def missing_wheel_message(requirement, dists):
    name = canonical(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
    dist = dists.get(name)
    installed_here = f"{name} {dist.version} is installed here from a wheel, not from a source folder" if dist \
        else f"{name} is needed"
    links = find_links()
    looked = f"PIP_FIND_LINKS is {' '.join(links)!r}, which holds none" if links else "PIP_FIND_LINKS is not set"
    return (f"no wheel of {requirement} to put in the image: {installed_here}, and the package index does not have "
            f"that version ({looked}). Build the PyMacaron wheels (nox -s wheels, in a clone of the pymacaron "
            "repository) and point PIP_FIND_LINKS at them, as for pip install: export PIP_FIND_LINKS=<clone>/dist")


def _add_to_cache(wheel, cache):
    """Copy ``wheel`` into the cache atomically: a concurrent 'pymacaron docker' never sees half a wheel
    (the partial copy has a name pip ignores until it is renamed)."""
    filename = os.path.basename(wheel)
    partial = os.path.join(cache, f".{filename}.{os.getpid()}.partial")
    try:
        shutil.copy2(wheel, partial)
        os.replace(partial, os.path.join(cache, filename))
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def pinned(name, dists=None):
    """``name==<installed version>``, or ``name`` when it is not installed here."""
    dists = installed() if dists is None else dists
    dist = dists.get(canonical(name))
    return f"{name}=={dist.version}" if dist is not None else name

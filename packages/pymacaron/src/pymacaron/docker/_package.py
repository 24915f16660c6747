"""``package()``: build context -> image -> push; what ``pymacaron docker`` runs.

The context (``--output DIR`` keeps it; otherwise a temporary folder)::

    Dockerfile          generated (see pymacaron.docker._dockerfile)
    app/                the service's committed files, tests left out -> /pym
    wheels/             every Python package of the image, as wheels
    requirements.lock   name==version --hash=sha256:... for each wheel
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from pymacaron.docker._context import export_service, find_secrets
from pymacaron.docker._dockerfile import EXTRA_NAME, render
from pymacaron.docker._engine import NO_ENGINE, Engine
from pymacaron.docker._errors import DockerError
from pymacaron.docker._project import check_version, load_project
from pymacaron.docker._requirements import declared_dependencies
from pymacaron.docker._wheels import LOCK_NAME, base_image, build_wheelhouse, installed, pinned

MARKER = ".pymacaron-docker-context"
REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
DEFAULT_REGISTRY = "docker.io"


@dataclass
class BuildResult:
    image: str
    version: str
    context: str | None = None  # kept only with --output
    built: bool = False
    pushed: list = field(default_factory=list)
    packages: dict = field(default_factory=dict)


def remote_ref(image, registry=None):
    """The name ``image`` is pushed as: itself on Docker Hub, ``<registry>/<image>`` elsewhere."""
    if not registry or registry in (DEFAULT_REGISTRY, "index.docker.io", "registry-1.docker.io"):
        return image
    registry = registry.strip().rstrip("/")
    if not REGISTRY.match(registry):
        raise DockerError(f"--registry {registry!r} is not a registry host (e.g. docker.io, gcr.io, ghcr.io/org, "
                          "123456789.dkr.ecr.eu-west-1.amazonaws.com)")
    return f"{registry}/{image}"


def _prepare_output(path):
    path = os.path.abspath(path)
    if os.path.isdir(path) and os.listdir(path):
        if not os.path.isfile(os.path.join(path, MARKER)):
            raise DockerError(f"--output {path} is not empty and was not written by 'pymacaron docker': give a new "
                              "or empty folder")
        shutil.rmtree(path)
    elif os.path.exists(path) and not os.path.isdir(path):
        raise DockerError(f"--output {path} is a file: give a folder")
    os.makedirs(path, exist_ok=True)
    return path


def server_name(project):
    from pymacaron.serving import DEFAULT_SERVER, SERVERS

    server = project.server or DEFAULT_SERVER
    if server not in SERVERS:
        raise DockerError(f"{project.config_path}: server {server!r} is not a production server: use one of "
                          f"{', '.join(SERVERS)}")
    return server


def image_requirements(project, dists):
    """What the image installs besides the service's own dependencies, pinned to this machine's versions."""
    reqs = [pinned("pymacaron", dists), pinned(server_name(project), dists)]
    if project.with_async:
        if "pymacaron-async" not in dists:
            raise DockerError(f"{project.config_path} sets with_async, but pymacaron-async is not installed here: "
                              "pip install pymacaron-async (the image gets the version installed here)")
        reqs.append(pinned("pymacaron-async", dists))
    return reqs


def make_context(project, version, dest, say=lambda text: None, environ=None):
    """Write the build context of ``project`` at ``version`` into ``dest`` -> {package: version}."""
    from pymacaron.__about__ import __version__

    check_version(version)
    app = os.path.join(dest, "app")
    export_service(project, app, version, say)
    _check_secrets(project, app, environ)  # before the slow part
    extra = ""
    extra_path = os.path.join(app, EXTRA_NAME)
    if os.path.isfile(extra_path):
        with open(extra_path, encoding="utf-8") as f:
            extra = f.read()
        say(f"inserting {EXTRA_NAME}")
    declared = declared_dependencies(app, project.docker_requirements, project.config_path)
    say(declared.describe())
    dists = installed()
    pins = build_wheelhouse(dest, image_requirements(project, dists) + declared.requirements,
                            declared.requirements_file, say, dists)
    text = render(name=project.name, version=version, base=project.docker_base or base_image(),
                  pym_version=__version__, env=project.env, extra=extra, lock=LOCK_NAME,
                  with_async=project.with_async)
    with open(os.path.join(dest, "Dockerfile"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(dest, MARKER), "w", encoding="utf-8") as f:
        f.write(f"{project.name} {version}\n")
    _check_secrets(project, dest, environ)
    say(f"context ready: {len(pins)} Python packages ({', '.join(f'{n} {v}' for n, v in sorted(pins.items()) if n.startswith('pymacaron'))})")
    return pins


def _check_secrets(project, folder, environ):
    leaks = find_secrets(folder, project.secret_names, environ)
    if leaks:
        where = "; ".join(f"${name} in {path}" for name, path in leaks)
        raise DockerError(f"a secret value would go into the image ({where}): remove it from those files (and from "
                          "git); secrets reach the service as environment variables listed in env_secrets, never "
                          "as files in the image")


def _record(project, image, version):
    scratch = os.path.join(project.folder, ".pym")
    os.makedirs(scratch, exist_ok=True)
    for name, value in (("last_docker_image_id", image), ("last_version", version)):
        with open(os.path.join(scratch, name), "w", encoding="utf-8") as f:
            f.write(value + "\n")


def _warn_dirty(project, say):
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=project.folder, capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return
    if done.returncode == 0 and done.stdout.strip():
        say("warning: the clone has uncommitted changes, which are NOT in the image (it is built from HEAD)")


def package(cwd=None, version=None, env=None, build=True, push=False, registry=None, output=None, debug=False,
            out=None, engine=None, environ=None):
    """Build (and push) the image of the service holding ``cwd`` -> :class:`BuildResult`."""
    out = out or sys.stdout

    def say(text):
        out.write(f"pymacaron docker: {text}\n")
        out.flush()

    project = load_project(cwd, env)
    if version is None:
        from pymacaron.cli._common import CommandError
        from pymacaron.cli.version import version_tag

        try:
            version = version_tag(project.folder)
        except CommandError as e:
            raise DockerError(str(e)) from None
    image = project.image(version)
    ref = remote_ref(image, registry) if push else None
    engine = engine or Engine(out=out, debug=debug)
    result = BuildResult(image=image, version=version)
    if (build and not output) or (push and not build):
        engine.check()
    if build or output:
        _warn_dirty(project, say)
        context = _prepare_output(output) if output else tempfile.mkdtemp(prefix=f"pym-docker-{project.name}-")
        try:
            say(f"packaging {project.name} {version} from {project.folder}")
            result.packages = make_context(project, version, context, say, environ)
            if output:
                result.context = context
                say(f"build context written to {context}")
            if build:
                try:
                    engine.check()
                except DockerError as e:
                    if output:
                        raise DockerError(f"{e}\nThe build context is in {context}: build it later with "
                                          f"'docker build --tag {image} {context}'", exit_code=NO_ENGINE) from None
                    raise
                say(f"building {image}")
                engine.build(context, [image])
                result.built = True
                _record(project, image, version)
                say(f"built {image}")
        except BaseException:
            if not output:
                shutil.rmtree(context, ignore_errors=True)
            elif not result.context:  # a failed context (e.g. a secret found) is not left behind
                shutil.rmtree(context, ignore_errors=True)
            raise
        if not output:
            shutil.rmtree(context, ignore_errors=True)
    if push:
        if not build and not engine.exists(image):
            raise DockerError(f"there is no local image {image} to push: build it first (pymacaron docker "
                              f"--version {version})")
        if ref != image:
            engine.tag(image, ref)
        say(f"pushing {ref}")
        engine.push(ref)
        result.pushed.append(ref)
        say(f"pushed {ref}")
    return result

"""What the image is made of, read from the service's git clone and its pym-config.yaml.

The config is read raw (no environment variable substituted): packaging never needs a secret
value, only the NAMES listed in ``env_secrets`` (to check none of their values ends up in the
image).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from pymacaron.docker._errors import DockerError

IMAGE_PART = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
VERSION_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass
class Project:
    """A service to package: its folder (holding pym-config.yaml) and the keys packaging uses."""

    folder: str
    git_root: str
    config_path: str
    name: str
    docker_repo: str | None
    env: str | None = None
    docker_base: str = ""
    include_links: list = field(default_factory=list)
    with_async: bool = False
    server: str | None = None
    docker_requirements: str | None = None  # the dependency file the image installs from, when there are several
    deploy_target: str = "aws-beanstalk"
    secret_names: list = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def repository(self):
        """``<docker_repo>/<name>`` (DockerError naming the fix when docker_repo is missing)."""
        if not self.docker_repo:
            raise DockerError(f"{self.config_path} has no 'docker_repo' key: add e.g. 'docker_repo: mycompany' "
                              "(the Docker Hub organisation, or the registry path the images go to)")
        return f"{self.docker_repo}/{self.name}"

    def image(self, version):
        """The image tag ``<docker_repo>/<name>:<version>``."""
        check_version(version)
        return f"{self.repository}:{version}"


def check_version(version):
    if not isinstance(version, str) or not VERSION_TAG.match(version):
        raise DockerError(f"--version {version!r} is not a valid Docker tag: use letters, digits, '.', '_' and '-' "
                          "(at most 128 characters), e.g. the output of 'pymacaron version'")
    return version


def _names(conf_path, data, key):
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DockerError(f"{conf_path}: '{key}' must be a list of names, e.g. {key}: [A, B]")
    return value


def _image_part(conf_path, key, value):
    for part in str(value).split("/"):
        if not IMAGE_PART.match(part):
            raise DockerError(f"{conf_path}: {key} {value!r} cannot be part of a Docker image name: use lower-case "
                              "letters, digits and '.', '_' or '-' between them")
    return str(value)


def load_project(cwd=None, env=None):
    """The :class:`Project` of the git clone holding ``cwd`` (pym-config.<env>.yaml preferred)."""
    from pymacaron.cli._common import CommandError, find_config_file, git_root, read_config_file

    try:
        root = git_root(cwd)
        path = find_config_file(env=env, cwd=cwd)
        data = read_config_file(path)
    except CommandError as e:
        raise DockerError(str(e)) from None
    name = data.get("name")
    if not name:
        raise DockerError(f"{path} has no 'name' key: add 'name: <service name>' (it names the image)")
    name = _image_part(path, "name", name)
    repo = data.get("docker_repo")
    if repo:
        repo = _image_part(path, "docker_repo", repo)
    server = data.get("server")
    if server is not None and not isinstance(server, str):
        raise DockerError(f"{path}: 'server' must be 'granian' or 'gunicorn'")
    requirements = data.get("docker_requirements")
    if requirements is not None and (not isinstance(requirements, str) or not requirements.strip()):
        raise DockerError(f"{path}: docker_requirements must be a file name, e.g. docker_requirements: requirements.txt")
    base = data.get("docker_base") or ""
    if not isinstance(base, str) or any(c.isspace() for c in base.strip()):
        raise DockerError(f"{path}: docker_base {base!r} must be one image name, e.g. python:3.11-slim")
    return Project(
        folder=os.path.dirname(os.path.abspath(path)),
        git_root=root,
        config_path=path,
        name=name,
        docker_repo=repo or None,
        env=env,
        docker_base=base.strip(),
        include_links=_names(path, data, "include_links"),
        with_async=bool(data.get("with_async")),
        server=server,
        docker_requirements=requirements.strip() if requirements else None,
        deploy_target=str(data.get("deploy_target") or "aws-beanstalk"),
        secret_names=_names(path, data, "env_secrets"),
        raw=data,
    )

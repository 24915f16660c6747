"""Docker packaging of a PyMacaron service (``pymacaron docker``, alias ``pymdocker``).

::

    from pymacaron.docker import package
    result = package(cwd="path/to/service", version="240101-1200-42-abcdef", push=True)

The image ``<docker_repo>/<name>:<version>`` holds the service's committed files (tests left
out) as ``/pym``, a virtualenv installed from wheels made at packaging time (pinned and hashed:
no package index is reached while the image builds), and runs, as a non-root user, the
production server on ``$PORT`` with a ``/ping`` health check (plus a Celery worker with
``with_async``). No secret value ever goes into the build context: packaging stops if one is
found in a file.

Errors are :class:`DockerError`; ``exit_code`` is 3 when no Docker engine answers.
"""

from pymacaron.docker._context import find_secrets
from pymacaron.docker._dockerfile import render as render_dockerfile
from pymacaron.docker._engine import Engine
from pymacaron.docker._errors import DockerError
from pymacaron.docker._package import BuildResult, make_context, package, remote_ref
from pymacaron.docker._project import Project, load_project

__all__ = [
    "BuildResult",
    "DockerError",
    "Engine",
    "Project",
    "find_secrets",
    "load_project",
    "make_context",
    "package",
    "remote_ref",
    "render_dockerfile",
]

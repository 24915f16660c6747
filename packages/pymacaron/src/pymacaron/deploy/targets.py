"""The contract between the deploy pipeline and a deploy target.

A target is a class registered under the entry-point group
``pymacaron.deploy_targets`` (name = the ``deploy_target`` config value)::

    [project.entry-points."pymacaron.deploy_targets"]
    aws-beanstalk = "pymacaron_aws.beanstalk:BeanstalkTarget"

It is built with no argument and offers:

- ``plan(ctx) -> list[str]``: the steps it would take, for ``--dry-run``;
  it must not call any remote API that changes anything.
- ``deploy(ctx) -> DeployResult``: deploy ``ctx.image`` to staging, run
  ``ctx.acceptance(url)`` against it, stop (raise DeployError) if that fails,
  then go live. Progress goes through ``ctx.progress``.
- optionally ``registry`` (class attribute, e.g. ``"gcr.io"``): where ``pymacaron deploy``
  pushes the image unless ``--registry`` or ``docker_registry`` in pym-config.yaml says
  otherwise (default docker.io); ``ctx.image`` is then the pushed reference.

Secrets: ``ctx.secrets`` maps each ``env_secrets`` name to its value, read
from the deployer's environment. A target passes them only through the
platform's secret mechanism (EB environment properties via the API, Secret
Manager, Kubernetes Secrets) and never writes, prints or logs them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import IO, Any

log = logging.getLogger(__name__)

GROUP = "pymacaron.deploy_targets"
JWT_KEYS = ("jwt_secret", "jwt_issuer", "jwt_audience")  # all set: acceptance tests get a test token


class DeployError(Exception):
    """A deployment step failed; the message says which and why."""


class Progress:
    """Prints what a deployment is doing, one line per step, with elapsed time."""

    def __init__(self, stream: IO[str] | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.t0 = time.monotonic()
        self.steps: list[str] = []

    def _emit(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(f"[{time.monotonic() - self.t0:7.1f}s] {text}\n")
            self.stream.flush()

    def step(self, title: str) -> None:
        """A new step: its title, remembered in ``steps``."""
        self.steps.append(title)
        self._emit(f"==> {title}")

    def info(self, message: str) -> None:
        """A detail line of the current step."""
        self._emit(f"    {message}")

    def wait(self, message: str) -> None:
        """A line for each poll of a long wait (``waiting for ...: status``)."""
        self._emit(f"    ... {message}")

    def fail(self, message: str) -> None:
        """The line saying why the deployment stops."""
        self._emit(f"!!! {message}")


@dataclass
class DeployResult:
    """What a deployment made: the live URL, a staging URL if any, target-specific details."""
    live_url: str | None = None
    staging_url: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class DeployContext:
    """What a target deploys and how: the service folder, its config, version and image, the
    environment, dry-run and test switches, the progress printer and the secrets to pass on."""
    folder: str
    config: Any  # pymacaron.config.PyMacaronConfig
    version: str
    image: str
    env: str | None = None
    dry_run: bool = False
    run_tests: bool = True
    progress: Progress = field(default_factory=Progress)
    secrets: dict = field(default_factory=dict, repr=False)

    def acceptance(self, url: str, no_ssl_check: bool = True) -> bool:
        """Run the service's acceptance tests against ``url``; True if they pass."""
        if not self.run_tests:
            self.progress.info(f"acceptance tests against {url} skipped (--no-test)")
            return True
        from urllib.parse import urlsplit

        parts = urlsplit(url if "//" in url else f"http://{url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        cmd = [sys.executable, "-m", "pymacaron", "test", "--host", parts.hostname, "--port", str(port)]
        if no_ssl_check:
            cmd.append("--no-ssl-check")
        if getattr(self.config, "get", None) and all(self.config.get(k) for k in JWT_KEYS):
            cmd.append("--gen-token")  # PYM_JWT_TOKEN for tests of authenticated endpoints
        self.progress.info(f"acceptance tests against {parts.hostname}:{port}")
        env = dict(os.environ)
        if self.env:
            env["PYM_ENV"] = self.env
        # hostname is None only for a URL without a host: subprocess then raises TypeError, as before
        return subprocess.run(cmd, cwd=self.folder, env=env).returncode == 0  # type: ignore[arg-type]


class DeployTarget:
    """Base class of deploy targets (subclasses set ``name``)."""

    name = ""

    def plan(self, ctx: DeployContext) -> list[str]:
        """The steps ``deploy`` would take, one line each, without calling the platform."""
        raise NotImplementedError

    def deploy(self, ctx: DeployContext) -> DeployResult:
        """Deploy ``ctx``'s image; raise DeployError saying which step failed and why."""
        raise NotImplementedError


def available_targets() -> dict[str, EntryPoint]:
    """{name: entry point} of the installed deploy targets."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_target(name: str) -> DeployTarget:
    """An instance of the installed deploy target ``name``; DeployError naming the package to
    install when it is unknown, or why it failed to load."""
    targets = available_targets()
    if name not in targets:
        known = ", ".join(sorted(targets)) or "none installed"
        hint = {"aws-beanstalk": "pymacaron-aws", "gcp-cloud-run": "pymacaron-gcp", "gke": "pymacaron-gcp"}.get(name)
        extra = f" (pip install {hint})" if hint else ""
        raise DeployError(f"unknown deploy_target {name!r}{extra}; available: {known}")
    try:
        return targets[name].load()()
    except Exception as e:
        raise DeployError(f"deploy target {name!r} failed to load: {e.__class__.__name__}: {e}") from None

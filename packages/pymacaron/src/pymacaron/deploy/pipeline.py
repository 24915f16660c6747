"""The deploy pipeline (``pymacaron deploy``, aliases ``pymdeploy`` and ``deploy_pipeline``).

Steps, in order, each skippable (SPEC P49)::

    1. unit tests              pytest test/                       --no-unittest, --no-test
    2. image                   pymacaron docker (or reuse the     --force-build always builds
                               local image of this commit)
    3. acceptance (image)      pymacaron test --image IMAGE       --no-test
    4. push                    pymacaron docker --push            --no-push
    5. deploy                  the deploy_target's deploy(ctx)    --no-deploy
    6. acceptance (live)       pymacaron test against live_url    --no-test, --no-deploy

A failing step stops the pipeline (:class:`DeployError`): nothing after it runs, so a failing
acceptance test never reaches the live service. ``--dry-run`` prints the plan (with the target's
own ``plan(ctx)``) and changes nothing: no build, no container, no push, no remote call.

Secrets: the values of ``env_secrets`` are read from the environment once, handed to the target
in ``ctx.secrets`` and to containers by NAME; they are never printed nor written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pymacaron.deploy.targets import JWT_KEYS, DeployContext, DeployError, DeployResult, Progress, load_target

if TYPE_CHECKING:
    from pymacaron.config import PyMacaronConfig
    from pymacaron.docker import Engine

UNIT_TEST_DIR = "test"


@dataclass
class Options:
    """What ``pymacaron deploy`` does: its flags (the pym-config env, the image version, which steps run)."""

    env: str | None = None
    version: str | None = None
    unit_tests: bool = True
    acceptance_tests: bool = True
    force_build: bool = False
    build: bool = True  # False: reuse the newest local image (deploy_pipeline --no-build)
    push: bool = True
    deploy: bool = True
    registry: str | None = None
    dry_run: bool = False
    debug: bool = False


@dataclass
class Step:
    """One step of the pipeline: its title, why it is skipped (None: it runs), what runs it, its plan lines."""

    title: str
    skip: str | None  # why it is skipped, or None
    run: Callable[[], None] | None = field(repr=False, default=None)
    plan: list[str] = field(default_factory=list)


class Pipeline:
    """One deployment of the service holding ``cwd``; :meth:`run` or :meth:`print_plan`."""

    def __init__(self, options: Options | None = None, cwd: str | None = None, progress: Progress | None = None,
                 engine: Engine | None = None, environ: Mapping[str, str] | None = None) -> None:
        from pymacaron.docker import DockerError, Engine, load_project

        self.options = options or Options()
        self.progress = progress or Progress()
        self.environ = dict(os.environ if environ is None else environ)
        try:
            self.project = load_project(cwd, self.options.env)
            self.project.repository  # noqa: B018  (docker_repo is required)
        except DockerError as e:
            raise DeployError(str(e)) from None
        self.folder = self.project.folder
        self.engine = engine or Engine(out=self.progress.stream, debug=self.options.debug)
        self.secrets = self._secrets()
        self.config = self._config()
        self.target = load_target(self.project.deploy_target) if self.options.deploy else None
        self.commit = self._git("rev-parse", "HEAD")[:6]
        self.version = self.options.version or self._version()
        self.image: str = self.project.image(self.version)
        self.result: DeployResult | None = None

    # -- set-up ------------------------------------------------------------------------------

    def _git(self, *args: str) -> str:
        from pymacaron.cli._common import CommandError, git

        try:
            return git(*args, cwd=self.folder)
        except CommandError as e:
            raise DeployError(str(e)) from None

    def _version(self) -> str:
        from pymacaron.cli._common import CommandError
        from pymacaron.cli.version import version_tag

        try:
            return version_tag(self.folder)
        except CommandError as e:
            raise DeployError(str(e)) from None

    def _secrets(self) -> dict[str, str]:
        names = self.project.secret_names
        missing = [n for n in names if not self.environ.get(n)]
        if missing:
            raise DeployError(f"env_secrets of {self.project.config_path} not set in this environment: "
                              f"{', '.join(missing)}; export them before deploying (their values go to the "
                              "service through the platform's secret mechanism only)")
        return {n: self.environ[n] for n in names}

    def _config(self) -> PyMacaronConfig:
        from pymacaron.config import ConfigError, PyMacaronConfig

        saved = dict(os.environ)
        try:
            os.environ.update(self.secrets)
            return PyMacaronConfig(path=self.project.config_path, env=self.options.env or "")
        except ConfigError as e:
            raise DeployError(str(e)) from None
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def context(self, image: str | None = None, dry_run: bool = False) -> DeployContext:
        """The DeployContext handed to the deploy target (``image``: the one to deploy, default the built one)."""
        return DeployContext(folder=self.folder, config=self.config, version=self.version, image=image or self.image,
                             env=self.options.env, dry_run=dry_run, run_tests=self.options.acceptance_tests,
                             progress=self.progress, secrets=dict(self.secrets))

    def pushed_image(self) -> str:
        """The image reference the target deploys: in the registry when pushing, else the local one."""
        from pymacaron.docker import remote_ref

        return remote_ref(self.image, self.registry()) if self.options.push else self.image

    def registry(self) -> str | None:
        """Where to push: --registry, else docker_registry of pym-config, else the target's, else None (docker.io)."""
        target_registry = getattr(self.target, "registry", None)
        if callable(target_registry):  # a target may pick it per service, e.g. gcr.io for a bare GCP project
            target_registry = target_registry(self.config)
        return self.options.registry or self.project.raw.get("docker_registry") or target_registry or None

    # -- the steps ---------------------------------------------------------------------------

    def steps(self) -> list[Step]:
        """The six steps in order (see the module docstring), each with why it is skipped and its plan."""
        o = self.options
        unit_dir = os.path.join(self.folder, UNIT_TEST_DIR)
        unit_skip = ("--no-test" if not o.acceptance_tests and not o.unit_tests else
                     "--no-unittest" if not o.unit_tests else
                     f"no {UNIT_TEST_DIR}/ folder" if not os.path.isdir(unit_dir) else None)
        image_title = f"image {self.image}"
        if not o.build:
            image_plan = ["reuse the newest local image of " + self.project.repository]
        elif o.force_build:
            image_plan = [f"build {self.image} (pymacaron docker --version {self.version})"]
        else:
            image_plan = [f"reuse a local image of commit {self.commit} if there is one (--force-build to always "
                          f"build), else build {self.image}"]
        deploy_skip = "--no-deploy" if not o.deploy else None
        live_skip = "--no-test" if not o.acceptance_tests else deploy_skip
        return [
            Step("unit tests", unit_skip, self.unit_tests, [self._show(self.unit_test_command())]),
            Step(image_title, None, self.build_image, image_plan),
            Step("acceptance tests against the image", None if o.acceptance_tests else "--no-test",
                 self.test_image, [self._show(self.image_test_command())]),
            Step("push", None if o.push else "--no-push", self.push_image,
                 [f"push {self.pushed_image()}"]),
            Step(f"deploy to {self.project.deploy_target}", deploy_skip, self.deploy, []),
            Step("acceptance tests against the live service", live_skip, self.test_live,
                 ["pymacaron test against the deployed service's URL"]),
        ]

    @staticmethod
    def _show(cmd: list[str]) -> str:
        return " ".join("python" if c == sys.executable else c for c in cmd)

    def _subprocess(self, cmd: list[str], what: str, fix: str) -> None:
        env = dict(self.environ)
        if self.options.env:
            env["PYM_ENV"] = self.options.env
        if self.options.debug:
            self.progress.info("$ " + self._show(cmd))
        self.progress.stream.flush()
        try:
            code = subprocess.run(cmd, cwd=self.folder, env=env, stdin=subprocess.DEVNULL).returncode
        except OSError as e:
            raise DeployError(f"{what}: cannot run {cmd[0]}: {e}") from None
        if code != 0:
            raise DeployError(f"{what} failed (exit status {code}): {fix}")

    def unit_test_command(self) -> list[str]:
        """The command of the unit tests: pytest on the service's test/ folder, stopping at the first failure."""
        return [sys.executable, "-m", "pytest", "-x", UNIT_TEST_DIR]

    def unit_tests(self) -> None:
        """Step 1: run the unit tests (DeployError when they fail)."""
        self._subprocess(self.unit_test_command(), "the unit tests", "fix them, or skip them with --no-unittest")

    def build_image(self) -> None:
        """Step 2: reuse a local image of this commit unless --force-build (the newest local one with --no-build),
        else build it."""
        from pymacaron.docker import DockerError, package

        try:
            if not self.options.build or not self.options.force_build:
                reused = self._reusable_image(latest=not self.options.build)
                if reused:
                    self.image, self.version = reused, reused.rsplit(":", 1)[1]
                    self.progress.info(f"reusing the local image {reused}" +
                                       ("" if not self.options.build else " (--force-build to rebuild)"))
                    return
                if not self.options.build:
                    raise DeployError(f"there is no local image of {self.project.repository} to reuse: build one "
                                      "(drop --no-build)")
            package(cwd=self.folder, version=self.version, env=self.options.env, out=self.progress.stream,
                    engine=self.engine, environ=self.environ)
        except DockerError as e:
            raise DeployError(f"building the image failed: {e}") from None

    def _reusable_image(self, latest: bool = False) -> str | None:
        self.engine.check()
        tags = [ref for ref in self.engine.images(self.project.repository) if ":" in ref]
        if not latest:
            tags = [ref for ref in tags if re.search(rf"-{re.escape(self.commit)}$", ref)]
        return max(tags, key=lambda ref: ref.rsplit(":", 1)[1]) if tags else None

    def image_test_command(self) -> list[str]:
        """The command of the acceptance tests against the image (with a generated token when JWT is configured)."""
        cmd = [sys.executable, "-m", "pymacaron", "test", "--image", self.image]
        if all(self.config.get(k) for k in JWT_KEYS):
            cmd.append("--gen-token")
        return cmd

    def test_image(self) -> None:
        """Step 3: run the acceptance tests against the image (DeployError when they fail)."""
        self._subprocess(self.image_test_command(), f"the acceptance tests against the image {self.image}",
                         "nothing was pushed nor deployed; fix the service, or skip them with --no-test")

    def push_image(self) -> None:
        """Step 4: push the image to its registry."""
        from pymacaron.docker import DockerError, package

        try:
            result = package(cwd=self.folder, version=self.version, env=self.options.env, build=False, push=True,
                             registry=self.registry(), out=self.progress.stream, engine=self.engine,
                             environ=self.environ)
        except DockerError as e:
            raise DeployError(f"pushing the image failed: {e}") from None
        self.progress.info(f"pushed {result.pushed[-1]}")

    def deploy(self) -> None:
        """Step 5: hand the pushed image to the deploy target; keeps its DeployResult."""
        assert self.target is not None, "the deploy step runs only with options.deploy"
        ctx = self.context(image=self.pushed_image())
        result = self.target.deploy(ctx)
        if not isinstance(result, DeployResult):
            raise DeployError(f"the deploy target {self.project.deploy_target!r} returned {type(result).__name__}, "
                              "not a DeployResult: upgrade it")
        self.result = result
        self.progress.info(f"live at {result.live_url}" if result.live_url else "deployed")

    def live_url(self) -> str:
        """The URL to test after the deploy: the target's, else live_url (or live_host) of pym-config."""
        url = (self.result.live_url if self.result else None) or self.config.get("live_url") or \
            self.config.get("live_host")
        if not url:
            raise DeployError(f"no live URL to test: set live_url in {self.project.config_path}, or let the deploy "
                              "target return one")
        return url

    def test_live(self) -> None:
        """Step 6: run the acceptance tests against the live service (DeployError when they fail)."""
        url = self.live_url()
        if not self.context().acceptance(url):
            raise DeployError(f"the acceptance tests against the live service {url} failed: it is deployed; fix "
                              "the service and deploy again")

    # -- running -----------------------------------------------------------------------------

    def plan(self) -> list[tuple[str, str | None, list[str]]]:
        """[(step title, skip reason or None, [plan lines])] (the deploy step asks the target's plan)."""
        out = []
        for step in self.steps():
            lines = list(step.plan)
            if step.run == self.deploy and not step.skip:
                assert self.target is not None, "the deploy step is skipped without options.deploy"
                lines = [str(line) for line in (self.target.plan(self.context(image=self.pushed_image(),
                                                                             dry_run=True)) or [])]
            out.append((step.title, step.skip, lines))
        return out

    def print_plan(self) -> None:
        """Print the numbered steps, why each skipped one is, and what each other one would do."""
        p = self.progress
        p.step(f"plan for {self.project.name} {self.version} from {self.folder} (dry run: nothing is changed)")
        for i, (title, skip, lines) in enumerate(self.plan(), 1):
            p.info(f"{i}. {title}" + (f": skipped ({skip})" if skip else ""))
            if not skip:
                for line in lines:
                    p.info(f"     {line}")

    def run(self) -> DeployResult | None:
        """Run the steps -> the target's DeployResult (or None when not deployed); DeployError on failure."""
        if self.options.dry_run:
            self.print_plan()
            return None
        steps = self.steps()
        for i, step in enumerate(steps, 1):
            self.progress.step(f"[{i}/{len(steps)}] {step.title}" + (f": skipped ({step.skip})" if step.skip else ""))
            if step.skip:
                continue
            try:
                assert step.run is not None, f"step {step.title!r} has nothing to run"
                step.run()
            except DeployError as e:
                self.progress.fail(str(e))
                raise
        self.progress.step(f"done: {self.project.name} {self.version}")
        return self.result


def run_pipeline(options: Options | None = None, cwd: str | None = None, progress: Progress | None = None,
                 engine: Engine | None = None, environ: Mapping[str, str] | None = None) -> DeployResult | None:
    """Build a :class:`Pipeline` and run it (or print its plan with ``options.dry_run``)."""
    return Pipeline(options, cwd=cwd, progress=progress, engine=engine, environ=environ).run()

"""Blue/green deploys on Elastic Beanstalk with boto3 (deploy target ``aws-beanstalk``; SPEC W1).

One deploy, in order (each step is a progress line; ``plan`` lists them without calling AWS):

1. the EB application ``<name>`` (created when missing) and the live environment, found by its
   CNAME prefix (``aws_cname_prefix``, default ``name``);
2. the bundle: ``Dockerrun.aws.json`` (v1, image ``<docker_repo>/<name>:<version>``) zipped and
   put in ``s3://<docker_bucket>/pymacaron/<name>/<version>.zip``, then an application version;
3. a new environment ``<name>-<version>`` (Docker platform, the ``.ebextensions`` equivalents as
   option settings, ``env_secrets`` as environment properties: they travel in this one API call and
   nowhere else), waited for until Ready and Green (bounded, with progress and EB events);
4. ``ctx.acceptance(url)`` against the new environment (port 443 with ``aws_cert_arn``, else 80):
   on failure the deploy stops, the live environment is untouched and the new one is left for
   inspection (``pymacaron aws clean`` removes it);
5. the CNAME swap with the live environment (the first deploy creates the environment on the live
   prefix directly), waited for;
6. old environments terminated, keeping the newest ``aws_keep_environments`` (default 1) for rollback.
"""

from __future__ import annotations

import datetime

from typing import Any

from pymacaron.deploy.targets import DeployContext, DeployError, DeployResult, DeployTarget
from pymacaron_aws import _options
from pymacaron_aws._bundle import BundleError, bundle_bytes, dockerrun, has_registry_credentials, upload_bundle
from pymacaron_aws._environments import (
    WaitError,
    Watcher,
    cname_prefix,
    environment_url,
    find_live,
    list_environments,
)
from pymacaron_aws._session import AwsConfigError, aws_error, client_config, make_session, quiet_sdk_logs, scrub
from pymacaron_aws._settings import BeanstalkSettings, SettingsError
from pymacaron_aws.cleaner import SERVICE_TAG, VERSION_TAG, clean_environments

DOCKER_STACK_HINT = "running Docker"


def _pym_env(ctx):
    return ctx.env or "live"


class BeanstalkTarget(DeployTarget):
    """Deploys ``ctx.image`` to a new EB environment and swaps it live after its acceptance tests.

    ``session``: a boto3 Session (default: from pym-config, see :mod:`pymacaron_aws._session`);
    ``poll_interval`` / ``timeout`` (seconds) bound every wait (``timeout`` default: aws_deploy_timeout).
    """

    name = "aws-beanstalk"

    def __init__(self, session: Any = None, poll_interval: float = 10.0, timeout: float | None = None,
                 profile: str | None = None) -> None:
        self.session = session
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.profile = profile

    # -- settings -------------------------------------------------------------

    def _settings(self, ctx):
        try:
            return BeanstalkSettings.from_config(ctx.config, need_image=not ctx.image)
        except SettingsError as e:
            raise DeployError(str(e)) from None

    def _image(self, ctx, s):
        return ctx.image or s.image(ctx.version)

    # -- plan -----------------------------------------------------------------

    def plan(self, ctx: DeployContext) -> list[str]:
        """The deploy's steps, one line each, without calling AWS."""
        s = self._settings(ctx)
        new_env = s.environment(ctx.version)
        options = _options.platform_options(s)
        props = ["PORT", "PYM_ENV", *sorted(ctx.secrets)]
        steps = [
            f"use the Elastic Beanstalk application {s.app!r} (create it if missing) and find the live "
            f"environment by its CNAME prefix {s.live_prefix!r}",
            f"upload s3://{s.bucket}/{s.bundle_key(ctx.version)}: Dockerrun.aws.json v1 for image "
            f"{self._image(ctx, s)}, container port {s.container_port} (no secret in the bundle)",
            f"create the application version {ctx.version!r} from that bundle",
            f"create the environment {new_env} (instance {s.instance_type}, {s.hosts_min}-{s.hosts_max} hosts, "
            f"keypair {s.keypair}, /ping health check, rolling updates, CloudWatch logs"
            + (", HTTPS listener on 443" if s.https else "") + f") with {len(options)} option settings",
            f"set environment properties {', '.join(props)} through the API (values never printed)",
            f"wait until {new_env} is Ready and Green (at most {self._timeout(s):.0f}s)",
            f"run the acceptance tests against {new_env} on port {s.test_port}; stop there if they fail",
            f"swap CNAMEs: {new_env} takes {s.live_prefix!r} from the live environment (or is created on it "
            "if there is none)",
            f"terminate old environments, keeping the newest {s.keep_environments} for rollback",
        ]
        return steps

    def _timeout(self, s):
        return float(self.timeout) if self.timeout is not None else float(s.timeout_s)

    # -- deploy ---------------------------------------------------------------

    def deploy(self, ctx: DeployContext) -> DeployResult:
        """Run the blue/green deploy; DeployError (secrets scrubbed) naming the step that failed."""
        s = self._settings(ctx)
        secrets = dict(ctx.secrets or {})
        try:
            env_options = _options.option_settings(s, _pym_env(ctx), secrets)
        except ValueError as e:
            raise DeployError(str(e)) from None
        try:
            session = self.session or make_session(ctx.config, profile=self.profile)
        except AwsConfigError as e:
            raise DeployError(str(e)) from None
        run = _Run(self, ctx, s, session, env_options, secrets)
        with quiet_sdk_logs():
            try:
                return run.go()
            except (DeployError, WaitError, BundleError) as e:
                ctx.progress.fail(scrub(e, secrets))
                raise DeployError(scrub(e, secrets)) from None
            except Exception as e:
                from botocore.exceptions import BotoCoreError, ClientError

                if isinstance(e, (ClientError, BotoCoreError)):
                    message = f"{run.current or 'AWS'} failed: {aws_error(e, secrets.values())}"
                    ctx.progress.fail(message)
                    raise DeployError(message) from None
                raise


class _Run:
    """One deploy: the state shared by its steps."""

    def __init__(self, target, ctx, settings, session, env_options, secrets):
        self.ctx, self.s, self.secrets = ctx, settings, secrets
        self.progress = ctx.progress
        self.env_options = env_options
        cfg = client_config()
        self.eb = session.client("elasticbeanstalk", config=cfg)
        self.s3 = session.client("s3", config=cfg)
        self.watcher = Watcher(self.eb, settings.app, self.progress, poll_interval=target.poll_interval,
                               timeout=target._timeout(settings), scrub=lambda t: scrub(t, secrets.values()))
        self.version = ctx.version
        self.new_env = settings.environment(ctx.version)
        self.current = None

    def step(self, title):
        self.current = title
        self.progress.step(title)

    def go(self):
        s = self.s
        self.step(f"application {s.app}")
        self.ensure_application()
        envs = list_environments(self.eb, s.app)
        live = find_live(envs, s.live_prefix)
        self.progress.info(f"live environment: {live['EnvironmentName']} ({live.get('CNAME')})" if live else
                           f"no environment holds the CNAME prefix {s.live_prefix!r}: this is the first deploy")
        if any(e.get("EnvironmentName") == self.new_env for e in envs):
            raise DeployError(f"the environment {self.new_env} already exists: deploy another version, or "
                              f"terminate it first (pymacaron aws clean --live)")

        self.step(f"bundle and application version {self.version}")
        self.create_version()

        self.step(f"environment {self.new_env}")
        started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        prefix = self.cname_prefix_for(live)
        self.create_environment(prefix)
        env = self.watcher.ready_and_healthy(self.new_env, since=started)
        staging_url = environment_url(env, https=s.https)
        self.progress.info(f"{self.new_env} is up at {env.get('CNAME')}")

        self.step(f"acceptance tests against {self.new_env}")
        if not self.ctx.acceptance(f"{staging_url}:{s.test_port}"):
            raise DeployError(f"the acceptance tests failed against {self.new_env} ({env.get('CNAME')}): nothing "
                              f"was swapped, the live environment is untouched"
                              + (f" ({live['EnvironmentName']})" if live else "")
                              + f"; {self.new_env} is left running for inspection (pymacaron aws clean --live "
                              "terminates it)")

        if live is not None:
            self.step(f"swap CNAMEs: {self.new_env} goes live in place of {live['EnvironmentName']}")
            self.eb.swap_environment_cnames(SourceEnvironmentName=self.new_env,
                                            DestinationEnvironmentName=live["EnvironmentName"])
            env = self.watcher.wait(self.new_env, "swap", lambda e: e.get("Status") == "Ready"
                                    and cname_prefix(e) == s.live_prefix)
            self.progress.info(f"{self.new_env} now answers on {env.get('CNAME')}")
        else:
            self.progress.info(f"{self.new_env} was created on the live CNAME {env.get('CNAME')}")

        self.step("clean old environments")
        clean_environments(self.eb, s.app, s.live_prefix, self.progress, keep=s.keep_environments, dry_run=False)
        live_url = s.live_url or environment_url(env, https=s.https)
        return DeployResult(live_url=live_url, staging_url=staging_url,
                            details={"environment": self.new_env, "cname": env.get("CNAME"),
                                     "previous": live["EnvironmentName"] if live else None,
                                     "version": self.version})

    def ensure_application(self):
        apps = self.eb.describe_applications(ApplicationNames=[self.s.app]).get("Applications", [])
        if any(a.get("ApplicationName") == self.s.app for a in apps):
            self.progress.info(f"application {self.s.app} exists")
            return
        self.eb.create_application(ApplicationName=self.s.app,
                                   Description=f"{self.s.app}, deployed by pymacaron-aws")
        self.progress.info(f"created the application {self.s.app}")

    def create_version(self):
        s = self.s
        existing = self.eb.describe_application_versions(ApplicationName=s.app, VersionLabels=[self.version])
        if existing.get("ApplicationVersions"):
            self.progress.info(f"application version {self.version} already exists: reused")
            return
        auth = has_registry_credentials(self.s3, s.bucket)
        image = self.ctx.image or s.image(self.version)
        doc = dockerrun(image, s.container_port, auth_bucket=s.bucket if auth else None)
        key = s.bundle_key(self.version)
        upload_bundle(self.s3, s.bucket, key, bundle_bytes(doc))
        self.progress.info(f"uploaded s3://{s.bucket}/{key} (image {image}"
                           + (", registry credentials from docker/dockercfg" if auth else "") + ")")
        self.eb.create_application_version(
            ApplicationName=s.app, VersionLabel=self.version, Description=f"image {image}"[:200],
            SourceBundle={"S3Bucket": s.bucket, "S3Key": key}, AutoCreateApplication=False)
        self.progress.info(f"created the application version {self.version}")

    def cname_prefix_for(self, live):
        """The new environment's own prefix, or the live prefix on a first deploy (when it is free)."""
        if live is not None:
            return self.new_env
        free = self.eb.check_dns_availability(CNAMEPrefix=self.s.live_prefix).get("Available")
        if not free:
            raise DeployError(f"the CNAME prefix {self.s.live_prefix!r} is taken (by another application or "
                              "account) and no environment of this application holds it: set "
                              "'aws_cname_prefix: <another-prefix>' in pym-config.yaml")
        return self.s.live_prefix

    def solution_stack(self):
        if self.s.solution_stack:
            return self.s.solution_stack
        stacks = self.eb.list_available_solution_stacks().get("SolutionStacks", [])
        docker = [n for n in stacks if n.endswith(DOCKER_STACK_HINT)]
        if not docker:
            raise DeployError("no Docker platform is offered in this region: set aws_solution_stack "
                              "(aws elasticbeanstalk list-available-solution-stacks lists them)")
        return max(docker, key=_stack_order)

    def create_environment(self, prefix):
        s = self.s
        stack = self.solution_stack()
        self.progress.info(f"platform: {stack}; CNAME prefix {prefix}")
        for line in _options.describe(self.env_options, self.secrets):
            self.progress.info(f"option {line}")
        self.eb.create_environment(
            ApplicationName=s.app, EnvironmentName=self.new_env, CNAMEPrefix=prefix,
            SolutionStackName=stack, VersionLabel=self.version, OptionSettings=self.env_options,
            Description=f"{s.app} version {self.version}"[:200],
            Tags=[{"Key": SERVICE_TAG, "Value": s.app}, {"Key": VERSION_TAG, "Value": str(self.version)[:256]}])


def _stack_order(name):
    """Newest platform first: Amazon Linux 2023 > 2, then the platform version (v4.6.0 > v4.2.0)."""
    import re

    al = re.search(r"Amazon Linux (\d+)", name)
    ver = re.search(r"v(\d+)\.(\d+)\.(\d+)", name)
    return (int(al.group(1)) if al else 0, tuple(int(x) for x in ver.groups()) if ver else (0, 0, 0))


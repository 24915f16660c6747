"""Deploys to Google Cloud Run with google-cloud-run (deploy target ``gcp-cloud-run``; SPEC G1).

One deploy, in order (each step is a progress line; ``plan`` lists them without calling Google):

1. ``env_secrets`` into Secret Manager (see :mod:`pymacaron_gcp._secret_manager`): the services get
   references to pinned secret versions, never values;
2. the service ``<name>-staging`` created, or updated (its other settings kept), with the image,
   ``gcp_memory``, ``gcp_request_concurrency``, ``PYM_ENV=staging``; the long-running operation is
   polled until the new revision serves (bounded by ``gcp_deploy_timeout``);
3. ``ctx.acceptance(<staging url>)``: on failure the deploy stops, and live is untouched;
4. the same for ``<name>-live`` (``PYM_ENV=live``).

With ``gcp_allow_unauthenticated`` (the default, as v1's ``--allow-unauthenticated``) each service
lets ``allUsers`` invoke it. Clients use the REST transport; ``run_endpoint`` / ``secrets_endpoint``
and ``credentials`` point them elsewhere (the tests' local fake).
"""

from __future__ import annotations

from typing import Any

from pymacaron.deploy.targets import DeployContext, DeployError, DeployResult
from pymacaron_gcp._errors import google_error, scrub
from pymacaron_gcp._logs import quiet_sdk_logs
from pymacaron_gcp._operations import wait_for
from pymacaron_gcp._run_spec import STAGES, CloudRunSettings, ServiceSpec, apply_spec
from pymacaron_gcp._settings import SettingsError
from pymacaron_gcp._deployrun import DeployRun, GcpTarget

INVOKER = "roles/run.invoker"
PUBLIC = "allUsers"


class CloudRunTarget(GcpTarget):
    """Deploys ``ctx.image`` to ``<name>-staging``, tests it, then to ``<name>-live``.

    ``poll_interval`` (s) spaces the polls of an operation; ``timeout`` (s) bounds each one
    (default: gcp_deploy_timeout).
    """

    name = "gcp-cloud-run"

    def __init__(self, credentials: Any = None, run_endpoint: str | None = None, secrets_endpoint: str | None = None,
                 poll_interval: float = 5.0, timeout: float | None = None) -> None:
        self.credentials = credentials
        self.run_endpoint = run_endpoint
        self.secrets_endpoint = secrets_endpoint
        self.poll_interval = poll_interval
        self.timeout = timeout

    # -- settings and clients -----------------------------------------------------

    def settings(self, config: Any) -> CloudRunSettings:
        """The Cloud Run settings of ``config``; DeployError saying what is wrong."""
        try:
            return CloudRunSettings.from_config(config)
        except SettingsError as e:
            raise DeployError(str(e)) from None

    def _options(self, endpoint):
        if not endpoint:
            return None
        from google.api_core.client_options import ClientOptions

        return ClientOptions(api_endpoint=endpoint)

    def services_client(self) -> Any:
        """A Cloud Run ServicesClient (REST) with this target's credentials and endpoint."""
        from google.cloud import run_v2

        return run_v2.ServicesClient(credentials=self.credentials, transport="rest",
                                     client_options=self._options(self.run_endpoint))

    def secrets_client(self) -> Any:
        """A Secret Manager client (REST) with this target's credentials and endpoint."""
        from google.cloud import secretmanager_v1

        return secretmanager_v1.SecretManagerServiceClient(credentials=self.credentials, transport="rest",
                                                           client_options=self._options(self.secrets_endpoint))

    # -- plan -------------------------------------------------------------------------

    def plan(self, ctx: DeployContext) -> list[str]:
        """The deploy's steps, one line each, without calling Google Cloud."""
        s = self.settings(ctx.config)
        image = self._image(ctx, s)
        refs = {var: (name, "<new or unchanged version>") for var, name in s.secrets.items()}
        steps = []
        if s.secrets:
            steps.append("store env_secrets in Secret Manager (values never printed): "
                         + ", ".join(f"${var} -> {name}" for var, name in s.secrets.items()))
        for n, stage in enumerate(STAGES):
            spec = ServiceSpec.build(s, stage, image, ctx.version, refs)
            steps.append(f"create or update the Cloud Run service {s.service_id(stage)} in {s.parent}: "
                         f"{spec.describe()}; wait until it serves (at most {self._timeout(s):.0f}s)")
            if s.allow_unauthenticated:
                steps.append(f"let anyone invoke {s.service_id(stage)} ({INVOKER} for {PUBLIC})")
            if n == 0:
                steps.append(f"run the acceptance tests against the URL of {s.service_id(stage)}; stop there if "
                             "they fail (live is untouched)")
        return steps

    def _timeout(self, s):
        return float(self.timeout) if self.timeout is not None else float(s.timeout_s)

    # -- deploy ---------------------------------------------------------------------------

    def deploy(self, ctx: DeployContext) -> DeployResult:
        """Deploy to staging, test it, then to live; DeployError (secrets scrubbed) naming the failed step."""
        s = self.settings(ctx.config)
        secrets = dict(ctx.secrets or {})
        run = _Run(self, ctx, s, secrets)
        with quiet_sdk_logs():
            try:
                return run.go()
            except DeployError as e:
                message = scrub(e, secrets.values())
            except Exception as e:
                if not _is_api_error(e):
                    raise
                message = google_error(e, run.current or "Cloud Run", secrets.values())
        ctx.progress.fail(message)
        raise DeployError(message)

    def service_url(self, config: Any, stage: str) -> str:
        """The URL of the deployed ``<name>-<stage>`` service (DeployError if it is not deployed)."""
        s = self.settings(config)
        what = f"reading the Cloud Run service {s.service_id(stage)}"
        from google.api_core import exceptions as gexc

        with quiet_sdk_logs():
            try:
                service = self.services_client().get_service(name=s.service_name(stage))
            except gexc.NotFound:
                raise DeployError(f"the Cloud Run service {s.service_id(stage)} does not exist in {s.parent}: "
                                  "deploy first") from None
            except Exception as e:
                if not _is_api_error(e):
                    raise
                raise DeployError(google_error(e, what)) from None
        if not service.uri:
            raise DeployError(f"the Cloud Run service {s.service_id(stage)} has no URL yet (not ready): "
                              "look at it in the Cloud Run console")
        return service.uri


def _is_api_error(e):
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc
    from requests import RequestException

    return isinstance(e, (gexc.GoogleAPICallError, gexc.RetryError, auth_exc.GoogleAuthError, RequestException))


class _Run(DeployRun):
    """One deploy."""

    def go(self):
        from pymacaron_gcp._secret_manager import sync_secrets

        s, ctx = self.s, self.ctx
        image = self.target._image(ctx, s)
        self.services = self.target.services_client()
        pinned = {}
        if s.secrets:
            self.step(f"env_secrets in Secret Manager (project {s.project})")
            pinned = sync_secrets(self.target.secrets_client(), s.secrets, self.secrets, self.progress)
        urls = {}
        for stage in STAGES:
            spec = ServiceSpec.build(s, stage, image, ctx.version, pinned)
            urls[stage] = self.deploy_service(stage, spec)
            if stage == "staging":
                self.step(f"acceptance tests against {s.service_id(stage)}")
                if not ctx.acceptance(urls[stage]):
                    raise DeployError(f"the acceptance tests failed against {s.service_id(stage)} ({urls[stage]}): "
                                      f"{s.service_id('live')} was not touched; fix the service and deploy again")
        return DeployResult(live_url=urls["live"], staging_url=urls["staging"],
                            details={"services": {stage: s.service_name(stage) for stage in STAGES},
                                     "image": image, "version": ctx.version})

    def deploy_service(self, stage, spec):
        from google.api_core import exceptions as gexc
        from google.cloud import run_v2

        s = self.s
        service_id, name = s.service_id(stage), s.service_name(stage)
        self.step(f"deploy {service_id}")
        try:
            existing = self.services.get_service(name=name)
        except gexc.NotFound:
            existing = None
        self.current = f"{'updating' if existing else 'creating'} the Cloud Run service {service_id}"
        self.progress.info(f"{self.current}: {spec.describe()}")
        if existing is None:
            operation = self.services.create_service(parent=s.parent, service_id=service_id,
                                                     service=apply_spec(run_v2.Service(), spec))
        else:
            operation = self.services.update_service(service=apply_spec(existing, spec))
        self.current = f"waiting for {service_id}"
        service = wait_for(operation, service_id, self.progress, self.target.poll_interval, self.target._timeout(s))
        if not service.uri:
            service = self.services.get_service(name=name)
        revision = service.latest_ready_revision.rsplit("/", 1)[-1]
        self.progress.info(f"{service_id} serves revision {revision or '?'} at {service.uri}")
        if s.allow_unauthenticated:
            self.current = f"letting anyone invoke {service_id}"
            self.allow_public(name)
        return service.uri

    def allow_public(self, name):
        policy = self.services.get_iam_policy(request={"resource": name})
        for binding in policy.bindings:
            if binding.role == INVOKER and PUBLIC in binding.members:
                return
        policy.bindings.add(role=INVOKER, members=[PUBLIC])
        self.services.set_iam_policy(request={"resource": name, "policy": policy})
        self.progress.info(f"{name.rsplit('/', 1)[-1]}: {INVOKER} granted to {PUBLIC}")

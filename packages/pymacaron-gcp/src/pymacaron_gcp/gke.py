"""Deploys to Google Kubernetes Engine through the Kubernetes API (deploy target ``gke``; SPEC G2).

One deploy, in order (each step is a progress line; ``plan`` lists them without calling the cluster):

1. the cluster's kubeconfig context (see :func:`pymacaron_gcp._kube.connect`);
2. the objects of :mod:`pymacaron_gcp.manifests`, each created or replaced: the env_secrets go into
   the Secret ``<app>-env`` in that request only; the Deployment keeps the replica count the
   autoscaler chose, and records the image it replaces (for ``--rollback``);
3. the rollout, polled until every new pod passes its ``/ready`` readiness probe;
4. ``ctx.acceptance(url)`` against ``gke_test_url``, else ``http://<the Ingress IP>``; if they fail, the
   Deployment is rolled back to the previous image and the deploy fails.

:meth:`GkeTarget.rollback` puts the previous image back (``pymgke --rollback``), without tests.
"""

from __future__ import annotations

from typing import Any

from pymacaron.deploy.targets import DeployContext, DeployError, DeployResult
from pymacaron_gcp import manifests
from pymacaron_gcp._errors import kube_error, scrub
from pymacaron_gcp._gke_settings import GkeSettings
from pymacaron_gcp._logs import quiet_sdk_logs
from pymacaron_gcp._settings import SettingsError
from pymacaron_gcp._deployrun import DeployRun, GcpTarget

PREVIOUS_IMAGE = manifests.ANNOTATION + "previous-image"
PREVIOUS_VERSION = manifests.ANNOTATION + "previous-version"


class GkeTarget(GcpTarget):
    """Applies the service's objects to its GKE cluster, waits for the rollout, then tests it.

    ``kubeconfig``: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config);
    ``poll_interval`` (s) spaces the polls; ``timeout`` (s) bounds each wait (default: gke_rollout_timeout).
    """

    name = "gke"

    def __init__(self, kubeconfig: str | None = None, poll_interval: float = 5.0,
                 timeout: float | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.poll_interval = poll_interval
        self.timeout = timeout

    def settings(self, config: Any, env: str | None = None) -> GkeSettings:
        """The GKE settings of ``config`` (for ``env``); DeployError saying what is wrong."""
        try:
            return GkeSettings.from_config(config, env=env)
        except SettingsError as e:
            raise DeployError(str(e)) from None

    def _timeout(self, s):
        return float(self.timeout) if self.timeout is not None else float(s.timeout_s)

    def manifests(self, ctx: DeployContext) -> list[manifests.Manifest]:
        """The objects a deploy of ``ctx`` applies (the Secret without values), e.g. to write them for review."""
        s = self.settings(ctx.config, ctx.env)
        return manifests.all_objects(s, self._image(ctx, s), ctx.version, ctx.env or "live")

    # -- plan ----------------------------------------------------------------------

    def plan(self, ctx: DeployContext) -> list[str]:
        """The deploy's steps, one line per object applied, without calling the cluster."""
        s = self.settings(ctx.config, ctx.env)
        image = self._image(ctx, s)
        objects = manifests.all_objects(s, image, ctx.version, ctx.env or "live")
        test_at = s.test_url or "http://<the Ingress IP>"
        steps = [f"connect to the cluster {s.cluster} (project {s.project}, kubeconfig context "
                 f"{s.context or f'gke_{s.project}_<location>_{s.cluster}'}), namespace {s.namespace}"]
        for obj in objects:
            what = f"create or replace {obj['kind']}/{obj['metadata']['name']}"
            if obj["kind"] == "Secret":
                what += f" with {', '.join('$' + v for v in s.secrets)} (values sent to the API only, never printed)"
            elif obj["kind"] == "Deployment":
                what += (f": image {image}, memory {s.memory}, cpu {s.cpu}, /ready and /ping probes, rolling update "
                         "(maxSurge 1, maxUnavailable 0); the previous image is kept for --rollback")
            elif obj["kind"] == "Ingress":
                what += f" for {s.domain} (managed certificate {s.certificate})"
            elif obj["kind"] == "HorizontalPodAutoscaler":
                what += f": {s.min_replicas}-{s.max_replicas} replicas at {s.cpu_target}% CPU"
            steps.append(what)
        steps.append(f"wait for the rollout of Deployment/{s.app} (at most {self._timeout(s):.0f}s)")
        steps.append(f"run the acceptance tests against {test_at}; if they fail, roll back to the previous image")
        return steps

    # -- deploy / rollback ---------------------------------------------------------------

    def deploy(self, ctx: DeployContext) -> DeployResult:
        """Apply the objects, wait for the rollout, run the acceptance tests (rolling back if they fail)."""
        return self._guarded(ctx, lambda run: run.deploy())

    def rollback(self, ctx: DeployContext) -> DeployResult:
        """Put the previous image back (recorded by the last deploy), wait for the rollout; no tests."""
        return self._guarded(ctx, lambda run: run.rollback())

    def ingress_address(self, config: Any, env: str | None = None) -> str:
        """The IP (or host name) of the service's Ingress, without waiting (DeployError if it has none yet)."""
        s = self.settings(config, env)
        from pymacaron_gcp._kube import Cluster, connect

        with quiet_sdk_logs():
            try:
                cluster = Cluster(connect(s, self.kubeconfig)[0])
                found = cluster.read(manifests.ingress(s))
            except DeployError:
                raise
            except Exception as e:
                if not _is_kube_error(e):
                    raise
                raise DeployError(kube_error(e, f"reading Ingress/{s.app}")) from None
        for entry in (((found or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            if entry.get("ip") or entry.get("hostname"):
                return entry.get("ip") or entry.get("hostname")
        raise DeployError(f"Ingress/{s.app} in namespace {s.namespace} " + ("has no address yet" if found else
                          "does not exist: deploy first"))

    def _guarded(self, ctx, action):
        s = self.settings(ctx.config, ctx.env)
        secrets = dict(ctx.secrets or {})
        run = _Run(self, ctx, s, secrets)
        with quiet_sdk_logs():
            try:
                return action(run)
            except DeployError as e:
                message = scrub(e, secrets.values())
            except Exception as e:
                if not _is_kube_error(e):
                    raise
                message = kube_error(e, run.current or "the Kubernetes API", secrets.values())
        ctx.progress.fail(message)
        raise DeployError(message)


def _is_kube_error(e):
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    return isinstance(e, (ApiException, HTTPError, OSError))


class _Run(DeployRun):
    """One deploy."""

    def connect(self):
        from pymacaron_gcp._kube import Cluster, connect

        s = self.s
        self.step(f"cluster {s.cluster}")
        api_client, context = connect(s, self.target.kubeconfig)
        self.progress.info(f"kubeconfig context {context}, namespace {s.namespace}")
        self.cluster = Cluster(api_client)

    def deployed(self):
        """The Deployment on the cluster (dict), or None."""
        self.current = f"reading Deployment/{self.s.app}"
        return self.cluster.read(manifests.deployment(self.s, "", "", ""))

    def deploy(self):
        s, ctx = self.s, self.ctx
        image = self.target._image(ctx, s)
        missing = [var for var in s.secrets if not self.secrets.get(var)]
        if missing:
            raise DeployError(f"env_secrets not set here: {', '.join('$' + v for v in missing)}: export them and "
                              "deploy again (the deploy puts them in the Kubernetes Secret)")
        self.connect()
        current = self.deployed()
        previous = _running(current)
        replicas = (current.get("spec") or {}).get("replicas") if current else None
        objects = manifests.all_objects(s, image, ctx.version, ctx.env or "live", replicas=replicas,
                                        previous=previous)
        self.step(f"apply {len(objects)} objects in namespace {s.namespace}")
        deployment = ingress = None
        for obj in objects:
            self.current = f"applying {obj['kind']}/{obj['metadata']['name']}"
            data = {"data": manifests.secret_data({v: self.secrets[v] for v in s.secrets})} \
                if obj["kind"] == "Secret" else None
            _, verb = self.cluster.apply(obj, data=data)
            self.progress.info(f"{obj['kind']}/{obj['metadata']['name']} {verb}")
            deployment = obj if obj["kind"] == "Deployment" else deployment
            ingress = obj if obj["kind"] == "Ingress" else ingress
        self.wait(deployment, f"rollout of {image}")
        url = self.test_url(ingress)
        self.step(f"acceptance tests against {url}")
        if not ctx.acceptance(url):
            note = "this was the first deploy: nothing to roll back to"
            if previous:
                self.roll_to(previous, why="the acceptance tests failed")
                note = f"rolled back to {previous[0]}"
            raise DeployError(f"the acceptance tests failed against {url}: {note}")
        return DeployResult(live_url=f"https://{s.domain}", staging_url=None,
                            details={"image": image, "version": ctx.version, "namespace": s.namespace,
                                     "previous_image": previous[0] if previous else None, "tested_url": url})

    def wait(self, deployment, what):
        self.step(f"wait for the {what}")
        self.current = f"waiting for the {what}"
        self.cluster.wait_rollout(deployment, self.progress, self.target.poll_interval, self.target._timeout(self.s))

    def test_url(self, ingress):
        if self.s.test_url or not self.ctx.run_tests:
            return self.s.test_url or f"https://{self.s.domain}"
        self.step(f"address of Ingress/{ingress['metadata']['name']}")
        self.current = "waiting for the Ingress address"
        address = self.cluster.wait_ingress_address(ingress, self.progress, self.target.poll_interval,
                                                    self.target._timeout(self.s))
        self.progress.info(f"the load balancer answers on {address}")
        return f"http://{address}"

    def rollback(self):
        self.connect()
        previous = _recorded_previous(self.deployed())
        if not previous:
            raise DeployError(f"Deployment/{self.s.app} in namespace {self.s.namespace} has no previous image "
                              "recorded (never deployed, or already rolled back): deploy a version instead")
        self.roll_to(previous, why="--rollback")
        return DeployResult(live_url=f"https://{self.s.domain}",
                            details={"image": previous[0], "version": previous[1], "rolled_back": True})

    def roll_to(self, previous, why):
        image, version = previous
        self.step(f"roll back to {image} ({why})")
        current = self.deployed()
        replicas = (current.get("spec") or {}).get("replicas") if current else None
        obj = manifests.deployment(self.s, image, version, self.ctx.env or "live", replicas=replicas)
        self.current = f"rolling Deployment/{self.s.app} back"
        self.cluster.apply(obj)
        self.wait(obj, f"rollback to {image}")


def _running(deployment):
    """(image, version) the Deployment runs now, or None."""
    if not deployment:
        return None
    annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    image = annotations.get(manifests.ANNOTATION + "image") or (containers[0].get("image") if containers else None)
    return (image, annotations.get(manifests.ANNOTATION + "version", "")) if image else None


def _recorded_previous(deployment):
    annotations = ((deployment or {}).get("metadata") or {}).get("annotations") or {}
    image = annotations.get(PREVIOUS_IMAGE)
    return (image, annotations.get(PREVIOUS_VERSION, "")) if image else None

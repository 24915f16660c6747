"""Talking to the cluster with the official kubernetes client: connect, create-or-replace, wait.

- :func:`connect`: the kubeconfig context of the cluster (``gke_context``, else the one gcloud made
  for it), as a ``kubernetes.client.ApiClient``;
- :class:`Cluster`: read / create / replace of the kinds the manifests use (typed APIs for the built-in
  kinds, CustomObjectsApi for GKE's ManagedCertificate and BackendConfig), answers as plain dicts;
  the rollout of a Deployment and the Ingress address, polled with progress and a deadline.
Every call has a request timeout; API errors are left to the caller (:func:`pymacaron_gcp._errors.kube_error`).
"""

from __future__ import annotations

import copy
import json
import os
import time

from pymacaron.deploy.targets import DeployError

REQUEST_TIMEOUT_S = 30
# (apiVersion, kind) -> (typed API class, method suffix) for built-in kinds
TYPED = {
    ("v1", "Namespace"): ("CoreV1Api", "namespace"),
    ("v1", "Secret"): ("CoreV1Api", "namespaced_secret"),
    ("v1", "Service"): ("CoreV1Api", "namespaced_service"),
    ("apps/v1", "Deployment"): ("AppsV1Api", "namespaced_deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): ("AutoscalingV2Api", "namespaced_horizontal_pod_autoscaler"),
    ("networking.k8s.io/v1", "Ingress"): ("NetworkingV1Api", "namespaced_ingress"),
}
# (apiVersion, kind) -> plural, for GKE's custom resources
CUSTOM = {
    ("networking.gke.io/v1", "ManagedCertificate"): "managedcertificates",
    ("cloud.google.com/v1", "BackendConfig"): "backendconfigs",
}


def kubeconfig_path(path=None):
    return path or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def connect(settings, kubeconfig=None):
    """(ApiClient, context name) for the cluster of ``settings`` (DeployError saying how to get credentials)."""
    from kubernetes import config as kconfig
    from kubernetes.config.config_exception import ConfigException

    path = kubeconfig_path(kubeconfig)
    fix = (f"run `gcloud container clusters get-credentials {settings.cluster} --region {settings.region} "
           f"--project {settings.project}` (or set gke_context in pym-config.yaml)")
    try:
        contexts, _active = kconfig.list_kube_config_contexts(config_file=path)
    except (ConfigException, OSError) as e:
        raise DeployError(f"cannot read the kubeconfig {path} ({e}): {fix}") from None
    names = [c["name"] for c in contexts or []]
    if settings.context:
        if settings.context not in names:
            raise DeployError(f"gke_context {settings.context!r} is not in {path} (contexts: "
                              f"{', '.join(names) or 'none'}): {fix}")
        name = settings.context
    else:
        found = [n for n in names if settings.is_cluster_context(n)]
        if len(found) != 1:
            what = "no context" if not found else f"several contexts ({', '.join(found)})"
            raise DeployError(f"{what} in {path} for the cluster {settings.cluster} of project {settings.project}: "
                              f"{fix}")
        name = found[0]
    try:
        return kconfig.new_client_from_config(config_file=path, context=name), name
    except (ConfigException, OSError, ValueError) as e:
        raise DeployError(f"the kubeconfig context {name} cannot be used ({e}): {fix}") from None


def _ref(obj):
    return f"{obj['kind']}/{obj['metadata']['name']}"


class Cluster:
    """The kinds of the manifests on one cluster; every answer is a dict (the API's JSON)."""

    def __init__(self, api_client):
        from kubernetes import client

        self.client = client
        self.api_client = api_client
        self._apis = {}

    def _api(self, name):
        if name not in self._apis:
            self._apis[name] = getattr(self.client, name)(self.api_client)
        return self._apis[name]

    def _call(self, obj, verb, body=None):
        key = (obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        kw = {"_preload_content": False, "_request_timeout": REQUEST_TIMEOUT_S}
        if key in CUSTOM:
            group, version = key[0].split("/")
            api = self._api("CustomObjectsApi")
            args = [group, version, meta["namespace"], CUSTOM[key]]
            method = {"read": "get_namespaced_custom_object", "create": "create_namespaced_custom_object",
                      "replace": "replace_namespaced_custom_object"}[verb]
            if verb != "create":
                args.append(meta["name"])
        else:
            api_name, suffix = TYPED[key]
            api = self._api(api_name)
            method = f"{verb}_{suffix}"
            args = [] if verb == "create" else [meta["name"]]
            if suffix.startswith("namespaced_"):
                args.append(meta["namespace"])
        if body is not None:
            args.append(body)
        answer = getattr(api, method)(*args, **kw)
        return json.loads(answer.data or b"{}")

    def read(self, obj):
        """The object as the cluster has it, or None."""
        from kubernetes.client.exceptions import ApiException

        try:
            return self._call(obj, "read")
        except ApiException as e:
            if e.status == 404:
                return None
            raise

    def apply(self, obj, data=None):
        """Create ``obj``, or replace the cluster's copy (keeping what the cluster owns). -> (answer, verb).

        ``data``: extra top-level fields for the request body only (a Secret's values).
        """
        current = self.read(obj)
        body = copy.deepcopy(obj)
        if data:
            body.update(data)
        if current is None:
            return self._call(obj, "create", body), "created"
        if obj["kind"] == "Namespace":
            return current, "kept"
        body["metadata"]["resourceVersion"] = current["metadata"].get("resourceVersion")
        if obj["kind"] == "Service":
            _keep_service_allocations(body, current)
        return self._call(obj, "replace", body), "updated"

    # -- waits -------------------------------------------------------------------

    def wait_rollout(self, deployment, progress, poll_interval, timeout):
        """Poll the Deployment until its new pods all serve (kubectl rollout status's rule); DeployError otherwise."""
        started = time.monotonic()
        name = _ref(deployment)
        while True:
            current = self.read(deployment)
            if current is None:
                raise DeployError(f"{name} disappeared during its rollout")
            done, state = rollout_state(current)
            if done:
                progress.info(f"{name}: {state}")
                return current
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise DeployError(f"the rollout of {name} did not finish within {timeout:.0f}s ({state}): look at "
                                  f"its pods (kubectl -n {deployment['metadata']['namespace']} get pods), or raise "
                                  "gke_rollout_timeout")
            progress.wait(f"{name}: {state} ({elapsed:.0f}s)")
            time.sleep(poll_interval)

    def wait_ingress_address(self, ingress, progress, poll_interval, timeout):
        started = time.monotonic()
        while True:
            current = self.read(ingress) or {}
            for entry in ((current.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                address = entry.get("ip") or entry.get("hostname")
                if address:
                    return address
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise DeployError(f"{_ref(ingress)} has no address after {timeout:.0f}s: the load balancer may still "
                                  "be starting (look at `kubectl describe ingress`); set gke_test_url to test "
                                  "through another URL")
            progress.wait(f"{_ref(ingress)}: waiting for the load balancer's address ({elapsed:.0f}s)")
            time.sleep(poll_interval)


def rollout_state(deployment):
    """(done, what it waits for): kubectl's rollout status rules on a Deployment dict."""
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    generation = (deployment.get("metadata") or {}).get("generation") or 0
    if (status.get("observedGeneration") or 0) < generation:
        return False, "waiting for the new spec to be picked up"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            raise DeployError(f"the rollout of Deployment/{deployment['metadata']['name']} is stuck: "
                              f"{condition.get('message') or 'progress deadline exceeded'} (look at its pods: "
                              "image pull errors, crashes, failing /ping)")
    wanted = spec.get("replicas", 1)
    updated = status.get("updatedReplicas") or 0
    total = status.get("replicas") or 0
    available = status.get("availableReplicas") or 0
    if updated < wanted:
        return False, f"{updated} of {wanted} new replicas updated"
    if total > updated:
        return False, f"{total - updated} old replicas pending termination"
    if available < updated:
        return False, f"{available} of {updated} updated replicas available"
    return True, f"{available} of {wanted} replicas updated and available"


def _keep_service_allocations(body, current):
    """A replaced Service keeps its cluster IP(s) and node ports (the API refuses to change the former)."""
    spec, old = body.setdefault("spec", {}), current.get("spec") or {}
    for key in ("clusterIP", "clusterIPs"):
        if key in old:
            spec[key] = old[key]
    ports = {p.get("port"): p.get("nodePort") for p in old.get("ports") or []}
    for port in spec.get("ports") or []:
        if "nodePort" not in port and ports.get(port.get("port")):
            port["nodePort"] = ports[port["port"]]

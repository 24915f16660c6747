"""The Kubernetes objects of a service on GKE, as plain dicts (no I/O; SPEC G2 without its flaws).

In apply order: Namespace, Secret (``<app>-env``: the env_secrets), BackendConfig (load-balancer
timeouts and the ``/ready`` health check), Service (NodePort, for the GCE Ingress), Deployment
(rolling updates that never lower capacity, ``/ready`` readiness and ``/ping`` liveness probes, memory and CPU
requests = limits, a preStop pause so the load balancer drains a pod before it stops),
HorizontalPodAutoscaler, ManagedCertificate (for the live domain) and the Ingress.

The Secret built here never holds values: it lists its keys in an annotation. The values are added
by the apply step, to the request body only (:func:`secret_data`), so whatever is written to disk or
printed from these objects carries no secret (v1 wrote them in plain text, SPEC K4).
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pymacaron_gcp._gke_settings import GkeSettings

Manifest = dict[str, Any]  # one Kubernetes object, as the API takes it

CONTAINER_PORT = 8080
MANAGED_BY = {"app.kubernetes.io/managed-by": "pymacaron"}
ANNOTATION = "pymacaron.io/"
READINESS = {"initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3}
LIVENESS = {"initialDelaySeconds": 150, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3}
TERMINATION_GRACE_S = 180
PRESTOP_SLEEP_S = 30
LB_TIMEOUT_S = 50
LB_DRAINING_S = 60


def label_value(text: object) -> str:
    """``text`` as a valid Kubernetes label value (at most 63 characters of [A-Za-z0-9._-], alphanumeric
    at both ends)."""
    """``text`` as a Kubernetes label value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends)."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text))[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", value)


def _meta(s, name, annotations=None, namespaced=True):
    meta = {"name": name, "labels": {"app": s.app, **MANAGED_BY}}
    if namespaced:
        meta["namespace"] = s.namespace
    if annotations:
        meta["annotations"] = annotations
    return meta


def namespace(s: GkeSettings) -> Manifest:
    """The service's Namespace."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(s, s.namespace, namespaced=False)}


def secret(s: GkeSettings) -> Manifest:
    """The Secret's shape: its keys in an annotation, no data (see :func:`secret_data`)."""
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": _meta(s, s.secret_name, {ANNOTATION + "keys": ",".join(s.secrets)})}


def secret_data(values: Mapping[str, object]) -> dict[str, str]:
    """The ``data`` of the Secret: {VAR: base64(value)}, for the API request body and nothing else."""
    return {var: base64.b64encode(str(value).encode()).decode() for var, value in values.items()}


def backend_config(s: GkeSettings) -> Manifest:
    """The BackendConfig: load-balancer timeout and draining, and the ``/ready`` health check."""
    return {"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig",
            "metadata": _meta(s, s.backend_config),
            "spec": {"timeoutSec": LB_TIMEOUT_S, "connectionDraining": {"drainingTimeoutSec": LB_DRAINING_S},
                     "healthCheck": {"type": "HTTP", "requestPath": READY_PATH, "port": CONTAINER_PORT}}}


def service(s: GkeSettings) -> Manifest:
    """The NodePort Service the GCE Ingress routes to."""
    annotations = {"cloud.google.com/backend-config": json.dumps({"default": s.backend_config})}
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(s, s.app, annotations),
            "spec": {"type": "NodePort", "selector": {"app": s.app},
                     "ports": [{"name": "http", "port": CONTAINER_PORT, "targetPort": CONTAINER_PORT,
                                "protocol": "TCP"}]}}


READY_PATH = "/ready"  # 503 until the service started, and while it drains (pymacaron.observability.readiness)
LIVE_PATH = "/ping"


def _probe(path, timing):
    return {"httpGet": {"path": path, "port": CONTAINER_PORT}, **timing}


def deployment(s: GkeSettings, image: str, version: object, pym_env: str, replicas: int | None = None,
               previous: tuple[str | None, object] | None = None) -> Manifest:
    """The Deployment of ``image``; ``previous`` = (image, version) it replaces, kept for ``--rollback``."""
    annotations = {ANNOTATION + "version": str(version), ANNOTATION + "image": image}
    if previous and previous[0]:
        annotations[ANNOTATION + "previous-image"] = previous[0]
        annotations[ANNOTATION + "previous-version"] = str(previous[1] or "")
    env: list[dict[str, Any]] = [{"name": "PORT", "value": str(CONTAINER_PORT)},
                                 {"name": "VERSION", "value": str(version)},
                                 {"name": "PYM_ENV", "value": pym_env}]
    env += [{"name": var, "valueFrom": {"secretKeyRef": {"name": s.secret_name, "key": var}}} for var in s.secrets]
    resources = {"memory": s.memory, "cpu": s.cpu}
    container: dict[str, Any] = {
        "name": s.app,
        "image": image,
        "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
        "env": env,
        "resources": {"requests": dict(resources), "limits": dict(resources)},
        "readinessProbe": _probe(READY_PATH, READINESS),
        "livenessProbe": _probe(LIVE_PATH, LIVENESS),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRESTOP_SLEEP_S)]}}},
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(s, s.app, annotations),
        "spec": {
            "replicas": replicas if replicas is not None else s.min_replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app": s.app}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": s.app, "version": label_value(version) or "unknown"}},
                "spec": {"terminationGracePeriodSeconds": TERMINATION_GRACE_S, "containers": [container]},
            },
        },
    }


def autoscaler(s: GkeSettings) -> Manifest:
    """The HorizontalPodAutoscaler (replica range and CPU target)."""
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta(s, s.app),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": s.app},
                     "minReplicas": s.min_replicas, "maxReplicas": s.max_replicas,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": s.cpu_target}}}]}}


def managed_certificate(s: GkeSettings) -> Manifest:
    """The ManagedCertificate of the live domain."""
    return {"apiVersion": "networking.gke.io/v1", "kind": "ManagedCertificate", "metadata": _meta(s, s.certificate),
            "spec": {"domains": [s.domain]}}


def ingress(s: GkeSettings) -> Manifest:
    """The GCE Ingress for the domain, with its certificate and static IP if any."""
    annotations = {"kubernetes.io/ingress.class": "gce", "networking.gke.io/managed-certificates": s.certificate}
    if s.static_ip:
        annotations["kubernetes.io/ingress.global-static-ip-name"] = s.static_ip
    backend = {"service": {"name": s.app, "port": {"number": CONTAINER_PORT}}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(s, s.app, annotations),
            "spec": {"defaultBackend": backend,
                     "rules": [{"host": s.domain, "http": {"paths": [
                         {"path": "/", "pathType": "Prefix", "backend": backend}]}}]}}


def all_objects(s: GkeSettings, image: str, version: object, pym_env: str, replicas: int | None = None,
                previous: tuple[str | None, object] | None = None) -> list[Manifest]:
    """Every object, in apply order (the Secret only when there are env_secrets)."""
    objects = [namespace(s)]
    if s.secrets:
        objects.append(secret(s))
    objects += [backend_config(s), service(s), deployment(s, image, version, pym_env, replicas, previous),
                autoscaler(s), managed_certificate(s), ingress(s)]
    return objects


def to_yaml(objects: Iterable[Manifest]) -> str:
    """The objects as one multi-document YAML text (``kubectl apply -f`` reads it)."""
    import yaml

    return "".join("---\n" + yaml.safe_dump(obj, sort_keys=False, default_flow_style=False) for obj in objects)

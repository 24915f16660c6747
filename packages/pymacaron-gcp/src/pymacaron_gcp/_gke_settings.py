"""The GKE settings of a service, read and checked from pym-config (SPEC G2, G4).

Keys (on top of :mod:`pymacaron_gcp._settings`)::

    live_url / live_host   the domain of the Ingress and of its Google-managed certificate (required)
    gke_cluster            optional: the cluster (default: name, or <name>-<env> with --env)
    gke_namespace          optional: the namespace (default: name)
    gke_context            optional: the kubeconfig context (default: the one `gcloud container clusters
                           get-credentials` made for the cluster, gke_<project>_<location>_<cluster>)
    gke_memory             optional: memory request = limit of a pod (default: pymconfig --memory-limit, in Mi,
                           from cpu_count and worker_count)
    cpu_count              CPUs requested (and limited) per pod (default 1)
    gke_min_replicas       default 2: the HorizontalPodAutoscaler's floor (and the first deploy's replicas)
    gke_max_replicas       default 4
    gke_cpu_target         default 70: the average CPU use (%) the autoscaler aims at
    gke_static_ip          optional: a reserved global IP name for the Ingress
    gke_test_url           optional: where the acceptance tests go (default: http://<the Ingress IP>)
    gke_rollout_timeout    minutes to wait for a rollout, and for the Ingress IP (default 15)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymacaron_gcp._settings import (
    Registry,
    SettingsError,
    config_value,
    dns_label,
    integer,
    live_host,
    quantity,
    region,
    required,
    secret_names,
    where,
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV_VAR = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


@dataclass
class GkeSettings:
    name: str
    registry: Registry
    region: str
    cluster: str
    namespace: str
    domain: str
    app: str  # the DNS-label name of the Kubernetes objects
    context: str | None = None
    memory: str = "1600Mi"
    cpu: str = "1"
    min_replicas: int = 2
    max_replicas: int = 4
    cpu_target: int = 70
    static_ip: str | None = None
    test_url: str | None = None
    timeout_s: int = 15 * 60
    secrets: list = field(default_factory=list)

    @classmethod
    def from_config(cls, config, env=None):
        """Read and check the settings; SettingsError names the first bad key and the fix."""
        name = required(config, "name", "myservice", "to name the GKE cluster, namespace and objects")
        app = dns_label(name, 40)
        if not app:
            raise SettingsError(f"{where(config, 'name')}: {name!r} gives no Kubernetes name (it needs letters): "
                                "use a short name such as 'hello'")
        domain = live_host(config)
        if not domain or not _DOMAIN.match(domain.lower()):
            raise SettingsError(f"{where(config, 'live_url')}: GKE needs the live domain for the Ingress and its "
                                f"managed certificate, got {domain!r}: set 'live_url: https://api.example.com'")
        cluster = str(config_value(config, "gke_cluster") or (f"{name}-{env}" if env else name)).strip()
        namespace = str(config_value(config, "gke_namespace", app)).strip()
        if dns_label(namespace) != namespace:
            raise SettingsError(f"{where(config, 'gke_namespace')}: {namespace!r} is not a valid namespace "
                                "(lowercase letters, digits, hyphens): e.g. 'gke_namespace: hello'")
        for var in secret_names(config):
            if not _ENV_VAR.match(var):
                raise SettingsError(f"{where(config, 'env_secrets')}: {var!r} cannot be a Kubernetes Secret key "
                                    "(letters, digits, '-', '_', '.'): rename the variable")
        min_replicas = integer(config, "gke_min_replicas", 2, 1, 1000)
        max_replicas = integer(config, "gke_max_replicas", max(4, min_replicas), 1, 1000)
        if min_replicas > max_replicas:
            raise SettingsError(f"{where(config, 'gke_min_replicas')} ({min_replicas}) is above gke_max_replicas "
                                f"({max_replicas}): lower one or raise the other")
        test_url = config_value(config, "gke_test_url")
        if test_url and not str(test_url).startswith(("http://", "https://")):
            raise SettingsError(f"{where(config, 'gke_test_url')}: {test_url!r} is not an http(s) URL")
        return cls(
            name=name,
            registry=Registry(config, name),
            region=region(config),
            cluster=cluster,
            namespace=namespace,
            domain=domain.lower(),
            app=app,
            context=config_value(config, "gke_context"),
            memory=_memory(config),
            cpu=quantity(config, "cpu_count", 1, "1"),
            min_replicas=min_replicas,
            max_replicas=max_replicas,
            cpu_target=integer(config, "gke_cpu_target", 70, 1, 100),
            static_ip=config_value(config, "gke_static_ip"),
            test_url=str(test_url) if test_url else None,
            timeout_s=integer(config, "gke_rollout_timeout", 15, 1, 24 * 60) * 60,
            secrets=secret_names(config),
        )

    @property
    def project(self):
        return self.registry.project

    @property
    def secret_name(self):
        return f"{self.app}-env"

    @property
    def certificate(self):
        return f"{self.app}-certificate"

    @property
    def backend_config(self):
        return f"{self.app}-backend"

    def is_cluster_context(self, context_name):
        """Whether a kubeconfig context is this cluster's, as gcloud names them: gke_<project>_<location>_<cluster>."""
        pattern = rf"gke_{re.escape(self.project)}_[a-z0-9-]+_{re.escape(self.cluster)}"
        return re.fullmatch(pattern, context_name) is not None


def _memory(config):
    if config_value(config, "gke_memory") is not None:
        return quantity(config, "gke_memory", None, "1Gi")
    from pymacaron.resources import get_memory_limit

    cpu = integer(config, "cpu_count", 1, 1, 256)
    workers = integer(config, "worker_count", None, 1, 1024) if config_value(config, "worker_count") else None
    return f"{get_memory_limit(cpu_count=cpu, config={'worker_count': workers})}Mi"

"""What a Cloud Run service should look like: settings from pym-config, and the Service they describe.

Keys (on top of :mod:`pymacaron_gcp._settings`)::

    gcp_memory                 memory of a container (default 512Mi)
    gcp_request_concurrency    requests one container serves at once (default 10, at most 1000)
    gcp_cpu                    optional: CPUs of a container (e.g. 1, 2)
    gcp_min_instances          optional: containers kept warm (default: Cloud Run's, 0)
    gcp_max_instances          optional: the autoscaling ceiling
    gcp_service                optional: the services' base name (default: name) -> <base>-staging, <base>-live
    gcp_service_account        optional: the identity the containers run as (needs secretAccessor on the secrets)
    gcp_allow_unauthenticated  default true: anyone may call the service (roles/run.invoker for allUsers)
    gcp_deploy_timeout         minutes to wait for one service to be ready (default 15)

The desired state (:class:`ServiceSpec`) is plain data, printable in a dry-run plan; :func:`apply_spec`
writes it into a ``google.cloud.run_v2.Service`` (a new one, or the deployed one, keeping what the
deploy does not manage: other env vars, labels, volumes...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymacaron_gcp._settings import (
    Registry,
    SettingsError,
    boolean,
    config_value,
    integer,
    quantity,
    region,
    required,
    secret_refs,
    where,
)

STAGES = ("staging", "live")
CONTAINER_PORT = 8080
READY_PATH = "/ready"
STARTUP_PERIOD_S = 2
STARTUP_FAILURES = 60  # 2 minutes to start (Cloud Run allows 240 s of startup probing at most)
MANAGED_ENV = "pymacaron.io/managed-env"  # the env vars the last deploy set (so removed ones are dropped)
LABEL = "managed-by"
_SERVICE_ID = re.compile(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$")


def label_value(text):
    """``text`` as a GCP label value: lowercase letters, digits, '-' and '_', at most 63 characters."""
    return re.sub(r"[^a-z0-9_-]+", "-", str(text).lower())[:63]


@dataclass
class CloudRunSettings:
    name: str
    registry: Registry
    region: str
    base: str
    memory: str = "512Mi"
    concurrency: int = 10
    cpu: str | None = None
    min_instances: int | None = None
    max_instances: int | None = None
    service_account: str | None = None
    allow_unauthenticated: bool = True
    timeout_s: int = 15 * 60
    secrets: dict = field(default_factory=dict)  # VAR -> projects/<p>/secrets/<id>

    @classmethod
    def from_config(cls, config):
        """Read and check the settings; SettingsError names the first bad key and the fix."""
        name = required(config, "name", "myservice", "to name the Cloud Run services")
        registry = Registry(config, name)
        base = str(config_value(config, "gcp_service", name)).strip()
        for stage in STAGES:
            service_id = f"{base}-{stage}"
            if not _SERVICE_ID.match(service_id):
                key = "gcp_service" if config_value(config, "gcp_service") else "name"
                raise SettingsError(f"{where(config, key)}: the Cloud Run service name {service_id!r} is invalid "
                                    "(lowercase letters, digits and hyphens, starting with a letter, at most 49 "
                                    "characters): set 'gcp_service: <short-name>' in pym-config.yaml")
        optional_int = lambda key, low, high: (integer(config, key, None, low, high)  # noqa: E731
                                               if config_value(config, key) is not None else None)
        settings = cls(
            name=name,
            registry=registry,
            region=region(config),
            base=base,
            memory=quantity(config, "gcp_memory", "512Mi", "512Mi"),
            concurrency=integer(config, "gcp_request_concurrency", 10, 1, 1000),
            cpu=quantity(config, "gcp_cpu", None, "1") if config_value(config, "gcp_cpu") is not None else None,
            min_instances=optional_int("gcp_min_instances", 0, 1000),
            max_instances=optional_int("gcp_max_instances", 1, 1000),
            service_account=config_value(config, "gcp_service_account"),
            allow_unauthenticated=boolean(config, "gcp_allow_unauthenticated", True),
            timeout_s=integer(config, "gcp_deploy_timeout", 15, 1, 24 * 60) * 60,
            secrets=secret_refs(config, registry.project),
        )
        if settings.min_instances is not None and settings.max_instances is not None \
                and settings.min_instances > settings.max_instances:
            raise SettingsError(f"{where(config, 'gcp_min_instances')} ({settings.min_instances}) is above "
                                f"gcp_max_instances ({settings.max_instances}): lower one or raise the other")
        return settings

    @property
    def project(self):
        return self.registry.project

    @property
    def parent(self):
        return f"projects/{self.project}/locations/{self.region}"

    def service_id(self, stage):
        return f"{self.base}-{stage}"

    def service_name(self, stage):
        return f"{self.parent}/services/{self.service_id(stage)}"


@dataclass
class ServiceSpec:
    """The managed part of one Cloud Run service. ``secrets``: VAR -> (secret name, version): references only."""

    image: str
    env: dict
    secrets: dict
    memory: str
    concurrency: int
    cpu: str | None = None
    min_instances: int | None = None
    max_instances: int | None = None
    service_account: str | None = None
    labels: dict = field(default_factory=dict)

    @classmethod
    def build(cls, settings, stage, image, version, secret_versions):
        return cls(
            image=image,
            env={"PYM_ENV": stage, "VERSION": str(version)},
            secrets=dict(secret_versions),
            memory=settings.memory,
            concurrency=settings.concurrency,
            cpu=settings.cpu,
            min_instances=settings.min_instances,
            max_instances=settings.max_instances,
            service_account=settings.service_account,
            labels={LABEL: "pymacaron", "pymacaron-service": label_value(settings.name),
                    "pymacaron-version": label_value(version)},
        )

    def describe(self):
        """One line, for the progress and the dry-run plan (secret references, never values)."""
        parts = [f"image {self.image}", f"memory {self.memory}", f"concurrency {self.concurrency}"]
        if self.cpu:
            parts.append(f"cpu {self.cpu}")
        if self.min_instances is not None or self.max_instances is not None:
            parts.append(f"instances {self.min_instances or 0}-{self.max_instances or 'auto'}")
        parts.append("env " + ", ".join(f"{k}={v}" for k, v in self.env.items()))
        if self.secrets:
            parts.append("secrets " + ", ".join(f"{var} <- {name}/versions/{version}"
                                                for var, (name, version) in self.secrets.items()))
        return "; ".join(parts)


def apply_spec(service, spec):
    """Write ``spec`` into ``service`` (a run_v2.Service), in place; returns it."""
    from google.cloud import run_v2

    template = service.template
    if not template.containers:
        template.containers.append(run_v2.Container())
    container = template.containers[0]
    container.image = spec.image
    if not container.ports:
        container.ports.append(run_v2.ContainerPort(name="http1", container_port=CONTAINER_PORT))
    previous = set(filter(None, service.annotations.get(MANAGED_ENV, "").split(",")))
    managed = set(spec.env) | set(spec.secrets)
    kept = [e for e in container.env if e.name not in managed and e.name not in previous]
    env = kept + [run_v2.EnvVar(name=k, value=v) for k, v in spec.env.items()]
    env += [run_v2.EnvVar(name=var, value_source=run_v2.EnvVarSource(
        secret_key_ref=run_v2.SecretKeySelector(secret=name, version=str(version))))
        for var, (name, version) in spec.secrets.items()]
    del container.env[:]
    container.env.extend(env)
    container.resources.limits["memory"] = spec.memory
    # Cloud Run sends no traffic to a container before its startup probe passes: /ready, which answers
    # 503 until the service has started (readiness probes of Cloud Run are GKE's /ready, see manifests)
    container.startup_probe = run_v2.Probe(
        http_get=run_v2.HTTPGetAction(path=READY_PATH, port=CONTAINER_PORT), period_seconds=STARTUP_PERIOD_S,
        timeout_seconds=STARTUP_PERIOD_S, failure_threshold=STARTUP_FAILURES)
    if spec.cpu:
        container.resources.limits["cpu"] = spec.cpu
    template.max_instance_request_concurrency = spec.concurrency
    if spec.min_instances is not None:
        template.scaling.min_instance_count = spec.min_instances
    if spec.max_instances is not None:
        template.scaling.max_instance_count = spec.max_instances
    if spec.service_account:
        template.service_account = spec.service_account
    template.revision = ""  # let Cloud Run name the new revision
    for key, value in spec.labels.items():
        service.labels[key] = value
    service.annotations[MANAGED_ENV] = ",".join(sorted(managed))
    return service

"""pymacaron_gcp._run_spec: Cloud Run settings and the Service they describe."""

import pytest
from google.cloud import run_v2

from pymacaron_gcp._run_spec import CloudRunSettings, ServiceSpec, apply_spec
from pymacaron_gcp._settings import SettingsError


def cfg(**kw):
    return dict({"name": "hello", "docker_repo": "my-project", "config_path": "pym-config.yaml"}, **kw)


def test_defaults_match_v1():
    s = CloudRunSettings.from_config(cfg())
    assert (s.region, s.memory, s.concurrency, s.allow_unauthenticated) == ("europe-west1", "512Mi", 10, True)
    assert s.service_name("staging") == "projects/my-project/locations/europe-west1/services/hello-staging"
    assert s.service_id("live") == "hello-live"


@pytest.mark.parametrize("config, message", [
    (cfg(name="Hello_World"), "'name': the Cloud Run service name 'Hello_World-staging' is invalid.*gcp_service"),
    (cfg(gcp_service="x" * 45), "'gcp_service': the Cloud Run service name"),
    (cfg(gcp_request_concurrency=0), "'gcp_request_concurrency' must be from 1 to 1000, got 0"),
    (cfg(gcp_min_instances=5, gcp_max_instances=2), "'gcp_min_instances' \\(5\\) is above gcp_max_instances"),
    (cfg(gcp_allow_unauthenticated="maybe"), "'gcp_allow_unauthenticated' must be true or false"),
    (cfg(name=None), "has no 'name' key"),
])
def test_errors_name_the_key_and_the_fix(config, message):
    with pytest.raises(SettingsError, match=message):
        CloudRunSettings.from_config({k: v for k, v in config.items() if v is not None})


def test_apply_spec_to_a_new_and_a_deployed_service():
    s = CloudRunSettings.from_config(cfg(env_secrets=["A", "B"], gcp_min_instances=1))
    secrets = {"A": ("projects/p/secrets/A", "3"), "B": ("projects/p/secrets/B", "1")}
    service = apply_spec(run_v2.Service(), ServiceSpec.build(s, "staging", "img:1", "1", secrets))
    container = service.template.containers[0]
    assert container.image == "img:1" and container.ports[0].container_port == 8080
    assert [(e.name, e.value) for e in container.env if e.value] == [("PYM_ENV", "staging"), ("VERSION", "1")]
    assert container.env[2].value_source.secret_key_ref.secret == "projects/p/secrets/A"
    assert container.env[2].value_source.secret_key_ref.version == "3"
    assert service.template.scaling.min_instance_count == 1
    probe = container.startup_probe  # no traffic before /ready answers 200
    assert (probe.http_get.path, probe.http_get.port) == ("/ready", 8080)
    assert probe.period_seconds * probe.failure_threshold <= 240 and probe.timeout_seconds <= probe.period_seconds
    assert service.annotations["pymacaron.io/managed-env"] == "A,B,PYM_ENV,VERSION"
    # a hand-added variable stays; B, dropped from env_secrets, goes
    container.env.append(run_v2.EnvVar(name="EXTRA", value="1"))
    again = apply_spec(service, ServiceSpec.build(s, "staging", "img:2", "2", {"A": secrets["A"]}))
    assert [e.name for e in again.template.containers[0].env] == ["EXTRA", "PYM_ENV", "VERSION", "A"]


def test_describe_shows_references_not_values():
    s = CloudRunSettings.from_config(cfg(env_secrets=["A"]))
    text = ServiceSpec.build(s, "live", "img:1", "1", {"A": ("projects/p/secrets/A", "2")}).describe()
    assert "secrets A <- projects/p/secrets/A/versions/2" in text and "PYM_ENV=live" in text

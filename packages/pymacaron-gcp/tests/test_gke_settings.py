"""pymacaron_gcp._gke_settings: GKE settings from pym-config."""

import pytest

from pymacaron_gcp._gke_settings import GkeSettings
from pymacaron_gcp._settings import SettingsError


def cfg(**kw):
    return dict({"name": "hello", "docker_repo": "my-project", "live_url": "https://hello.example.com",
                 "config_path": "pym-config.yaml"}, **kw)


def test_defaults():
    s = GkeSettings.from_config(cfg())
    assert (s.cluster, s.namespace, s.domain, s.app) == ("hello", "hello", "hello.example.com", "hello")
    assert (s.min_replicas, s.max_replicas, s.cpu_target, s.memory, s.cpu) == (2, 4, 70, "1600Mi", "1")
    assert GkeSettings.from_config(cfg(), env="staging").cluster == "hello-staging"


def test_cluster_contexts():
    s = GkeSettings.from_config(cfg())
    assert s.is_cluster_context("gke_my-project_europe-west1_hello")
    assert s.is_cluster_context("gke_my-project_europe-west1-b_hello")
    assert not s.is_cluster_context("gke_my-project_europe-west1_hello-staging")
    assert not s.is_cluster_context("gke_other_europe-west1_hello")


@pytest.mark.parametrize("config, message", [
    (cfg(live_url=None), "GKE needs the live domain for the Ingress"),
    (cfg(gke_namespace="Web_NS"), "'gke_namespace': 'Web_NS' is not a valid namespace"),
    (cfg(gke_min_replicas=5, gke_max_replicas=3), "'gke_min_replicas' \\(5\\) is above gke_max_replicas"),
    (cfg(env_secrets=["BAD NAME"]), "'env_secrets': 'BAD NAME' cannot be a Kubernetes Secret key"),
    (cfg(gke_test_url="127.0.0.1:8080"), "'gke_test_url': '127.0.0.1:8080' is not an http\\(s\\) URL"),
    (cfg(cpu_count="two"), "'cpu_count' must be a whole number, got 'two'"),
])
def test_errors_name_the_key_and_the_fix(config, message):
    with pytest.raises(SettingsError, match=message):
        GkeSettings.from_config({k: v for k, v in config.items() if v is not None})

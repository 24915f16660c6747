"""pymacaron_gcp.manifests: the GKE objects, validated offline against the Kubernetes schemas."""

import base64

import kubernetes_validate
import pytest
import yaml
from gcp_testing import SECRET, write_service

from pymacaron_gcp import manifests
from pymacaron_gcp._gke_settings import GkeSettings

K8S_VERSION = kubernetes_validate.latest_version()


def settings(folder, **config):
    return GkeSettings.from_config(write_service(folder, **config))


def objects(folder, **config):
    return manifests.all_objects(settings(folder, **config), "gcr.io/my-project/hello:1.0", "1.0", "live")


def by_kind(objs):
    return {o["kind"]: o for o in objs}


def test_builtin_objects_pass_the_kubernetes_schemas(service_folder):
    objs = objects(service_folder, env_secrets=["PYM_JWT_SECRET", "SLACK_TOKEN"], gke_static_ip="hello-ip")
    builtin = [o for o in objs if (o["apiVersion"], o["kind"]) not in manifests_custom()]
    assert {o["kind"] for o in builtin} == {"Namespace", "Secret", "Service", "Deployment",
                                            "HorizontalPodAutoscaler", "Ingress"}
    for obj in builtin:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)  # raises ValidationError when wrong
    secret = by_kind(objs)["Secret"]
    secret = dict(secret, data=manifests.secret_data({"PYM_JWT_SECRET": SECRET, "SLACK_TOKEN": "x"}))
    kubernetes_validate.validate(secret, K8S_VERSION, strict=True)  # with its data, as the API receives it


def manifests_custom():
    from pymacaron_gcp._kube import CUSTOM

    return CUSTOM


def test_the_schema_check_catches_a_broken_manifest(service_folder):
    deployment = by_kind(objects(service_folder))["Deployment"]
    deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = [1]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_gke_custom_resources(service_folder):
    objs = by_kind(objects(service_folder))
    cert = objs["ManagedCertificate"]
    assert cert["apiVersion"] == "networking.gke.io/v1"
    assert cert["spec"] == {"domains": ["hello.example.com"]}
    backend = objs["BackendConfig"]
    assert backend["apiVersion"] == "cloud.google.com/v1"
    assert backend["spec"]["healthCheck"]["requestPath"] == "/ready"  # the load balancer skips draining pods
    assert backend["spec"]["connectionDraining"] == {"drainingTimeoutSec": 60}
    ingress = objs["Ingress"]
    assert ingress["metadata"]["annotations"]["networking.gke.io/managed-certificates"] == cert["metadata"]["name"]
    assert ingress["spec"]["rules"][0]["host"] == "hello.example.com"
    service = objs["Service"]
    assert '"hello-backend"' in service["metadata"]["annotations"]["cloud.google.com/backend-config"]


def test_deployment(service_folder):
    objs = by_kind(objects(service_folder, cpu_count=2, worker_count=3))
    spec = objs["Deployment"]["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == "gcr.io/my-project/hello:1.0"
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 8080}  # 503 while starting, draining
    assert container["livenessProbe"]["httpGet"] == {"path": "/ping", "port": 8080}
    # pymconfig --memory-limit: 5 web workers * 400 + 3 celery workers * 200
    assert container["resources"] == {"requests": {"memory": "2600Mi", "cpu": "2"},
                                      "limits": {"memory": "2600Mi", "cpu": "2"}}
    env = {e["name"]: e for e in container["env"]}
    assert env["PYM_ENV"]["value"] == "live" and env["VERSION"]["value"] == "1.0" and env["PORT"]["value"] == "8080"
    assert env["PYM_JWT_SECRET"]["valueFrom"] == {"secretKeyRef": {"name": "hello-env", "key": "PYM_JWT_SECRET"}}
    assert spec["replicas"] == 2
    assert objs["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 2
    assert objs["HorizontalPodAutoscaler"]["spec"]["maxReplicas"] == 4


def test_config_overrides(service_folder):
    s = settings(service_folder, gke_memory="1Gi", gke_min_replicas=3, gke_max_replicas=10, gke_cpu_target=50,
                 gke_namespace="web", live_url=None, live_host="api.example.org")
    objs = by_kind(manifests.all_objects(s, "img:2", "2", "staging", replicas=7))
    assert objs["Deployment"]["spec"]["replicas"] == 7  # what the autoscaler chose is kept
    assert objs["Deployment"]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "1Gi"
    assert objs["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 50
    assert {o["metadata"].get("namespace") for o in objs.values()} == {None, "web"}
    assert objs["ManagedCertificate"]["spec"]["domains"] == ["api.example.org"]


def test_no_secret_objects_without_env_secrets(service_folder):
    objs = objects(service_folder, env_secrets=[], jwt_secret=None)
    assert "Secret" not in by_kind(objs)
    container = by_kind(objs)["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert all("valueFrom" not in e for e in container["env"])


def test_yaml_has_keys_but_no_secret_value(service_folder, monkeypatch):
    monkeypatch.setenv("PYM_JWT_SECRET", SECRET)
    text = manifests.to_yaml(objects(service_folder))
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs][:2] == ["Namespace", "Secret"]
    assert "data" not in docs[1] and docs[1]["metadata"]["annotations"]["pymacaron.io/keys"] == "PYM_JWT_SECRET"
    assert SECRET not in text and base64.b64encode(SECRET.encode()).decode() not in text


def test_label_value():
    assert manifests.label_value("1.0+build/7") == "1.0-build-7"
    assert manifests.label_value("-v-") == "v"
    assert len(manifests.label_value("x" * 100)) == 63

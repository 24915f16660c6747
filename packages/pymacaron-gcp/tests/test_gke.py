"""pymacaron_gcp.gke: deploys through the kubernetes client against the local fake Kubernetes API."""

import base64
import logging

import pytest
from gcp_testing import SECRET, LocalServer, ping_context, workload, write_service

from pymacaron.deploy.targets import DeployError
from pymacaron_gcp.gke import GkeTarget

NS = "hello"


@pytest.fixture
def healthy():
    with LocalServer(workload(True)) as server:
        yield server


def make_target(kube, tmp_path, **kw):
    return GkeTarget(kubeconfig=kube.kubeconfig(tmp_path / "kubeconfig"), poll_interval=0.01, **kw)


def deploy(kube, folder, tmp_path, version, test_url=None, secrets=None, run_tests=True, **config):
    config = write_service(folder, gke_test_url=test_url, **config)
    ctx = ping_context(folder, config, version, secrets={"PYM_JWT_SECRET": SECRET} if secrets is None else secrets,
                       run_tests=run_tests)
    return make_target(kube, tmp_path).deploy(ctx), ctx


def image_of(kube):
    return kube.get("deployments", NS, "hello")["spec"]["template"]["spec"]["containers"][0]["image"]


def test_first_deploy_creates_every_object(kube, service_folder, tmp_path, healthy):
    result, ctx = deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    assert sorted(k[0] for k in kube.objects) == ["backendconfigs", "deployments", "horizontalpodautoscalers",
                                                  "ingresses", "managedcertificates", "namespaces", "secrets",
                                                  "services"]
    secret = kube.get("secrets", NS, "hello-env")
    assert base64.b64decode(secret["data"]["PYM_JWT_SECRET"]).decode() == SECRET
    assert image_of(kube) == "gcr.io/my-project/hello:1.0"
    assert ctx.tested == [healthy.url]
    assert result.live_url == "https://hello.example.com"
    out = ctx.output.getvalue()
    assert "Deployment/hello created" in out and "Secret/hello-env created" in out


def test_update_replaces_keeps_scale_and_records_the_previous_image(kube, service_folder, tmp_path, healthy):
    deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    kube.get("deployments", NS, "hello")["spec"]["replicas"] = 5  # the autoscaler scaled up
    node_port = kube.get("services", NS, "hello")["spec"]["ports"][0]["nodePort"]
    result, ctx = deploy(kube, service_folder, tmp_path, "1.1", test_url=healthy.url)
    dep = kube.get("deployments", NS, "hello")
    assert image_of(kube) == "gcr.io/my-project/hello:1.1"
    assert dep["spec"]["replicas"] == 5
    assert dep["metadata"]["generation"] == 2
    assert dep["metadata"]["annotations"]["pymacaron.io/previous-image"] == "gcr.io/my-project/hello:1.0"
    assert kube.get("services", NS, "hello")["spec"]["ports"][0]["nodePort"] == node_port
    assert result.details["previous_image"] == "gcr.io/my-project/hello:1.0"
    assert "Deployment/hello updated" in ctx.output.getvalue()
    assert [m for m, path, *_ in kube.log.entries if path.endswith("/deployments/hello")].count("PUT") == 1


def test_rollout_is_polled_with_progress(kube, service_folder, tmp_path, healthy):
    kube.rollout_polls = 4
    _, ctx = deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    out = ctx.output.getvalue()
    assert "... Deployment/hello: 0 of 2 new replicas updated" in out
    assert "... Deployment/hello: 2 of 2 updated replicas available" not in out.split("\n")[-1]
    assert "Deployment/hello: 2 of 2 replicas updated and available" in out
    reads = [p for m, p, *_ in kube.log.entries if m == "GET" and p.endswith("/deployments/hello")]
    assert len(reads) == 2 + 5  # two before replacing it, then 4 polls in progress and the last one done


def test_stuck_rollout_is_a_clear_error(kube, service_folder, tmp_path, healthy):
    kube.stuck_images.add("gcr.io/my-project/hello:1.0")
    with pytest.raises(DeployError, match="rollout of Deployment/hello is stuck: ReplicaSet .* has timed out "
                                          "progressing. .*image pull errors"):
        deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)


def test_rollout_timeout(kube, service_folder, tmp_path, healthy):
    kube.rollout_polls = 10_000
    config = write_service(service_folder, gke_test_url=healthy.url)
    ctx = ping_context(service_folder, config, "1.0", secrets={"PYM_JWT_SECRET": SECRET})
    with pytest.raises(DeployError, match="did not finish within 0s .*gke_rollout_timeout"):
        make_target(kube, tmp_path, timeout=0.05).deploy(ctx)


def test_failing_acceptance_rolls_back_to_the_previous_image(kube, service_folder, tmp_path, healthy):
    deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    with LocalServer(workload(False)) as broken:
        with pytest.raises(DeployError, match=f"acceptance tests failed against {broken.url}: rolled back to "
                                              "gcr.io/my-project/hello:1.0"):
            deploy(kube, service_folder, tmp_path, "1.1", test_url=broken.url)
    assert image_of(kube) == "gcr.io/my-project/hello:1.0"


def test_first_deploy_failing_acceptance_says_there_is_nothing_to_roll_back(kube, service_folder, tmp_path):
    # no gke_test_url: the tests go to the Ingress IP (127.0.0.1, port 80: nothing listens there)
    with pytest.raises(DeployError, match=r"against http://127\.0\.0\.1: this was the first deploy"):
        deploy(kube, service_folder, tmp_path, "1.0")
    assert image_of(kube) == "gcr.io/my-project/hello:1.0"


def test_ingress_address_is_waited_for(kube, service_folder, tmp_path):
    target = make_target(kube, tmp_path)
    config = write_service(service_folder)
    with pytest.raises(DeployError, match="Ingress/hello in namespace hello does not exist: deploy first"):
        target.ingress_address(config)
    _, ctx = deploy(kube, service_folder, tmp_path, "1.0", run_tests=False)
    assert "load balancer" not in ctx.output.getvalue()  # --no-test: no wait for the address
    kube.ingress_polls, kube.reads[("ingresses", NS, "hello")] = 3, 0
    ctx = ping_context(service_folder, config, "1.1", secrets={"PYM_JWT_SECRET": SECRET})
    with pytest.raises(DeployError, match=r"acceptance tests failed against http://127\.0\.0\.1"):
        target.deploy(ctx)
    out = ctx.output.getvalue()
    assert out.count("... Ingress/hello: waiting for the load balancer's address") == 2  # 1 read by the apply
    assert "the load balancer answers on 127.0.0.1" in out
    assert ctx.tested == ["http://127.0.0.1"]
    assert target.ingress_address(config) == "127.0.0.1"


def test_rollback(kube, service_folder, tmp_path, healthy):
    target = make_target(kube, tmp_path)
    config = write_service(service_folder, gke_test_url=healthy.url)
    ctx = ping_context(service_folder, config, "", secrets={})
    with pytest.raises(DeployError, match="Deployment/hello .* has no previous image recorded"):
        target.rollback(ctx)
    deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    deploy(kube, service_folder, tmp_path, "1.1", test_url=healthy.url)
    result = target.rollback(ping_context(service_folder, config, "", secrets={}))
    assert image_of(kube) == "gcr.io/my-project/hello:1.0"
    assert result.details["rolled_back"] is True
    with pytest.raises(DeployError, match="already rolled back"):
        target.rollback(ping_context(service_folder, config, "", secrets={}))


@pytest.mark.parametrize("fail, expected", [
    (("POST", "/secrets"), (403, "Forbidden", 'secrets is forbidden: User "deployer" cannot create resource')),
    (("PUT", "/deployments/hello"), (409, "Conflict", "the object has been modified")),
    (("POST", "/deployments"), (422, "Invalid", "spec.template.spec.containers[0].image: Required value")),
])
def test_api_errors_are_clear_messages(kube, service_folder, tmp_path, healthy, fail, expected):
    if fail[0] == "PUT":
        deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    kube.fail[fail] = expected
    with pytest.raises(DeployError) as e:
        deploy(kube, service_folder, tmp_path, "1.1", test_url=healthy.url)
    code, reason, text = expected
    assert f"failed: {code} {reason}: " in str(e.value) and text in str(e.value)
    assert "applying " in str(e.value)


def test_cluster_without_gke_resources(kube, service_folder, tmp_path, healthy):
    kube.crds = False
    with pytest.raises(DeployError, match="applying BackendConfig/hello-backend failed: 404 .*need a GKE cluster"):
        deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)


def test_refused_credentials(kube, service_folder, tmp_path, healthy):
    config = write_service(service_folder, gke_test_url=healthy.url)
    path = kube.kubeconfig(tmp_path / "kc", token="expired")
    ctx = ping_context(service_folder, config, "1.0", secrets={"PYM_JWT_SECRET": SECRET})
    with pytest.raises(DeployError, match="failed: 401 Unauthorized.*get-credentials"):
        GkeTarget(kubeconfig=path, poll_interval=0.01).deploy(ctx)


def test_kubeconfig_problems(kube, service_folder, tmp_path):
    config = write_service(service_folder)
    ctx = ping_context(service_folder, config, "1.0", secrets={"PYM_JWT_SECRET": SECRET})
    with pytest.raises(DeployError, match=r"cannot read the kubeconfig .*no-such-file.*gcloud container clusters "
                                          r"get-credentials hello --region europe-west1 --project my-project"):
        GkeTarget(kubeconfig=str(tmp_path / "no-such-file")).deploy(ctx)
    other = kube.kubeconfig(tmp_path / "other", context="gke_my-project_europe-west1_other")
    with pytest.raises(DeployError, match="no context in .* for the cluster hello of project my-project"):
        GkeTarget(kubeconfig=other).deploy(ctx)
    ctx.config = write_service(service_folder, gke_context="gke_my-project_europe-west1_other",
                               gke_test_url="http://127.0.0.1:9")
    ctx.run_tests = False
    GkeTarget(kubeconfig=other, poll_interval=0.01).deploy(ctx)  # named explicitly: used


def test_missing_secret_value_stops_before_the_cluster(kube, service_folder, tmp_path):
    with pytest.raises(DeployError, match=r"env_secrets not set here: \$PYM_JWT_SECRET"):
        deploy(kube, service_folder, tmp_path, "1.0", secrets={})
    assert kube.log.entries == []


def test_env_selects_cluster_and_pym_env(kube, service_folder, tmp_path, healthy):
    config = write_service(service_folder, gke_test_url=healthy.url)
    path = kube.kubeconfig(tmp_path / "kc", context="gke_my-project_europe-west1-b_hello-staging")
    ctx = ping_context(service_folder, config, "1.0", secrets={"PYM_JWT_SECRET": SECRET}, env="staging")
    GkeTarget(kubeconfig=path, poll_interval=0.01).deploy(ctx)
    env = kube.get("deployments", NS, "hello")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "PYM_ENV", "value": "staging"} in env


def test_no_secret_value_in_output_logs_or_other_requests(kube, service_folder, tmp_path, healthy, caplog):
    caplog.set_level(logging.DEBUG)
    deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    _, ctx = deploy(kube, service_folder, tmp_path, "1.1", test_url=healthy.url)
    encoded = base64.b64encode(SECRET.encode()).decode()
    carriers = [(m, p) for m, p, _, body in kube.log.entries if SECRET in body or encoded in body]
    assert carriers == [("POST", f"/api/v1/namespaces/{NS}/secrets"), ("PUT", f"/api/v1/namespaces/{NS}/secrets/hello-env")]
    assert SECRET not in ctx.output.getvalue() and encoded not in ctx.output.getvalue()
    assert SECRET not in caplog.text and encoded not in caplog.text


def test_error_messages_never_show_a_secret_value(kube, service_folder, tmp_path, healthy):
    encoded = base64.b64encode(SECRET.encode()).decode()
    kube.fail[("POST", "/secrets")] = (422, "Invalid", f'Secret "hello-env" is invalid: data[PYM_JWT_SECRET]: {encoded}')
    with pytest.raises(DeployError) as e:
        deploy(kube, service_folder, tmp_path, "1.0", test_url=healthy.url)
    assert encoded not in str(e.value) and "****" in str(e.value)


def test_plan_calls_no_api(kube, service_folder, tmp_path):
    config = write_service(service_folder)
    ctx = ping_context(service_folder, config, "2.0", secrets={"PYM_JWT_SECRET": SECRET})
    text = "\n".join(make_target(kube, tmp_path).plan(ctx))
    assert "Deployment/hello: image gcr.io/my-project/hello:2.0" in text and "hello.example.com" in text
    assert "http://<the Ingress IP>" in text and SECRET not in text
    assert kube.log.entries == []

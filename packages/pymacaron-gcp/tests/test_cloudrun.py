"""pymacaron_gcp.cloudrun: deploys against the local fake of the Cloud Run v2 and Secret Manager REST APIs."""

import base64
import logging

import pytest
from cloudrun_testing import PROJECT, REGION, make_target
from gcp_testing import SECRET, ping_context, write_service

from pymacaron.deploy.targets import DeployError
from pymacaron_gcp.cloudrun import CloudRunTarget

SECRET_NAME = f"projects/{PROJECT}/secrets/PYM_JWT_SECRET"


def deploy(fake, folder, version="1.0", secrets=None, config=None, target=None, run_tests=True):
    config = config or write_service(folder)
    ctx = ping_context(folder, config, version, secrets={"PYM_JWT_SECRET": SECRET} if secrets is None else secrets,
                       run_tests=run_tests)
    result = (target or make_target(fake)).deploy(ctx)
    return result, ctx


def container(service):
    return service["template"]["containers"][0]


def env_of(service):
    return {e["name"]: e.get("value", e.get("valueSource")) for e in container(service).get("env", [])}


def test_first_deploy_creates_staging_then_live(google_cloud, service_folder):
    result, ctx = deploy(google_cloud, service_folder)
    staging = google_cloud.service(PROJECT, REGION, "hello-staging")
    live = google_cloud.service(PROJECT, REGION, "hello-live")
    assert container(staging)["image"] == "gcr.io/my-project/hello:1.0"
    assert container(staging)["resources"]["limits"] == {"memory": "512Mi"}
    assert staging["template"]["maxInstanceRequestConcurrency"] == 10
    assert env_of(staging)["PYM_ENV"] == "staging" and env_of(live)["PYM_ENV"] == "live"
    assert env_of(live)["VERSION"] == "1.0"
    assert env_of(live)["PYM_JWT_SECRET"] == {"secretKeyRef": {"secret": SECRET_NAME, "version": "1"}}
    # the acceptance tests ran against staging's URL, before live existed
    assert ctx.tested == [staging["uri"]]
    assert result.staging_url == staging["uri"] and result.live_url == live["uri"]
    assert [m for m, path, *_ in google_cloud.log.entries if path.endswith("/services")] == ["POST", "POST"]
    for name in ("hello-staging", "hello-live"):
        policy = google_cloud.iam[f"projects/{PROJECT}/locations/{REGION}/services/{name}"]
        assert {"role": "roles/run.invoker", "members": ["allUsers"]} in policy["bindings"]
    assert google_cloud.secrets[SECRET_NAME]["versions"] == [SECRET.encode()]


def test_settings_from_the_config_reach_the_service(google_cloud, service_folder):
    config = write_service(service_folder, gcp_region="us-central1", gcp_memory="1Gi", gcp_request_concurrency=80,
                           gcp_cpu=2, gcp_max_instances=5, gcp_service="greeter", gcp_allow_unauthenticated=False,
                           gcp_service_account="runner@my-project.iam.gserviceaccount.com")
    deploy(google_cloud, service_folder, config=config)
    live = google_cloud.service(PROJECT, "us-central1", "greeter-live")
    assert container(live)["resources"]["limits"] == {"memory": "1Gi", "cpu": "2"}
    assert live["template"]["maxInstanceRequestConcurrency"] == 80
    assert live["template"]["scaling"] == {"maxInstanceCount": 5}
    assert live["template"]["serviceAccount"] == "runner@my-project.iam.gserviceaccount.com"
    assert not google_cloud.iam  # gcp_allow_unauthenticated: false leaves IAM alone


def test_update_keeps_unmanaged_settings_and_drops_removed_secrets(google_cloud, service_folder):
    deploy(google_cloud, service_folder, "1.0")
    name = f"projects/{PROJECT}/locations/{REGION}/services/hello-live"
    # someone sets an env var and a label by hand between deploys
    container(google_cloud.services[name])["env"].append({"name": "FEATURE_FLAG", "value": "on"})
    google_cloud.services[name].setdefault("labels", {})["team"] = "core"
    config = write_service(service_folder, env_secrets=[], jwt_secret=None)
    deploy(google_cloud, service_folder, "1.1", secrets={}, config=config)
    live = google_cloud.services[name]
    assert live["generation"] == "2"
    assert container(live)["image"] == "gcr.io/my-project/hello:1.1"
    env = env_of(live)
    assert env["FEATURE_FLAG"] == "on" and env["VERSION"] == "1.1"
    assert "PYM_JWT_SECRET" not in env  # managed by the last deploy, no longer in env_secrets
    assert live["labels"]["team"] == "core" and live["labels"]["pymacaron-version"] == "1-1"
    assert [m for m, path, *_ in google_cloud.log.entries if "/services/hello-" in path and m == "PATCH"] == \
        ["PATCH", "PATCH"]


def test_operations_are_polled_with_progress(google_cloud, service_folder):
    google_cloud.polls = 4
    _, ctx = deploy(google_cloud, service_folder)
    assert google_cloud.operation_gets == 2 * 5  # 4 polls not done, then done, for each service
    out = ctx.output.getvalue()
    assert out.count("... hello-staging: reconciling") == 4
    assert "hello-staging serves revision hello-staging-00001-abc" in out


def test_failing_staging_acceptance_stops_before_live(google_cloud, service_folder):
    google_cloud.broken.add("hello-staging")
    with pytest.raises(DeployError, match="acceptance tests failed against hello-staging .*hello-live was not "
                                          "touched"):
        deploy(google_cloud, service_folder)
    assert google_cloud.service(PROJECT, REGION, "hello-staging") is not None
    assert google_cloud.service(PROJECT, REGION, "hello-live") is None


def test_no_test_skips_acceptance(google_cloud, service_folder):
    google_cloud.broken.add("hello-staging")
    result, _ = deploy(google_cloud, service_folder, run_tests=False)
    assert result.live_url


def test_failed_operation_is_a_clear_error(google_cloud, service_folder):
    google_cloud.operation_error["hello-staging"] = "Revision 'hello-staging-00001' is not ready: the container " \
                                                    "failed to listen on PORT=8080"
    with pytest.raises(DeployError) as e:
        deploy(google_cloud, service_folder)
    assert "waiting for hello-staging failed" in str(e.value) and "failed to listen on PORT=8080" in str(e.value)
    assert google_cloud.service(PROJECT, REGION, "hello-live") is None


@pytest.mark.parametrize("fail, expected", [
    (("POST", "/services"), (403, "PERMISSION_DENIED", "Permission 'run.services.create' denied")),
    (("POST", "/services"), (404, "NOT_FOUND", "Project 'my-project' not found")),
    (("POST", "/services"), (409, "ALREADY_EXISTS", "Resource 'hello-staging' already exists.")),
    (("POST", ":addVersion"), (403, "PERMISSION_DENIED", "Secret Manager API has not been used in project")),
])
def test_api_errors_are_clear_messages(google_cloud, service_folder, fail, expected):
    google_cloud.fail[fail] = expected
    with pytest.raises(DeployError) as e:
        deploy(google_cloud, service_folder)
    message = str(e.value)
    code, status, text = expected
    assert f"failed: {code}" in message and text in message
    assert "Traceback" not in message
    if code == 403:
        assert "roles/run.admin" in message  # the hint says what to grant
    if fail[1] == "/services":
        assert "creating the Cloud Run service hello-staging" in message


def test_unreachable_api_is_a_clear_error(service_folder):
    import socket

    from google.auth.credentials import AnonymousCredentials

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = write_service(service_folder, env_secrets=[], jwt_secret=None)
    target = CloudRunTarget(credentials=AnonymousCredentials(), run_endpoint=url, poll_interval=0.01)
    with pytest.raises(DeployError, match="deploy hello-staging failed: ConnectionError"):
        deploy(None, service_folder, config=config, secrets={}, target=target)


def test_operation_timeout(google_cloud, service_folder):
    google_cloud.polls = 10_000
    with pytest.raises(DeployError, match=r"hello-staging did not finish within 0s .*gcp_deploy_timeout"):
        deploy(google_cloud, service_folder, target=make_target(google_cloud, timeout=0.05))


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__}")


def test_no_secret_value_in_cloud_run_requests_output_or_logs(google_cloud, service_folder, monkeypatch):
    monkeypatch.setenv("GOOGLE_SDK_PYTHON_LOGGING_SCOPE", "google")  # the SDKs' own payload logging, on
    encoded = base64.b64encode(SECRET.encode()).decode()
    capture, google_logger = _Capture(), logging.getLogger("google")
    monkeypatch.setattr(google_logger, "level", logging.DEBUG)
    for logger in (logging.getLogger(), google_logger):
        logger.addHandler(capture)
        monkeypatch.setattr(logger, "handlers", logger.handlers)  # removed again after the test
    try:
        # control: outside a deploy, the SDK itself logs a secret payload at DEBUG
        make_target(google_cloud).secrets_client().create_secret(
            parent=f"projects/{PROJECT}", secret_id="control", secret={"replication": {"automatic": {}}})
        make_target(google_cloud).secrets_client().add_secret_version(
            parent=f"projects/{PROJECT}/secrets/control", payload={"data": SECRET.encode()})
        assert any(encoded in line for line in capture.lines)
        capture.lines.clear()

        _, ctx = deploy(google_cloud, service_folder)
    finally:
        for logger in (logging.getLogger(), google_logger):
            logger.removeHandler(capture)
    run_requests = "\n".join(" ".join(e) for e in google_cloud.log.entries if e[1].startswith("/v2/"))
    assert SECRET not in run_requests and encoded not in run_requests
    assert SECRET_NAME in run_requests  # a reference instead
    # in the deploy, the value went to Secret Manager's addVersion, and nowhere else
    carriers = [e[1] for e in google_cloud.log.entries if SECRET in e[3] or encoded in e[3]]
    assert carriers == [f"/v1/projects/{PROJECT}/secrets/control:addVersion", f"/v1/{SECRET_NAME}:addVersion"]
    assert SECRET not in ctx.output.getvalue() and encoded not in ctx.output.getvalue()
    assert not [line for line in capture.lines if SECRET in line or encoded in line]


def test_error_messages_never_show_a_secret_value(google_cloud, service_folder):
    google_cloud.fail[("POST", ":addVersion")] = (400, "INVALID_ARGUMENT", f"payload {SECRET!r} is too weak")
    with pytest.raises(DeployError) as e:
        deploy(google_cloud, service_folder)
    assert SECRET not in str(e.value) and "****" in str(e.value)


def test_service_urls(google_cloud, service_folder):
    config = write_service(service_folder)
    target = make_target(google_cloud)
    with pytest.raises(DeployError, match="hello-live does not exist in projects/my-project/locations/europe-west1: "
                                          "deploy first"):
        target.service_url(config, "live")
    result, _ = deploy(google_cloud, service_folder, config=config)
    assert target.service_url(config, "live") == result.live_url
    assert target.service_url(config, "staging") == result.staging_url


def test_plan_calls_no_api(google_cloud, service_folder):
    config = write_service(service_folder, docker_repo="europe-west1-docker.pkg.dev/my-project/images")
    ctx = ping_context(service_folder, config, "2.0", secrets={"PYM_JWT_SECRET": SECRET})
    steps = make_target(google_cloud).plan(ctx)
    text = "\n".join(steps)
    assert "europe-west1-docker.pkg.dev/my-project/images/hello:2.0" in text
    assert text.index("hello-staging") < text.index("acceptance tests") < text.index("hello-live")
    assert SECRET not in text and SECRET_NAME in text
    assert google_cloud.log.entries == []


def test_bad_settings_stop_before_any_call(google_cloud, service_folder):
    config = write_service(service_folder, gcp_memory="1GB")
    with pytest.raises(DeployError, match="'gcp_memory': '1GB' is not a quantity .*512Mi"):
        deploy(google_cloud, service_folder, config=config)
    assert google_cloud.log.entries == []

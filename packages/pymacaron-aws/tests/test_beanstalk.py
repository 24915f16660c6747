"""Blue/green deploys of the helloworld example on moto + the EB stand-in (pymacaron_aws.beanstalk)."""

import io
import json
import logging
import zipfile

import pytest
from beanstalk_testing import BUCKET, CERT_ARN, SECRETS, helloworld_config, make_context

from pymacaron.deploy.targets import DeployError, load_target
from pymacaron_aws.beanstalk import BeanstalkTarget

V1, V2, V3 = "200415-0819-953-b3548e", "200416-1002-960-c0ffee", "200417-1200-971-d00d00"


@pytest.fixture
def deploy(aws, tmp_path, monkeypatch):
    """deploy(version, verdict=True, **config) -> (ctx, result or the DeployError)."""
    aws.s3.create_bucket(Bucket=BUCKET)

    def run(version, verdict=True, target=None, **extra):
        config = helloworld_config(tmp_path, monkeypatch, **extra)
        ctx = make_context(config, version, standin=aws.standin, verdict=verdict)
        target = target or BeanstalkTarget(session=aws.session, poll_interval=0, timeout=30)
        try:
            return ctx, target.deploy(ctx)
        except DeployError as e:
            return ctx, e
    return run


def env_of(aws, version):
    return aws.standin.envs[f"helloworld-{version}"]


def test_the_entry_point_gives_the_target():
    assert isinstance(load_target("aws-beanstalk"), BeanstalkTarget)


def test_first_deploy_takes_the_live_cname_directly(aws, deploy):
    ctx, result = deploy(V1)
    assert not isinstance(result, Exception), ctx.output.getvalue()
    env = env_of(aws, V1)
    assert env.cname == "helloworld.us-east-1.elasticbeanstalk.com"
    assert (env.status, env.health, env.version) == ("Ready", "Green", V1)
    assert ctx.acceptance_calls == [{"url": "http://helloworld.us-east-1.elasticbeanstalk.com:80",
                                     "live": f"helloworld-{V1}"}]
    assert "SwapEnvironmentCNAMEs" not in aws.standin.answered
    assert result.live_url == "https://helloworld.example.com"  # live_url of the example's config
    assert result.details["environment"] == f"helloworld-{V1}"
    assert aws.standin.versions[("helloworld", V1)]["SourceBundle"] == {
        "S3Bucket": BUCKET, "S3Key": f"pymacaron/helloworld/{V1}.zip"}


def test_blue_green_swap_after_the_acceptance_tests(aws, deploy):
    deploy(V1)
    ctx, result = deploy(V2)
    assert not isinstance(result, Exception), ctx.output.getvalue()
    new, old = env_of(aws, V2), env_of(aws, V1)
    # the acceptance tests ran against the new environment's own CNAME, while V1 was still live
    assert ctx.acceptance_calls == [{"url": f"http://helloworld-{V2}.us-east-1.elasticbeanstalk.com:80",
                                     "live": f"helloworld-{V1}"}]
    assert new.cname == "helloworld.us-east-1.elasticbeanstalk.com"
    assert old.cname == f"helloworld-{V2}.us-east-1.elasticbeanstalk.com"
    assert old.status == "Ready"  # kept for a rollback (aws_keep_environments: 1)
    assert result.details["previous"] == f"helloworld-{V1}"
    out = ctx.output.getvalue()
    assert out.index("==> acceptance tests") < out.index("==> swap CNAMEs") < out.index("==> clean old")
    assert f"kept for rollback: helloworld-{V1}" in out

    ctx, result = deploy(V3)
    assert env_of(aws, V3).cname == "helloworld.us-east-1.elasticbeanstalk.com"
    assert env_of(aws, V2).status == "Ready"
    assert env_of(aws, V1).status in ("Terminating", "Terminated")
    assert f"terminating helloworld-{V1}" in ctx.output.getvalue()


def test_waits_show_progress_and_events(aws, deploy):
    aws.standin.launch_polls = 3
    ctx, result = deploy(V1)
    out = ctx.output.getvalue()
    launching = [line for line in out.splitlines() if f"launch: helloworld-{V1} is Launching, health Grey" in line]
    assert len(launching) == 3
    assert f"launch: helloworld-{V1} is Ready, health Green" in out
    assert f"event INFO: createEnvironment is starting for helloworld-{V1}." in out
    assert f"event INFO: Successfully launched environment: helloworld-{V1}" in out


def test_a_failing_acceptance_test_stops_before_the_swap(aws, deploy):
    deploy(V1)
    ctx, error = deploy(V2, verdict=False)
    assert isinstance(error, DeployError)
    assert "acceptance tests failed" in str(error) and "live environment is untouched" in str(error)
    assert f"helloworld-{V1}" in str(error)
    assert aws.standin.answered.count("SwapEnvironmentCNAMEs") == 0
    assert aws.standin.live_holder("helloworld") == f"helloworld-{V1}"
    assert env_of(aws, V2).status == "Ready"  # left for inspection
    assert env_of(aws, V1).status == "Ready"
    out = ctx.output.getvalue()
    assert "==> swap" not in out and "==> clean" not in out
    assert "!!! the acceptance tests failed" in out


def test_an_unhealthy_environment_stops_before_the_acceptance_tests(aws, deploy):
    deploy(V1)
    aws.standin.red.add(f"helloworld-{V2}")
    ctx, error = deploy(V2)
    assert isinstance(error, DeployError)
    assert "health is Red" in str(error) and "/ping" in str(error)
    assert "Severe" in str(error)  # the last EB events are quoted
    assert ctx.acceptance_calls == []
    assert aws.standin.live_holder("helloworld") == f"helloworld-{V1}"


def test_every_wait_is_bounded(aws, deploy):
    aws.standin.launch_polls = 10_000
    target = BeanstalkTarget(session=aws.session, poll_interval=0.01, timeout=0.2)
    ctx, error = deploy(V1, target=target)
    assert isinstance(error, DeployError)
    assert f"launch: helloworld-{V1} still Launching/Grey after 0s (aws_deploy_timeout)" in str(error)


def test_https_listener_and_port_443_with_a_certificate(aws, deploy):
    ctx, result = deploy(V1, aws_cert_arn=CERT_ARN)
    options = {(o["Namespace"], o["OptionName"]): o["Value"] for o in env_of(aws, V1).options}
    assert options[("aws:elbv2:listener:443", "Protocol")] == "HTTPS"
    assert options[("aws:elbv2:listener:443", "SSLCertificateArns")] == CERT_ARN
    assert options[("aws:elbv2:listener:443", "ListenerEnabled")] == "true"
    assert ctx.acceptance_calls[0]["url"] == "https://helloworld.us-east-1.elasticbeanstalk.com:443"


def test_no_https_listener_without_a_certificate(aws, deploy):
    deploy(V1)
    namespaces = {o["Namespace"] for o in env_of(aws, V1).options}
    assert "aws:elbv2:listener:443" not in namespaces
    options = {(o["Namespace"], o["OptionName"]): o["Value"] for o in env_of(aws, V1).options}
    assert options[("aws:autoscaling:asg", "MinSize")] == "1"
    assert options[("aws:autoscaling:asg", "MaxSize")] == "4"
    assert options[("aws:elasticbeanstalk:application", "Application Healthcheck URL")] == "/ping"
    assert options[("aws:elasticbeanstalk:environment:process:default", "HealthCheckPath")] == "/ping"
    assert options[("aws:elasticbeanstalk:command", "DeploymentPolicy")] == "Rolling"
    assert options[("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs")] == "true"
    assert options[("aws:autoscaling:launchconfiguration", "InstanceType")] == "t3.small"
    assert options[("aws:autoscaling:launchconfiguration", "EC2KeyName")] == "aws-eb"
    assert env_of(aws, V1).stack == "64bit Amazon Linux 2023 v4.6.0 running Docker"  # newest Docker platform


def test_secrets_travel_only_as_environment_properties(aws, deploy, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    aws.s3.put_object(Bucket=BUCKET, Key="docker/dockercfg", Body=b"{}")
    deploy(V1)
    ctx, result = deploy(V2, aws_cert_arn=CERT_ARN)
    assert not isinstance(result, Exception)
    env = env_of(aws, V2)
    props = {o["OptionName"]: o["Value"] for o in env.options
             if o["Namespace"] == "aws:elasticbeanstalk:application:environment"}
    assert props == {"PORT": "8080", "PYM_ENV": "live", **SECRETS}  # they do reach the environment...
    bundle = aws.s3.get_object(Bucket=BUCKET, Key=f"pymacaron/helloworld/{V2}.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        files = {name: zf.read(name).decode() for name in zf.namelist()}
    assert list(files) == ["Dockerrun.aws.json"]
    captured = capsys.readouterr()
    for name, value in SECRETS.items():
        # ...through the CreateEnvironment call only (its parameters and its wire body)
        assert aws.requests.operations_containing(value) == ["elastic-beanstalk.CreateEnvironment"], name
        assert value not in files["Dockerrun.aws.json"]
        assert value not in ctx.output.getvalue()
        assert value not in caplog.text
        assert value not in captured.out + captured.err
    assert "option aws:elasticbeanstalk:application:environment: PYM_JWT_SECRET = ****" in ctx.output.getvalue()
    assert caplog.records  # the logs were captured (moto's request lines at least)


def test_the_bundle_is_a_dockerrun_v1(aws, deploy):
    deploy(V1)
    bundle = aws.s3.get_object(Bucket=BUCKET, Key=f"pymacaron/helloworld/{V1}.zip")["Body"].read()
    doc = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("Dockerrun.aws.json"))
    assert doc == {"AWSEBDockerrunVersion": "1", "Image": {"Name": f"pymacaron/helloworld:{V1}", "Update": "true"},
                   "Ports": [{"ContainerPort": "8080"}], "Logging": "/var/log/pymacaron"}


def test_registry_credentials_from_the_bucket(aws, deploy):
    aws.s3.put_object(Bucket=BUCKET, Key="docker/dockercfg", Body=b"{}")
    ctx, _ = deploy(V1)
    bundle = aws.s3.get_object(Bucket=BUCKET, Key=f"pymacaron/helloworld/{V1}.zip")["Body"].read()
    doc = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("Dockerrun.aws.json"))
    assert doc["Authentication"] == {"Bucket": BUCKET, "Key": "docker/dockercfg"}
    assert "registry credentials from docker/dockercfg" in ctx.output.getvalue()


def test_an_existing_environment_is_not_redeployed(aws, deploy):
    deploy(V1)
    ctx, error = deploy(V1)
    assert isinstance(error, DeployError)
    assert f"the environment helloworld-{V1} already exists" in str(error)


def test_a_missing_bucket_is_named(aws, deploy):
    ctx, error = deploy(V1, docker_bucket="no-such-bucket")
    assert isinstance(error, DeployError)
    assert "the S3 bucket 'no-such-bucket' (docker_bucket) does not exist" in str(error)
    assert aws.standin.envs == {}


def test_a_taken_live_prefix_says_how_to_fix_it(aws, deploy):
    aws.eb.create_application(ApplicationName="someone-else")
    aws.session.client("elasticbeanstalk").create_environment(
        ApplicationName="someone-else", EnvironmentName="someone-else-env", CNAMEPrefix="helloworld",
        SolutionStackName="64bit Amazon Linux 2 v4.2.0 running Docker")
    ctx, error = deploy(V1)
    assert isinstance(error, DeployError)
    assert "the CNAME prefix 'helloworld' is taken" in str(error) and "aws_cname_prefix" in str(error)
    ctx, result = deploy(V1, aws_cname_prefix="helloworld-api")
    assert env_of(aws, V1).cname == "helloworld-api.us-east-1.elasticbeanstalk.com"


def test_no_test_runs_the_pipelines_acceptance_step_as_skipped(aws, tmp_path, monkeypatch):
    from pymacaron.deploy.targets import DeployContext, Progress

    aws.s3.create_bucket(Bucket=BUCKET)
    config = helloworld_config(tmp_path, monkeypatch)
    out = io.StringIO()
    ctx = DeployContext(folder=str(tmp_path), config=config, version=V1, image=f"pymacaron/helloworld:{V1}",
                        run_tests=False, progress=Progress(stream=out), secrets=dict(SECRETS))
    result = BeanstalkTarget(session=aws.session, poll_interval=0, timeout=30).deploy(ctx)
    assert result.details["environment"] == f"helloworld-{V1}"
    assert "acceptance tests against http://helloworld.us-east-1.elasticbeanstalk.com:80 skipped (--no-test)" \
        in out.getvalue()


def test_an_empty_secret_is_refused_before_any_call(aws, tmp_path, monkeypatch):
    aws.s3.create_bucket(Bucket=BUCKET)
    config = helloworld_config(tmp_path, monkeypatch)
    ctx = make_context(config, V1, standin=aws.standin)
    ctx.secrets["HW_PARTNER_API_KEY"] = ""
    with pytest.raises(DeployError, match=r"the env secret \$HW_PARTNER_API_KEY is empty"):
        BeanstalkTarget(session=aws.session, poll_interval=0).deploy(ctx)
    assert aws.requests.records == []


def test_plan_lists_the_steps_without_calling_aws(aws, tmp_path, monkeypatch):
    config = helloworld_config(tmp_path, monkeypatch, aws_cert_arn=CERT_ARN)
    ctx = make_context(config, V1, standin=aws.standin)
    steps = BeanstalkTarget(session=aws.session).plan(ctx)
    text = "\n".join(steps)
    assert aws.requests.records == []
    assert f"s3://{BUCKET}/pymacaron/helloworld/{V1}.zip" in text
    assert f"helloworld-{V1}" in text and "HTTPS listener on 443" in text and "port 443" in text
    assert "PYM_JWT_SECRET" in text and "HW_PARTNER_API_KEY" in text
    assert all(value not in text for value in SECRETS.values())


def test_a_missing_config_key_is_named(aws, tmp_path, monkeypatch):
    config = helloworld_config(tmp_path, monkeypatch)
    del config.docker_bucket
    ctx = make_context(config, V1, standin=aws.standin)
    with pytest.raises(DeployError, match=r"pym-config.yaml has no 'docker_bucket' key.*docker_bucket: "):
        BeanstalkTarget(session=aws.session).plan(ctx)

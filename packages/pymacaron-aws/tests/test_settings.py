"""Reading and checking the Elastic Beanstalk keys of pym-config (pymacaron_aws._settings)."""

import pytest

from pymacaron_aws._settings import BeanstalkSettings, SettingsError, environment_name, live_prefix

BASE = {"name": "helloworld", "docker_repo": "pymacaron", "docker_bucket": "hw-deploys", "aws_keypair": "aws-eb",
        "aws_instance_type": "t3.small", "config_path": "/srv/hw/pym-config.yaml"}


def settings(**changes):
    data = {**BASE, **changes}
    return BeanstalkSettings.from_config({k: v for k, v in data.items() if v is not None})


def test_defaults():
    s = settings()
    assert (s.app, s.bucket, s.hosts_min, s.hosts_max, s.live_prefix) == ("helloworld", "hw-deploys", 1, 4,
                                                                           "helloworld")
    assert (s.https, s.test_port, s.timeout_s, s.keep_environments, s.container_port) == (False, 80, 1200, 1, 8080)
    assert s.image("v1") == "pymacaron/helloworld:v1"
    assert s.bundle_key("200415-0819-953-b3548e") == "pymacaron/helloworld/200415-0819-953-b3548e.zip"
    assert s.bundle_key("feature/x y") == "pymacaron/helloworld/feature-x-y.zip"


def test_a_certificate_means_https_on_443():
    s = settings(aws_cert_arn="arn:aws:acm:us-east-1:1:certificate/x")
    assert (s.https, s.test_port) == (True, 443)


@pytest.mark.parametrize("key", ["name", "docker_bucket", "aws_keypair", "aws_instance_type", "docker_repo"])
def test_a_missing_key_is_named_with_an_example(key):
    with pytest.raises(SettingsError, match=rf"/srv/hw/pym-config.yaml has no '{key}' key, needed to deploy on "
                                            rf"Elastic Beanstalk: add e.g. '{key}: "):
        settings(**{key: None})


def test_the_image_may_come_from_the_pipeline():
    data = {k: v for k, v in BASE.items() if k != "docker_repo"}
    assert BeanstalkSettings.from_config(data, need_image=False).docker_repo is None


@pytest.mark.parametrize("changes, message", [
    ({"aws_hosts_min": 5}, r"aws_hosts_min \(5\) is above aws_hosts_max \(4\)"),
    ({"aws_hosts_max": "many"}, r"'aws_hosts_max' must be a whole number, got 'many'"),
    ({"aws_hosts_min": 0}, r"'aws_hosts_min' must be at least 1, got 0"),
    ({"aws_hosts_min": True}, r"'aws_hosts_min' must be a whole number"),
    ({"aws_cert_arn": "my-cert"}, r"aws_cert_arn 'my-cert' is not an ARN"),
    ({"name": "hw"}, r"the live CNAME prefix 'hw' \(from name\) is shorter than 4 characters.*aws_cname_prefix"),
    ({"aws_deploy_timeout": 0}, r"'aws_deploy_timeout' must be from 1 to 1440"),
])
def test_bad_values_say_what_to_fix(changes, message):
    with pytest.raises(SettingsError, match=message):
        settings(**changes)


def test_live_prefix():
    assert live_prefix({"name": "Hello_World"}) == "hello-world"
    assert live_prefix({"name": "hw", "aws_cname_prefix": "hw-api"}) == "hw-api"


@pytest.mark.parametrize("name, version, expected", [
    ("helloworld", "200415-0819-953-b3548e", "helloworld-200415-0819-953-b3548e"),
    ("helloworld", "v1.2.3+build", "helloworld-v1-2-3-build"),
    ("a-very-long-service-name-indeed", "200415-0819-953-b3548e", "a-very-long-servi-200415-0819-953-b3548e"),
    ("x", "1", "x-1-env"),
])
def test_environment_names_are_valid_for_eb(name, version, expected):
    env = environment_name(name, version)
    assert env == expected
    assert 4 <= len(env) <= 40 and not env.startswith("-") and not env.endswith("-")


def test_a_version_without_letters_or_digits():
    with pytest.raises(SettingsError, match="version '---' has no letter or digit"):
        environment_name("helloworld", "---")

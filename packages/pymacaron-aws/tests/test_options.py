"""The .ebextensions equivalents as option settings (pymacaron_aws._options)."""

import pytest

from pymacaron_aws._options import describe, environment_properties, option_settings, platform_options
from pymacaron_aws._settings import BeanstalkSettings

CONFIG = {"name": "helloworld", "docker_repo": "pymacaron", "docker_bucket": "b", "aws_keypair": "kp",
          "aws_instance_type": "t3.small", "aws_hosts_min": 2, "aws_hosts_max": 6}


def as_map(options):
    return {(o["Namespace"], o["OptionName"]): o["Value"] for o in options}


def test_platform_options():
    opts = as_map(platform_options(BeanstalkSettings.from_config(CONFIG)))
    assert opts[("aws:autoscaling:asg", "MinSize")] == "2" and opts[("aws:autoscaling:asg", "MaxSize")] == "6"
    assert opts[("aws:elasticbeanstalk:command", "BatchSize")] == "25"
    assert opts[("aws:elasticbeanstalk:cloudwatch:logs", "RetentionInDays")] == "30"
    assert opts[("aws:elasticbeanstalk:cloudwatch:logs:health", "HealthStreamingEnabled")] == "true"
    assert not any(ns.startswith("aws:elasticbeanstalk:sns") for ns, _ in opts)  # no hard-coded e-mail (K15)
    assert all(isinstance(v, str) for v in opts.values())


def test_optional_notifications_and_service_role():
    s = BeanstalkSettings.from_config({**CONFIG, "aws_notification_email": "ops@example.com",
                                       "aws_service_role": "eb-service"})
    opts = as_map(platform_options(s))
    assert opts[("aws:elasticbeanstalk:sns:topics", "Notification Endpoint")] == "ops@example.com"
    assert opts[("aws:elasticbeanstalk:environment", "ServiceRole")] == "eb-service"


def test_environment_properties_carry_the_secrets():
    s = BeanstalkSettings.from_config(CONFIG)
    props = as_map(environment_properties(s, "live", {"PYM_JWT_SECRET": "s3cr3t=="}))
    assert props == {("aws:elasticbeanstalk:application:environment", "PORT"): "8080",
                     ("aws:elasticbeanstalk:application:environment", "PYM_ENV"): "live",
                     ("aws:elasticbeanstalk:application:environment", "PYM_JWT_SECRET"): "s3cr3t=="}


@pytest.mark.parametrize("secrets, message", [
    ({"PYM_JWT_SECRET": ""}, r"the env secret \$PYM_JWT_SECRET is empty"),
    ({"PORT": "1"}, "env_secrets lists PORT, which pymacaron sets itself"),
])
def test_bad_secrets(secrets, message):
    with pytest.raises(ValueError, match=message):
        environment_properties(BeanstalkSettings.from_config(CONFIG), "live", secrets)


def test_describe_masks_the_secrets():
    options = option_settings(BeanstalkSettings.from_config(CONFIG), "live", {"PYM_JWT_SECRET": "s3cr3t"})
    lines = describe(options, ["PYM_JWT_SECRET"])
    assert "aws:elasticbeanstalk:application:environment: PYM_JWT_SECRET = ****" in lines
    assert "aws:elasticbeanstalk:application:environment: PYM_ENV = live" in lines
    assert not any("s3cr3t" in line for line in lines)

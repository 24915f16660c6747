"""The Elastic Beanstalk settings of a service, read and checked from pym-config.

Keys (SPEC W5 and 13.1), required ones first::

    name                    the EB application; environments are <name>-<version>
    docker_repo             image <docker_repo>/<name>:<version> (unless the pipeline gives the image)
    docker_bucket           S3 bucket receiving the application-version bundles
    aws_instance_type       EC2 instance type, e.g. t3.small
    aws_keypair             EC2 key pair name (ssh access to the instances)
    aws_cert_arn            optional: ACM certificate -> HTTPS listener on 443 (acceptance tests on 443)
    aws_hosts_min/max       auto-scaling group size (default 1 / 4)
    aws_cname_prefix        optional: the live CNAME prefix (default: name)
    aws_instance_profile    optional: EC2 instance profile (default aws-elasticbeanstalk-ec2-role)
    aws_service_role        optional: EB service role
    aws_solution_stack      optional: the platform (default: the newest "running Docker" stack)
    aws_notification_email  optional: SNS e-mail for environment events
    aws_deploy_timeout      optional: minutes to wait for an environment (default 20)
    aws_keep_environments   optional: swapped-out environments kept after a deploy (default 1, for rollback)
    aws_container_port      optional: the port the container listens on, passed as $PORT (default 8080)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pymacaron_aws._session import config_value

ENV_NAME_MAX = 40  # Elastic Beanstalk: 4 to 40 letters, digits and hyphens
CNAME_PREFIX_MAX = 63
DEFAULT_INSTANCE_PROFILE = "aws-elasticbeanstalk-ec2-role"


class SettingsError(Exception):
    """A pym-config key needed to deploy on Elastic Beanstalk is missing or wrong (the message names it)."""


def _where(config):
    if isinstance(config, dict):
        return config.get("config_path") or "pym-config.yaml"
    return getattr(config, "config_path", None) or "pym-config.yaml"


def _required(config, key, example):
    value = config_value(config, key)
    if value is None or not str(value).strip():
        raise SettingsError(f"{_where(config)} has no '{key}' key, needed to deploy on Elastic Beanstalk: "
                            f"add e.g. '{key}: {example}'")
    return str(value).strip()


def _int(config, key, default, low=1, high=None):
    value = config_value(config, key, default)
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise SettingsError(f"{_where(config)}: '{key}' must be a whole number, got {value!r}")
    value = int(str(value).strip())
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise SettingsError(f"{_where(config)}: '{key}' must be {bounds}, got {value}")
    return value


def dns_label(text, max_len):
    """``text`` as a lowercase DNS label: letters, digits and single hyphens, no hyphen at the ends."""
    label = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return label[:max_len].rstrip("-")


def environment_name(name, version):
    """The environment of ``version``: ``<name>-<version>``, made valid for EB (4-40 chars).

    The version part is kept whole when possible (it tells environments apart); the name is cut.
    """
    ver = dns_label(version, ENV_NAME_MAX - 5)
    if not ver:
        raise SettingsError(f"version {version!r} has no letter or digit: use a version tag such as "
                            "'pymacaron version' prints")
    head = dns_label(name, ENV_NAME_MAX - len(ver) - 1) or "pym"
    env = f"{head}-{ver}"
    return env if len(env) >= 4 else f"{env}-env"


def live_prefix(config):
    """The live CNAME prefix: ``aws_cname_prefix``, else ``name``, as a DNS label of 4-63 characters."""
    source = "aws_cname_prefix" if config_value(config, "aws_cname_prefix") else "name"
    prefix = dns_label(config_value(config, source) or _required(config, "name", "myservice"), CNAME_PREFIX_MAX)
    if len(prefix) < 4:
        raise SettingsError(f"{_where(config)}: the live CNAME prefix {prefix!r} (from {source}) is shorter than "
                            "4 characters, Elastic Beanstalk's minimum: set 'aws_cname_prefix: <name>-api' "
                            "(4-63 letters, digits, hyphens)")
    return prefix


@dataclass
class BeanstalkSettings:
    app: str
    docker_repo: str | None
    bucket: str
    instance_type: str
    keypair: str
    cert_arn: str | None = None
    hosts_min: int = 1
    hosts_max: int = 4
    live_prefix: str = ""
    instance_profile: str = DEFAULT_INSTANCE_PROFILE
    service_role: str | None = None
    solution_stack: str | None = None
    notification_email: str | None = None
    timeout_s: int = 20 * 60
    keep_environments: int = 1
    container_port: int = 8080
    live_url: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, config, need_image=True):
        """Read and check the settings; SettingsError names the first bad key and the fix."""
        name = _required(config, "name", "myservice")
        docker_repo = config_value(config, "docker_repo")
        if need_image and not docker_repo:
            _required(config, "docker_repo", "mydockerhuborg")
        hosts_min = _int(config, "aws_hosts_min", 1)
        hosts_max = _int(config, "aws_hosts_max", 4)
        if hosts_min > hosts_max:
            raise SettingsError(f"{_where(config)}: aws_hosts_min ({hosts_min}) is above aws_hosts_max "
                                f"({hosts_max}): lower aws_hosts_min or raise aws_hosts_max")
        prefix = live_prefix(config)
        cert = config_value(config, "aws_cert_arn")
        if cert is not None and not str(cert).startswith("arn:"):
            raise SettingsError(f"{_where(config)}: aws_cert_arn {cert!r} is not an ARN (arn:aws:acm:...): "
                                "set the ARN of the ACM certificate, or remove the key to serve plain HTTP")
        return cls(
            app=name,
            docker_repo=str(docker_repo).rstrip("/") if docker_repo else None,
            bucket=_required(config, "docker_bucket", "my-deploy-bucket"),
            instance_type=_required(config, "aws_instance_type", "t3.small"),
            keypair=_required(config, "aws_keypair", "aws-eb"),
            cert_arn=str(cert) if cert else None,
            hosts_min=hosts_min,
            hosts_max=hosts_max,
            live_prefix=prefix,
            instance_profile=str(config_value(config, "aws_instance_profile", DEFAULT_INSTANCE_PROFILE)),
            service_role=config_value(config, "aws_service_role"),
            solution_stack=config_value(config, "aws_solution_stack"),
            notification_email=config_value(config, "aws_notification_email"),
            timeout_s=_int(config, "aws_deploy_timeout", 20, high=24 * 60) * 60,
            keep_environments=_int(config, "aws_keep_environments", 1, low=0),
            container_port=_int(config, "aws_container_port", 8080, high=65535),
            live_url=config_value(config, "live_url"),
        )

    @property
    def https(self):
        return bool(self.cert_arn)

    @property
    def test_port(self):
        """The port acceptance tests use against an environment: 443 with a certificate, else 80."""
        return 443 if self.https else 80

    def image(self, version):
        return f"{self.docker_repo}/{self.app}:{version}"

    def bundle_key(self, version):
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", str(version)).strip("-.") or "version"
        return f"pymacaron/{self.app}/{safe}.zip"

    def environment(self, version):
        return environment_name(self.app, version)

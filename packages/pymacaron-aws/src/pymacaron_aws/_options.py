"""Environment option settings: the original ``.ebextensions`` files, passed through the API.

| original file              | here                                                             |
|----------------------------|------------------------------------------------------------------|
| autoscaling.config         | aws:autoscaling:asg MinSize / MaxSize                            |
| healthcheckurl.config      | /ping: aws:elasticbeanstalk:application + the ALB process        |
| rolling-updates.config     | aws:elasticbeanstalk:command Rolling, 25 %                       |
| logs.config                | aws:elasticbeanstalk:cloudwatch:logs (+ :health), 30 days        |
| notifications.config       | aws:elasticbeanstalk:sns:topics, only with aws_notification_email|
| aws-secrets.config         | aws:elasticbeanstalk:application:environment (environment props) |
| elb-https.json (update)    | aws:elbv2:listener:443 HTTPS with aws_cert_arn                   |

Environment properties (``env_secrets`` values, ``PORT``, ``PYM_ENV``) exist only in the
CreateEnvironment call; :func:`describe` shows them masked.
"""

from __future__ import annotations

ENV_NAMESPACE = "aws:elasticbeanstalk:application:environment"
HEALTH_PATH = "/ping"
LOG_RETENTION_DAYS = "30"
MASK = "****"


def _opt(namespace, name, value):
    return {"Namespace": namespace, "OptionName": name, "Value": str(value)}


def platform_options(settings):
    """Everything but the environment properties."""
    s = settings
    opts = [
        _opt("aws:autoscaling:asg", "MinSize", s.hosts_min),
        _opt("aws:autoscaling:asg", "MaxSize", s.hosts_max),
        _opt("aws:autoscaling:launchconfiguration", "InstanceType", s.instance_type),
        _opt("aws:autoscaling:launchconfiguration", "EC2KeyName", s.keypair),
        _opt("aws:autoscaling:launchconfiguration", "IamInstanceProfile", s.instance_profile),
        _opt("aws:elasticbeanstalk:environment", "EnvironmentType", "LoadBalanced"),
        _opt("aws:elasticbeanstalk:environment", "LoadBalancerType", "application"),
        _opt("aws:elasticbeanstalk:application", "Application Healthcheck URL", HEALTH_PATH),
        _opt("aws:elasticbeanstalk:environment:process:default", "HealthCheckPath", HEALTH_PATH),
        _opt("aws:elasticbeanstalk:environment:process:default", "Port", "80"),
        _opt("aws:elasticbeanstalk:environment:process:default", "Protocol", "HTTP"),
        _opt("aws:elasticbeanstalk:healthreporting:system", "SystemType", "enhanced"),
        _opt("aws:elasticbeanstalk:command", "DeploymentPolicy", "Rolling"),
        _opt("aws:elasticbeanstalk:command", "BatchSizeType", "Percentage"),
        _opt("aws:elasticbeanstalk:command", "BatchSize", "25"),
        _opt("aws:elasticbeanstalk:cloudwatch:logs", "StreamLogs", "true"),
        _opt("aws:elasticbeanstalk:cloudwatch:logs", "DeleteOnTerminate", "true"),
        _opt("aws:elasticbeanstalk:cloudwatch:logs", "RetentionInDays", LOG_RETENTION_DAYS),
        _opt("aws:elasticbeanstalk:cloudwatch:logs:health", "HealthStreamingEnabled", "true"),
        _opt("aws:elasticbeanstalk:cloudwatch:logs:health", "DeleteOnTerminate", "true"),
        _opt("aws:elasticbeanstalk:cloudwatch:logs:health", "RetentionInDays", LOG_RETENTION_DAYS),
    ]
    if s.service_role:
        opts.append(_opt("aws:elasticbeanstalk:environment", "ServiceRole", s.service_role))
    if s.notification_email:
        opts.append(_opt("aws:elasticbeanstalk:sns:topics", "Notification Endpoint", s.notification_email))
        opts.append(_opt("aws:elasticbeanstalk:sns:topics", "Notification Protocol", "email"))
    if s.cert_arn:
        opts += https_listener(s.cert_arn)
    return opts


def https_listener(cert_arn):
    """An HTTPS listener on 443 with the certificate, forwarding to the instances over HTTP (port 80 stays)."""
    ns = "aws:elbv2:listener:443"
    return [
        _opt(ns, "ListenerEnabled", "true"),
        _opt(ns, "Protocol", "HTTPS"),
        _opt(ns, "SSLCertificateArns", cert_arn),
        _opt(ns, "DefaultProcess", "default"),
    ]


def environment_properties(settings, pym_env, secrets):
    """PORT, PYM_ENV and one property per env secret (an empty or non-text value is refused)."""
    props = {"PORT": str(settings.container_port), "PYM_ENV": pym_env}
    for name, value in secrets.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"the env secret ${name} is empty: export it with its value before deploying "
                             "(an empty secret would reach the service as '')")
        if name in props:
            raise ValueError(f"env_secrets lists {name}, which pymacaron sets itself: rename that variable")
        props[name] = value
    return [_opt(ENV_NAMESPACE, k, v) for k, v in props.items()]


def option_settings(settings, pym_env, secrets):
    """The OptionSettings of CreateEnvironment."""
    return platform_options(settings) + environment_properties(settings, pym_env, secrets)


def describe(options, secret_names=()):
    """Printable lines ``namespace: name = value``, environment secrets masked."""
    hidden = set(secret_names)
    lines = []
    for o in options:
        value = MASK if o["Namespace"] == ENV_NAMESPACE and o["OptionName"] in hidden else o["Value"]
        lines.append(f"{o['Namespace']}: {o['OptionName']} = {value}")
    return lines

"""AWS sessions from pym-config: region, credentials, bounded clients, quiet SDK logs, scrubbing.

Region (SPEC B2, without its AttributeError): ``aws_region``, else ``aws_default_region``, else
``$AWS_DEFAULT_REGION`` (or ``$AWS_REGION``), else ``us-east-1``.

Credentials, first that applies: an explicit profile (``--aws-profile``); the profile named by
``aws_user`` when it exists in ``~/.aws``; the config keys ``aws_access_key_id`` +
``aws_secret_access_key`` (usually an ``env_secrets`` variable); else boto3's default chain
(environment, ``$AWS_PROFILE``, instance role). Credential values are never logged or printed.

Endpoints are boto3's own: ``$AWS_ENDPOINT_URL`` or ``$AWS_ENDPOINT_URL_<SERVICE>`` point the
clients at a local stand-in (moto, DynamoDB Local).
"""

from __future__ import annotations

import contextlib
import logging
import os

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
SDK_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")
MASK = "****"


class AwsConfigError(Exception):
    """The AWS settings of pym-config cannot be used; the message says which key and the fix."""


def config_value(config, key, default=None):
    """``key`` of a PyMacaronConfig, a plain mapping, or None (-> default)."""
    if config is None:
        return default
    if isinstance(config, dict):
        value = config.get(key)
    else:
        value = config.get(key, None)
    return default if value is None or value == "" else value


def aws_region(config=None):
    """The region to use (never raises: falls back to us-east-1)."""
    for key in ("aws_region", "aws_default_region"):
        value = config_value(config, key)
        if value:
            return str(value)
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION


def _known_profiles():
    import boto3

    try:
        return set(boto3.session.Session().available_profiles)
    except Exception:  # an unreadable ~/.aws/config: no profile then
        return set()


def make_session(config=None, profile=None):
    """A boto3 Session for ``config`` (see the module docstring for the order)."""
    import boto3

    region = aws_region(config)
    if profile:
        if profile not in _known_profiles():
            raise AwsConfigError(f"AWS profile {profile!r} is not in ~/.aws/config or ~/.aws/credentials: "
                                 "create it (aws configure --profile NAME) or drop --aws-profile")
        return boto3.session.Session(profile_name=profile, region_name=region)
    user = config_value(config, "aws_user")
    if user and user in _known_profiles():
        log.debug("AWS credentials: profile %r (aws_user)", user)
        return boto3.session.Session(profile_name=user, region_name=region)
    key_id = config_value(config, "aws_access_key_id")
    secret = config_value(config, "aws_secret_access_key")
    if bool(key_id) != bool(secret):
        missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
        raise AwsConfigError(f"pym-config sets only one of aws_access_key_id / aws_secret_access_key: add "
                             f"'{missing}' (through env_secrets for the secret key), or remove both to use "
                             "the default AWS credentials")
    if key_id:
        log.debug("AWS credentials: aws_access_key_id from pym-config")
        return boto3.session.Session(aws_access_key_id=str(key_id), aws_secret_access_key=str(secret),
                                     region_name=region)
    log.debug("AWS credentials: the default chain (environment, AWS_PROFILE, instance role)")
    return boto3.session.Session(region_name=region)


def client_config(connect_timeout=10, read_timeout=60, max_attempts=5):
    """Bounded network waits and standard retries for every client we make."""
    from botocore.config import Config

    return Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                  retries={"max_attempts": max_attempts, "mode": "standard"})


@contextlib.contextmanager
def quiet_sdk_logs(level=logging.INFO):
    """Cap the AWS SDK loggers at ``level`` for the duration (their DEBUG lines dump request params)."""
    loggers = [logging.getLogger(name) for name in SDK_LOGGERS]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        if logger.getEffectiveLevel() < level:
            logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, before, strict=True):
            logger.setLevel(old)


def scrub(text, secrets):
    """``text`` with every secret value replaced by ****."""
    text = str(text)
    for value in sorted((v for v in secrets if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def aws_error(e, secrets=()):
    """A one-line description of a botocore error (code and message, secrets masked)."""
    response = getattr(e, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        text = f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ")
    else:
        text = f"{type(e).__name__}: {e}"
    return scrub(text, secrets)

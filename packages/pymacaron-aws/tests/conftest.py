"""Shared fixtures of pymacaron-aws's tests. Helpers live in ``aws_testing.py`` (this folder is on sys.path)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from aws_testing import FAKE_KEY_ID, FAKE_SECRET, REGION, BeanstalkStandIn, MotoServer, RequestLog  # noqa: E402


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch, tmp_path):
    """No API, no config, no DynamoDB resource, and no real AWS setting from the machine."""
    from pymacaron_core import ApiPool

    from pymacaron.config import reset_config
    from pymacaron_aws.dynamodb import reset_dynamodb

    for var in ("PYM_ENV", "PYM_CONFIG", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    ApiPool.reset()
    reset_config()
    reset_dynamodb()
    yield
    ApiPool.reset()
    reset_config()
    reset_dynamodb()


@pytest.fixture
def local_aws(moto_server, monkeypatch):
    """moto's server, emptied, with boto3 pointed at it (endpoint and fake credentials in the environment)."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return moto_server


_LOADER = []


def new_session():
    """A boto3 Session sharing one botocore data loader (service models are parsed once per test run)."""
    import boto3
    import botocore.loaders
    import botocore.session

    if not _LOADER:
        _LOADER.append(botocore.loaders.create_loader())
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER[0])
    return boto3.session.Session(botocore_session=core, region_name=REGION)


class AwsStack:
    """A boto3 session on moto, with the EB stand-in and the request log installed."""

    def __init__(self):
        self.plain = new_session()
        self.session = new_session()
        self.standin = BeanstalkStandIn(self.plain).install(self.session)
        self.requests = RequestLog()
        self.requests.install(self.session)
        self.s3 = self.plain.client("s3")
        self.eb = self.plain.client("elasticbeanstalk")


@pytest.fixture
def aws(local_aws):
    return AwsStack()

"""Region, credentials, quiet SDK logs and scrubbing (pymacaron_aws._session)."""

import logging

import pytest

from pymacaron_aws._session import AwsConfigError, aws_error, aws_region, make_session, quiet_sdk_logs, scrub


def test_region_order(monkeypatch):
    assert aws_region(None) == "us-east-1"
    assert aws_region({}) == "us-east-1"
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert aws_region({}) == "ap-south-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    assert aws_region({}) == "eu-north-1"
    assert aws_region({"aws_default_region": "eu-west-3"}) == "eu-west-3"
    assert aws_region({"aws_region": "eu-west-1", "aws_default_region": "eu-west-3"}) == "eu-west-1"


def test_credentials_from_the_config():
    session = make_session({"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "shh-" + "x" * 30})
    creds = session.get_credentials()
    assert (creds.access_key, session.region_name) == ("AKIAEXAMPLE", "us-east-1")


def test_half_credentials_are_refused():
    with pytest.raises(AwsConfigError, match="sets only one of aws_access_key_id / aws_secret_access_key: add "
                                             "'aws_secret_access_key'"):
        make_session({"aws_access_key_id": "AKIAEXAMPLE"})


def test_profiles(tmp_path, monkeypatch):
    (tmp_path / "credentials").write_text("[deployer]\naws_access_key_id = AKIADEPLOYER\n"
                                          "aws_secret_access_key = deployer-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    session = make_session({"aws_user": "deployer", "aws_access_key_id": "AKIAOTHER",
                            "aws_secret_access_key": "other"})
    assert session.get_credentials().access_key == "AKIADEPLOYER"  # aws_user's profile first
    assert make_session({"aws_user": "nobody"}).profile_name == "default"  # no such profile: default chain
    with pytest.raises(AwsConfigError, match="AWS profile 'nobody' is not in ~/.aws"):
        make_session({}, profile="nobody")


def test_quiet_sdk_logs_restores_levels():
    botocore = logging.getLogger("botocore")
    botocore.setLevel(logging.DEBUG)
    try:
        with quiet_sdk_logs():
            assert botocore.level == logging.INFO
        assert botocore.level == logging.DEBUG
    finally:
        botocore.setLevel(logging.NOTSET)


def test_scrub_and_errors():
    from botocore.exceptions import ClientError

    assert scrub("a secret-value and secret-value-2", ["secret-value", "secret-value-2", ""]) == "a **** and ****"
    e = ClientError({"Error": {"Code": "InvalidParameterValue", "Message": "bad value topsecret"}}, "CreateEnvironment")
    assert aws_error(e, ["topsecret"]) == "InvalidParameterValue: bad value ****"

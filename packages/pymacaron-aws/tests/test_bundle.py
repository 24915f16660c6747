"""The application-version bundle (pymacaron_aws._bundle)."""

import io
import json
import zipfile

import pytest

from pymacaron_aws._bundle import BundleError, bundle_bytes, dockerrun, has_registry_credentials, upload_bundle


def test_the_bundle_is_reproducible_and_holds_only_dockerrun():
    doc = dockerrun("pymacaron/helloworld:v1", 8080)
    data = bundle_bytes(doc)
    assert data == bundle_bytes(dockerrun("pymacaron/helloworld:v1", 8080))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["Dockerrun.aws.json"]
        assert json.loads(zf.read("Dockerrun.aws.json")) == doc


def test_dockerrun_v1():
    assert dockerrun("r/n:v", 80, auth_bucket="b") == {
        "AWSEBDockerrunVersion": "1", "Image": {"Name": "r/n:v", "Update": "true"},
        "Ports": [{"ContainerPort": "80"}], "Logging": "/var/log/pymacaron",
        "Authentication": {"Bucket": "b", "Key": "docker/dockercfg"}}


def test_upload_and_registry_credentials(aws):
    aws.s3.create_bucket(Bucket="bundles")
    assert has_registry_credentials(aws.s3, "bundles") is False
    aws.s3.put_object(Bucket="bundles", Key="docker/dockercfg", Body=b"{}")
    assert has_registry_credentials(aws.s3, "bundles") is True
    upload_bundle(aws.s3, "bundles", "k.zip", b"zip")
    assert aws.s3.get_object(Bucket="bundles", Key="k.zip")["Body"].read() == b"zip"
    with pytest.raises(BundleError, match=r"the S3 bucket 'missing' \(docker_bucket\) does not exist"):
        upload_bundle(aws.s3, "missing", "k.zip", b"zip")

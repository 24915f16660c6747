"""The application-version bundle: a zip holding only ``Dockerrun.aws.json`` (version 1).

No configuration, no ``.ebextensions`` and no secret goes into the bundle: the settings the
original wrote into ``.ebextensions/*.config`` are passed through the API instead
(:mod:`pymacaron_aws._options`). The zip is reproducible (fixed timestamps).
"""

from __future__ import annotations

import io
import json
import zipfile

DOCKERRUN = "Dockerrun.aws.json"
DOCKERCFG_KEY = "docker/dockercfg"  # registry credentials the original expected in docker_bucket
CONTAINER_LOG_DIR = "/var/log/pymacaron"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def dockerrun(image, container_port, auth_bucket=None, auth_key=DOCKERCFG_KEY):
    """The Dockerrun.aws.json (v1) of a single-container service."""
    doc = {
        "AWSEBDockerrunVersion": "1",
        "Image": {"Name": image, "Update": "true"},
        "Ports": [{"ContainerPort": str(container_port)}],
        "Logging": CONTAINER_LOG_DIR,
    }
    if auth_bucket:
        doc["Authentication"] = {"Bucket": auth_bucket, "Key": auth_key}
    return doc


def bundle_bytes(dockerrun_doc):
    """The zip (bytes) of an application version."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(DOCKERRUN, date_time=_ZIP_TIME)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, json.dumps(dockerrun_doc, indent=2, sort_keys=True) + "\n")
    return buf.getvalue()


def has_registry_credentials(s3, bucket, key=DOCKERCFG_KEY):
    """True when ``s3://bucket/key`` exists (then EB pulls the image with those credentials)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if str(e.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def upload_bundle(s3, bucket, key, data):
    """Put the bundle in S3 (the bucket must exist: a clear error otherwise)."""
    from botocore.exceptions import ClientError

    try:
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/zip")
    except ClientError as e:
        code = str(e.response.get("Error", {}).get("Code"))
        if code == "NoSuchBucket":
            raise BundleError(f"the S3 bucket {bucket!r} (docker_bucket) does not exist: create it in the "
                              "deploy region, or set docker_bucket to an existing bucket") from None
        if code in ("AccessDenied", "403"):
            raise BundleError(f"access denied writing s3://{bucket}/{key}: the deploying AWS user needs "
                              "s3:PutObject on the docker_bucket") from None
        raise


class BundleError(Exception):
    """The bundle cannot be uploaded; the message says why and what to do."""

"""pymacaron_gcp._errors: API errors as one clear line, with secret values masked."""

import base64

from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc
from kubernetes.client.exceptions import ApiException

from pymacaron_gcp._errors import google_error, kube_error, scrub


def test_scrub_masks_values_and_their_base64():
    encoded = base64.b64encode(b"hunter2").decode()
    assert scrub(f"a hunter2 b {encoded}", ["hunter2", ""]) == "a **** b ****"


def test_google_errors():
    assert "no Google Cloud credentials found: run `gcloud auth application-default login`" in \
        google_error(auth_exc.DefaultCredentialsError("none"), "deploy hello-staging")
    e = gexc.PermissionDenied("POST http://x/v2/p: Permission denied on hunter2")
    text = google_error(e, "creating the Cloud Run service hello-staging", ["hunter2"])
    assert text.startswith("creating the Cloud Run service hello-staging failed: 403 ")
    assert "Permission denied on ****" in text and "POST http" not in text and "roles/run.admin" in text


def test_kube_errors():
    e = ApiException(status=403, reason="Forbidden")
    e.body = '{"kind": "Status", "message": "secrets is forbidden", "reason": "Forbidden", "code": 403}'
    assert kube_error(e, "applying Secret/hello-env").startswith(
        "applying Secret/hello-env failed: 403 Forbidden: secrets is forbidden (the account may not change")
    assert "cannot reach the Kubernetes API (ConnectionRefusedError" in \
        kube_error(ConnectionRefusedError("refused"), "reading Deployment/hello")

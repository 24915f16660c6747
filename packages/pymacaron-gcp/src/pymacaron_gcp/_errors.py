"""Google Cloud and Kubernetes API errors as messages that say what failed and what to do.

Every message goes through :func:`scrub` first: no secret value (nor its base64 form) ever reaches
the progress output, an exception or a log.
"""

from __future__ import annotations

import base64
import json
import re

MASK = "****"

_GOOGLE_HINTS = {
    401: "the credentials were refused: run `gcloud auth application-default login` (or set "
         "GOOGLE_APPLICATION_CREDENTIALS to a service account key)",
    403: "the account lacks a permission, or the API is not enabled in the project: grant it roles/run.admin "
         "and roles/secretmanager.admin (roles/iam.serviceAccountUser to run as gcp_service_account), and "
         "enable run.googleapis.com and secretmanager.googleapis.com",
    404: "check gcp_project / docker_repo and gcp_region in pym-config.yaml",
    409: "another deploy may be running at the same time: wait for it, then deploy again",
    429: "the API quota is exhausted for now: wait a minute and deploy again",
}

_KUBE_HINTS = {
    401: "the cluster refused the credentials: run `gcloud container clusters get-credentials` for it again",
    403: "the account may not change this resource: give it the container.developer role (or an RBAC binding "
         "for the namespace)",
    404: "the resource kind or namespace does not exist on this cluster (on GKE, ManagedCertificate and "
         "BackendConfig need a GKE cluster)",
    409: "someone else changed it meanwhile: deploy again",
    422: "the cluster rejected the manifest",
}


def secret_forms(secrets):
    """The strings that must never be shown: each secret value and its base64 encoding."""
    forms = set()
    for value in secrets or ():
        if isinstance(value, str) and value:
            forms.add(value)
            forms.add(base64.b64encode(value.encode()).decode())
    return sorted(forms, key=len, reverse=True)


def scrub(text, secrets):
    text = str(text)
    for form in secret_forms(secrets):
        text = text.replace(form, MASK)
    return text


def google_error(exc, what, secrets=()):
    """``<what> failed: <HTTP code> <status>: <message> (<hint>)`` for a google.api_core or google.auth error."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc

    if isinstance(exc, auth_exc.DefaultCredentialsError):
        return scrub(f"{what} failed: no Google Cloud credentials found: run `gcloud auth application-default "
                     "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file", secrets)
    if isinstance(exc, auth_exc.GoogleAuthError):
        return scrub(f"{what} failed: the Google Cloud credentials do not work ({exc}): run `gcloud auth "
                     "application-default login` again", secrets)
    if isinstance(exc, gexc.GoogleAPICallError):
        code = exc.code if isinstance(exc.code, int) else getattr(exc, "grpc_status_code", None)
        status = getattr(exc, "reason", None) or type(exc).__name__
        message = re.sub(r"^(GET|POST|PATCH|PUT|DELETE) \S+: ", "", str(exc.message or ""))
        hint = _GOOGLE_HINTS.get(code)
        text = f"{what} failed: {code} {status}: {message}" + (f" ({hint})" if hint else "")
        return scrub(text, secrets)
    if isinstance(exc, gexc.RetryError):
        return scrub(f"{what} failed: the API did not answer in time ({exc.cause or exc}): check the network, "
                     "then deploy again", secrets)
    return scrub(f"{what} failed: {type(exc).__name__}: {exc}", secrets)


def kube_error(exc, what, secrets=()):
    """A kubernetes.client ApiException (or a connection error) as one line, with a hint."""
    status = getattr(exc, "status", None)
    if status is None or not isinstance(status, int):
        return scrub(f"{what} failed: cannot reach the Kubernetes API ({type(exc).__name__}: {exc}): check the "
                     "cluster (gcloud container clusters get-credentials) and the network", secrets)
    reason = message = getattr(exc, "reason", "") or ""
    try:
        body = json.loads(getattr(exc, "body", None) or "{}")
        message, reason = body.get("message") or message, body.get("reason") or reason
    except (TypeError, ValueError, AttributeError):
        pass
    hint = _KUBE_HINTS.get(status)
    return scrub(f"{what} failed: {status} {reason}: {message}" + (f" ({hint})" if hint else ""), secrets)

"""A local fake of the Cloud Run Admin API v2 and Secret Manager v1 (REST, JSON), for the tests.

Started on 127.0.0.1 by the tests; google-cloud-run's and google-cloud-secret-manager's clients talk
to it with ``transport="rest"``, ``api_endpoint=<its url>`` and anonymous credentials. What it does:

- services: get, create (``?serviceId=``), patch; getIamPolicy / setIamPolicy. Create and patch answer
  a long-running operation that needs ``polls`` GETs before it is done (``operation_error[svc]``
  makes it end in an error, as a revision that does not start would). A created service's ``uri``
  is one of the two workload servers: healthy (``/ping`` 200), or broken (500) for the service ids in
  ``broken``. Requests are checked as the real API would: an image is required, an env var has a
  value or a secret reference, never both, and a referenced secret version must exist.
- secrets: get, create (``?secretId=``), addVersion, access a version (``latest`` or a number).
- ``fail[(METHOD, path-suffix)] = (http status, STATUS, message)``: the next such request answers
  Google's error JSON (``{"error": {"code", "message", "status"}}``).
- every request is in ``log`` (:class:`gcp_testing.RequestLog`), to look for secret values.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import uuid

from gcp_testing import LocalServer, RequestLog, workload
from werkzeug.wrappers import Request, Response

PROJECT, REGION = "my-project", "europe-west1"
SERVICE_TYPE = "type.googleapis.com/google.cloud.run.v2.Service"
SERVICE_ID = re.compile(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$")
SECRET_REF = re.compile(r"^(projects/[^/]+/secrets/)?[A-Za-z0-9_-]+$")
_STATUS = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS",
           429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


class ApiError(Exception):
    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status or _STATUS.get(code, "UNKNOWN")


def google_error(code, message, status=None):
    body = {"error": {"code": code, "message": message, "status": status or _STATUS.get(code, "UNKNOWN")}}
    return Response(json.dumps(body), status=code, mimetype="application/json")


class FakeGoogleCloud:
    """The fake API server (Cloud Run v2 + Secret Manager v1); ``start()`` / ``stop()``."""

    def __init__(self, polls=2):
        self.polls = polls
        self.services = {}  # full name -> Service JSON
        self.iam = {}  # full service name -> policy JSON
        self.operations = {}  # name -> {"polls_left", "service", "error"}
        self.secrets = {}  # projects/p/secrets/s -> {"secret": {...}, "versions": [bytes, ...]}
        self.broken = set()
        self.operation_error = {}
        self.fail = {}
        self.log = RequestLog()
        self.operation_gets = 0
        self._lock = threading.RLock()
        self._revision = itertools.count(1)
        self.healthy_workload = LocalServer(workload(True), "workload-ok")
        self.broken_workload = LocalServer(workload(False), "workload-broken")
        self.server = LocalServer(self.wsgi, "fake-google-cloud")
        self.url = self.server.url

    def start(self):
        self.healthy_workload.start(probe="/ping")
        self.broken_workload.start(probe="/ping")
        self.server.start(probe="/healthz")
        return self

    def stop(self):
        for server in (self.server, self.healthy_workload, self.broken_workload):
            server.stop()

    # -- helpers for the tests -----------------------------------------------

    def add_secret(self, name, value):
        """Put a secret (with one version holding ``value``) in the fake Secret Manager."""
        with self._lock:
            self.secrets[name] = {"secret": {"name": name, "replication": {"automatic": {}}},
                                  "versions": [value.encode()]}

    def service(self, project, region, service_id):
        return self.services.get(f"projects/{project}/locations/{region}/services/{service_id}")

    # -- WSGI ------------------------------------------------------------------

    @Request.application
    def wsgi(self, request):
        if request.path == "/healthz":
            return Response("ok")
        self.log.add(request)
        for (method, suffix), (code, status, message) in list(self.fail.items()):
            if request.method == method and request.path.endswith(suffix):
                del self.fail[(method, suffix)]
                return google_error(code, message, status)
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            with self._lock:
                answer = self._route(request.method, request.path, request.args, body)
        except ApiError as e:
            return google_error(e.code, e.message, e.status)
        return Response(json.dumps(answer), mimetype="application/json")

    def _route(self, method, path, args, body):
        routes = [
            ("GET", r"/v2/(projects/[^/]+/locations/[^/]+/operations/[^/:]+)", self._get_operation),
            ("GET", r"/v2/(projects/[^/]+/locations/[^/]+/services/[^/:]+)", self._get_service),
            ("POST", r"/v2/(projects/[^/]+/locations/[^/]+)/services", self._create_service),
            ("PATCH", r"/v2/(projects/[^/]+/locations/[^/]+/services/[^/:]+)", self._patch_service),
            ("POST", r"/v2/(projects/[^/]+/locations/[^/]+/services/[^/:]+):getIamPolicy", self._get_iam),
            ("GET", r"/v2/(projects/[^/]+/locations/[^/]+/services/[^/:]+):getIamPolicy", self._get_iam),
            ("POST", r"/v2/(projects/[^/]+/locations/[^/]+/services/[^/:]+):setIamPolicy", self._set_iam),
            ("GET", r"/v1/(projects/[^/]+/secrets/[^/:]+)", self._get_secret),
            ("POST", r"/v1/(projects/[^/]+)/secrets", self._create_secret),
            ("POST", r"/v1/(projects/[^/]+/secrets/[^/:]+):addVersion", self._add_version),
            ("GET", r"/v1/(projects/[^/]+/secrets/[^/:]+/versions/[^/:]+):access", self._access_version),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return handler(match.group(1), args, body)
        raise ApiError(404, f"fake: no route for {method} {path}")

    # -- Cloud Run ---------------------------------------------------------------

    def _get_service(self, name, args, body):
        if name not in self.services:
            raise ApiError(404, f"Resource '{name.rsplit('/', 1)[-1]}' of kind 'SERVICE' in region "
                                f"'{name.split('/')[3]}' in project '{name.split('/')[1]}' does not exist.")
        return self.services[name]

    def _check(self, service_id, service):
        containers = (service.get("template") or {}).get("containers") or []
        if not containers or not containers[0].get("image"):
            raise ApiError(400, "template.containers[0].image: an image is required")
        for env in containers[0].get("env", []):
            if ("value" in env) == ("valueSource" in env):
                raise ApiError(400, f"env {env.get('name')}: set exactly one of value and value_source")
            ref = (env.get("valueSource") or {}).get("secretKeyRef")
            if ref is not None:
                secret = ref.get("secret", "")
                if not SECRET_REF.match(secret):
                    raise ApiError(400, f"env {env['name']}: bad secret reference {secret!r}")
                full = secret if secret.startswith("projects/") else None
                if full is None or full not in self.secrets:
                    raise ApiError(400, f"env {env['name']}: secret {secret!r} was not found")
                version = ref.get("version", "latest")
                count = len(self.secrets[full]["versions"])
                if version != "latest" and not (version.isdigit() and 1 <= int(version) <= count):
                    raise ApiError(400, f"env {env['name']}: secret version {secret}/versions/{version} "
                                        "was not found")
        if service_id in self.broken:
            return self.broken_workload.url
        return self.healthy_workload.url

    def _operation(self, parent, service, error=None):
        name = f"{parent}/operations/{uuid.uuid4()}"
        self.operations[name] = {"polls_left": self.polls, "service": service, "error": error}
        return {"name": name, "done": False, "metadata": {"@type": SERVICE_TYPE, **service}}

    def _create_service(self, parent, args, body):
        service_id = args.get("serviceId", "")
        if not SERVICE_ID.match(service_id):
            raise ApiError(400, f"serviceId {service_id!r} is invalid")
        name = f"{parent}/services/{service_id}"
        if name in self.services:
            raise ApiError(409, f"Resource '{service_id}' already exists.")
        uri = self._check(service_id, body)
        service = dict(copy.deepcopy(body), name=name, uid=str(uuid.uuid4()), generation="1", uri=uri,
                       urls=[uri], reconciling=True, etag=f'"{uuid.uuid4().hex}"')
        self.services[name] = service
        return self._operation(parent, service, self.operation_error.get(service_id))

    def _patch_service(self, name, args, body):
        if name not in self.services:
            if args.get("allowMissing") == "true":
                return self._create_service(name.rsplit("/services/", 1)[0], {"serviceId": name.rsplit("/", 1)[-1]},
                                            body)
            self._get_service(name, args, body)
        service_id = name.rsplit("/", 1)[-1]
        uri = self._check(service_id, body)
        old = self.services[name]
        service = dict(copy.deepcopy(body), name=name, uid=old["uid"], generation=str(int(old["generation"]) + 1),
                       uri=uri, urls=[uri], reconciling=True, etag=f'"{uuid.uuid4().hex}"')
        self.services[name] = service
        return self._operation(name.rsplit("/services/", 1)[0], service, self.operation_error.get(service_id))

    def _get_operation(self, name, args, body):
        if name not in self.operations:
            raise ApiError(404, f"Operation {name} not found")
        self.operation_gets += 1
        op = self.operations[name]
        service = op["service"]
        if op["polls_left"] > 0:
            op["polls_left"] -= 1
            return {"name": name, "done": False, "metadata": {"@type": SERVICE_TYPE, **service}}
        if op["error"]:
            service["reconciling"] = False
            service["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "message": op["error"]}
            return {"name": name, "done": True, "error": {"code": 9, "message": op["error"]}}
        revision = f"{service['name'].rsplit('/', 1)[-1]}-{next(self._revision):05d}-abc"
        service.update(reconciling=False, latestReadyRevision=f"{service['name']}/revisions/{revision}",
                       latestCreatedRevision=f"{service['name']}/revisions/{revision}",
                       terminalCondition={"type": "Ready", "state": "CONDITION_SUCCEEDED"})
        return {"name": name, "done": True, "metadata": {"@type": SERVICE_TYPE, **service},
                "response": {"@type": SERVICE_TYPE, **service}}

    def _get_iam(self, resource, args, body):
        self._get_service(resource, args, body)
        return self.iam.get(resource, {"etag": base64.b64encode(b"\x00").decode()})

    def _set_iam(self, resource, args, body):
        self._get_service(resource, args, body)
        policy = dict(body.get("policy") or {}, etag=base64.b64encode(uuid.uuid4().bytes[:8]).decode())
        self.iam[resource] = policy
        return policy

    # -- Secret Manager ------------------------------------------------------------

    def _get_secret(self, name, args, body):
        if name not in self.secrets:
            raise ApiError(404, f"Secret [{name}] not found or has no versions.")
        return self.secrets[name]["secret"]

    def _create_secret(self, parent, args, body):
        secret_id = args.get("secretId", "")
        name = f"{parent}/secrets/{secret_id}"
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", secret_id):
            raise ApiError(400, f"secretId {secret_id!r} is invalid")
        if name in self.secrets:
            raise ApiError(409, f"Secret [{name}] already exists.")
        if "replication" not in body:
            raise ApiError(400, "Secret.replication is required")
        self.secrets[name] = {"secret": dict(body, name=name), "versions": []}
        return self.secrets[name]["secret"]

    def _add_version(self, parent, args, body):
        self._get_secret(parent, args, body)
        data = base64.b64decode((body.get("payload") or {}).get("data", ""))
        versions = self.secrets[parent]["versions"]
        versions.append(data)
        return {"name": f"{parent}/versions/{len(versions)}", "state": "ENABLED"}

    def _access_version(self, name, args, body):
        parent, version = name.split("/versions/")
        versions = self.secrets.get(parent, {}).get("versions") or []
        number = len(versions) if version == "latest" else int(version) if version.isdigit() else 0
        if not 1 <= number <= len(versions):
            raise ApiError(404, f"Secret Version [{name}] not found.")
        data = versions[number - 1]
        return {"name": f"{parent}/versions/{number}", "payload": {"data": base64.b64encode(data).decode()}}


def make_target(fake, **kw):
    """A CloudRunTarget whose clients talk to ``fake`` anonymously, polling fast."""
    from google.auth.credentials import AnonymousCredentials

    from pymacaron_gcp.cloudrun import CloudRunTarget

    return CloudRunTarget(credentials=AnonymousCredentials(), run_endpoint=fake.url, secrets_endpoint=fake.url,
                          poll_interval=0.01, **kw)

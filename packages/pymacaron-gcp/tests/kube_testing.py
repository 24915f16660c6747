"""A local fake of the Kubernetes API (the part a GKE deploy uses), for the tests.

Served on 127.0.0.1; the official kubernetes client reaches it through a kubeconfig written by
:meth:`FakeKubernetes.kubeconfig` (bearer token required, as a cluster would). It stores objects by
URL and does what the deploy relies on:

- read (GET), create (POST: 409 AlreadyExists if present) and replace (PUT: 404 if absent, 422
  without ``metadata.resourceVersion``, 409 Conflict on a stale one); the body's apiVersion/kind must
  match the URL; every object gets a uid, resourceVersion and creationTimestamp;
- a Deployment's ``metadata.generation`` grows when its spec changes, and its status then
  progresses over ``rollout_polls`` reads (spec observed, replicas updated one by one, available);
  ``stuck_images`` never become available (ProgressDeadlineExceeded);
- an Ingress gets ``status.loadBalancer.ingress[0].ip`` after ``ingress_polls`` reads;
- ``crds=False`` answers 404 for GKE's custom resources (a cluster that is not GKE);
- ``fail[(METHOD, path-suffix)] = (code, reason, message)``: the next such request gets that Status;
- errors are ``{"kind": "Status", ...}`` bodies; every request is in ``log``.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import threading
import uuid

import yaml
from gcp_testing import LocalServer, RequestLog
from werkzeug.wrappers import Request, Response

TOKEN = "fake-cluster-token"
_PATH = re.compile(r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<gv>[^/]+))"
                   r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?$")
_CLUSTER_SCOPED = {"namespaces"}
_CRD_GROUPS = {"networking.gke.io", "cloud.google.com"}
_KINDS = {"namespaces": "Namespace", "secrets": "Secret", "services": "Service", "deployments": "Deployment",
          "horizontalpodautoscalers": "HorizontalPodAutoscaler", "ingresses": "Ingress",
          "managedcertificates": "ManagedCertificate", "backendconfigs": "BackendConfig"}
_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "AlreadyExists", 422: "Invalid",
            500: "InternalError"}


def status(code, message, reason=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason or _REASONS.get(code, "Unknown"), "code": code}
    return Response(json.dumps(body), status=code, mimetype="application/json")


class FakeKubernetes:
    def __init__(self, rollout_polls=2, ingress_polls=1, crds=True, ingress_ip="127.0.0.1"):
        self.rollout_polls = rollout_polls
        self.ingress_polls = ingress_polls
        self.crds = crds
        self.ingress_ip = ingress_ip
        self.objects = {}  # (plural, namespace, name) -> object
        self.reads = {}  # (plural, namespace, name) -> reads since the last change
        self.stuck_images = set()
        self.fail = {}
        self.log = RequestLog()
        self._version = 0
        self._lock = threading.RLock()
        self.server = LocalServer(self.wsgi, "fake-kubernetes")
        self.url = self.server.url

    def start(self):
        self.server.start(probe="/healthz")
        return self

    def stop(self):
        self.server.stop()

    def kubeconfig(self, path, context="gke_my-project_europe-west1_hello", token=TOKEN):
        """Write a kubeconfig pointing at this server (context named as gcloud names them); returns the path."""
        doc = {"apiVersion": "v1", "kind": "Config", "current-context": context,
               "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
               "users": [{"name": "deployer", "user": {"token": token}}],
               "contexts": [{"name": context, "context": {"cluster": "fake", "user": "deployer"}}]}
        with open(path, "w") as f:
            yaml.safe_dump(doc, f)
        return str(path)

    def get(self, plural, namespace, name):
        return self.objects.get((plural, namespace, name))

    # -- WSGI ------------------------------------------------------------------

    @Request.application
    def wsgi(self, request):
        if request.path == "/healthz":
            return Response("ok")
        self.log.add(request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return status(401, "Unauthorized")
        for (method, suffix), (code, reason, message) in list(self.fail.items()):
            if request.method == method and request.path.endswith(suffix):
                del self.fail[(method, suffix)]
                return status(code, message, reason)
        match = _PATH.match(request.path)
        if not match:
            return status(404, f"the server could not find the requested resource ({request.path})")
        parts = match.groupdict()
        if parts["group"] in _CRD_GROUPS and not self.crds:
            return status(404, "the server could not find the requested resource")
        plural, ns, name = parts["plural"], parts["ns"], parts["name"]
        if plural not in _KINDS or (plural in _CLUSTER_SCOPED) != (ns is None):
            return status(404, f"the server could not find the requested resource ({request.path})")
        api_version = parts["core"] or f"{parts['group']}/{parts['gv']}"
        with self._lock:
            if request.method == "GET" and name:
                return self._read(plural, ns, name)
            body = json.loads(request.get_data(as_text=True) or "{}")
            if body.get("kind") != _KINDS[plural] or body.get("apiVersion") != api_version:
                return status(400, f"the body is a {body.get('apiVersion')}/{body.get('kind')}, not a "
                                   f"{api_version}/{_KINDS[plural]}", "BadRequest")
            if request.method == "POST" and not name:
                return self._create(plural, ns, body)
            if request.method == "PUT" and name:
                return self._replace(plural, ns, name, body)
        return status(405, f"{request.method} is not allowed here", "MethodNotAllowed")

    def _stamp(self, obj):
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)
        return obj

    def _read(self, plural, ns, name):
        key = (plural, ns, name)
        obj = self.objects.get(key)
        if obj is None:
            return status(404, f'{plural} "{name}" not found')
        self.reads[key] = self.reads.get(key, 0) + 1
        if plural == "deployments":
            self._progress(obj, self.reads[key])
        if plural == "ingresses" and self.reads[key] > self.ingress_polls:
            obj.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": self.ingress_ip}]}
        return Response(json.dumps(obj), mimetype="application/json")

    def _create(self, plural, ns, body):
        name = body.get("metadata", {}).get("name")
        if not name:
            return status(422, "metadata.name: Required value")
        if ns is not None and (("namespaces", None, ns) not in self.objects):
            return status(404, f'namespaces "{ns}" not found')
        key = (plural, ns, name)
        if key in self.objects:
            return status(409, f'{plural} "{name}" already exists')
        obj = copy.deepcopy(body)
        obj["metadata"].update(uid=str(uuid.uuid4()), generation=1,
                               creationTimestamp=datetime.datetime.now(datetime.timezone.utc).strftime(
                                   "%Y-%m-%dT%H:%M:%SZ"))
        if plural == "services":
            obj["spec"]["clusterIP"] = "10.0.0.%d" % (len(self.objects) + 10)
            for n, port in enumerate(obj["spec"].get("ports", [])):
                port.setdefault("nodePort", 30000 + n)
        if plural == "deployments":
            obj["status"] = {}
        self.objects[key] = self._stamp(obj)
        self.reads[key] = 0
        return Response(json.dumps(obj), status=201, mimetype="application/json")

    def _replace(self, plural, ns, name, body):
        key = (plural, ns, name)
        old = self.objects.get(key)
        if old is None:
            return status(404, f'{plural} "{name}" not found')
        version = body.get("metadata", {}).get("resourceVersion")
        if not version:
            return status(422, f'{_KINDS[plural]} "{name}" is invalid: metadata.resourceVersion: Invalid value: '
                               '0x0: must be specified for an update')
        if version != old["metadata"]["resourceVersion"]:
            return status(409, f'Operation cannot be fulfilled on {plural} "{name}": the object has been modified; '
                               "please apply your changes to the latest version and try again", "Conflict")
        if plural == "services" and body.get("spec", {}).get("clusterIP") != old["spec"].get("clusterIP"):
            return status(422, f'Service "{name}" is invalid: spec.clusterIP: Invalid value: field is immutable')
        obj = copy.deepcopy(body)
        obj["metadata"].update(uid=old["metadata"]["uid"], creationTimestamp=old["metadata"]["creationTimestamp"],
                               generation=old["metadata"]["generation"])
        if plural == "deployments":
            obj["status"] = old.get("status", {})
            if obj.get("spec") != old.get("spec"):
                obj["metadata"]["generation"] += 1
                self.reads[key] = 0
        self.objects[key] = self._stamp(obj)
        return Response(json.dumps(obj), mimetype="application/json")

    def _progress(self, obj, reads):
        """The rollout after ``reads`` reads: observed, then one more updated replica per read, then available."""
        spec, meta = obj["spec"], obj["metadata"]
        wanted = spec.get("replicas", 1)
        image = spec["template"]["spec"]["containers"][0]["image"]
        st = obj.setdefault("status", {})
        st["observedGeneration"] = meta["generation"]
        if image in self.stuck_images:
            st.update(replicas=wanted + 1, updatedReplicas=1, availableReplicas=wanted - 1 if wanted > 1 else 0)
            if reads > self.rollout_polls:
                st["conditions"] = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                     "message": f'ReplicaSet "{meta["name"]}-abc" has timed out progressing.'}]
            return
        st.pop("conditions", None)
        if reads > self.rollout_polls:
            st.update(replicas=wanted, updatedReplicas=wanted, availableReplicas=wanted)
            return
        updated = min(wanted, reads - 1)
        old = wanted - updated if meta["generation"] > 1 else 0
        st.update(replicas=updated + old, updatedReplicas=updated, availableReplicas=max(0, updated - 1) + old)

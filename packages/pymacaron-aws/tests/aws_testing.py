"""Local AWS for pymacaron-aws's tests: moto's server on 127.0.0.1, plus what moto lacks for EB.

- :class:`MotoServer`: moto's WSGI app served by werkzeug on 127.0.0.1 (random port) in a thread;
  S3, DynamoDB and the Elastic Beanstalk calls moto implements are real requests to it.
- :class:`BeanstalkStandIn`: botocore event hooks supplying AWS-shaped answers (checked against the
  botocore output shapes, as Stubber does) for the EB calls and behaviours moto lacks: application
  versions (the S3 bundle must really exist in moto), CNAMEs and CNAME swaps, Launching -> Ready
  transitions and health, events, termination, filters of DescribeEnvironments.
- :class:`RequestLog`: every request's parameters and wire body, to look for secrets.
"""

from __future__ import annotations

import datetime
import threading
import uuid

import requests
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

REGION = "us-east-1"
FAKE_KEY_ID, FAKE_SECRET = "testing", "testing"
SERVER_TIMEOUT = 10


class MotoServer:
    def __init__(self):
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)

    def start(self):
        self._thread.start()
        requests.get(f"{self.url}/moto-api/", timeout=SERVER_TIMEOUT)  # answers once serving
        return self

    def reset(self):
        requests.post(f"{self.url}/moto-api/reset", timeout=SERVER_TIMEOUT).raise_for_status()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=SERVER_TIMEOUT)
        self._server.server_close()


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class _Env:
    def __init__(self, app, name, cname, version, options, tags, stack, launch_polls, final_health):
        self.app, self.name, self.cname, self.version = app, name, cname, version
        self.options, self.tags, self.stack = options, tags, stack
        self.id = "e-" + uuid.uuid4().hex[:10]
        self.created = now()
        self.status, self.health = "Launching", "Grey"
        self.pending = [("Launching", "Grey")] * launch_polls + [("Ready", final_health)]
        self.polls = 0

    def tick(self):
        self.polls += 1
        if self.pending:
            self.status, self.health = self.pending.pop(0)
            return True
        return False


class BeanstalkStandIn:
    """Answers, through botocore hooks on one boto3 Session, the EB calls moto does not model."""

    ANSWERED = ("CreateApplicationVersion", "DescribeApplicationVersions", "CheckDNSAvailability",
                "SwapEnvironmentCNAMEs", "TerminateEnvironment", "DescribeEvents")

    def __init__(self, plain_session, region=REGION, launch_polls=2):
        self.s3 = plain_session.client("s3")
        self.eb = plain_session.client("elasticbeanstalk")  # no hooks: moto's own state
        self.region = region
        self.launch_polls = launch_polls
        self.envs = {}
        self.versions = {}
        self.events = []
        self.red = set()  # environment names whose instances will fail the health check
        self.answered = []

    def install(self, session):
        events = session.events
        events.register("before-parameter-build.elastic-beanstalk", self._capture)
        for op in self.ANSWERED:
            events.register(f"before-call.elastic-beanstalk.{op}", self._answer)
        events.register("before-call.elastic-beanstalk.CreateEnvironment", self._check_create)
        events.register("after-call.elastic-beanstalk.CreateEnvironment", self._after_create)
        events.register("after-call.elastic-beanstalk.DescribeEnvironments", self._after_describe)
        return self

    # -- plumbing -------------------------------------------------------------

    @staticmethod
    def _capture(params, context, **kwargs):
        context["standin_params"] = dict(params)

    def _ok(self, model, body):
        if model.output_shape is not None:
            validate_parameters(body, model.output_shape)  # AWS-shaped, as botocore's Stubber checks
        elif body:
            raise AssertionError(f"{model.name} answers nothing but ResponseMetadata, got {body}")
        return AWSResponse(None, 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    @staticmethod
    def _error(code, message, status=400):
        return AWSResponse(None, status, {}, None), {
            "Error": {"Code": code, "Message": message, "Type": "Sender"},
            "ResponseMetadata": {"HTTPStatusCode": status}}

    def _event(self, env, message, severity="INFO", app=None):
        self.events.append({"EventDate": now(), "Message": message, "Severity": severity,
                            "ApplicationName": app or (env.app if env else None),
                            "EnvironmentName": env.name if env else None})

    def cname(self, prefix):
        return f"{prefix}.{self.region}.elasticbeanstalk.com"

    def _holder(self, cname):
        return next((e for e in self.envs.values() if e.cname == cname and e.status != "Terminated"), None)

    def describe(self, env):
        return {k: v for k, v in self._describe(env).items() if v is not None}

    def _describe(self, env):
        return {"EnvironmentName": env.name, "EnvironmentId": env.id, "ApplicationName": env.app,
                "VersionLabel": env.version, "SolutionStackName": env.stack, "CNAME": env.cname,
                "EndpointURL": f"awseb-{env.id}.{self.region}.elb.amazonaws.com", "Status": env.status,
                "Health": env.health, "DateCreated": env.created, "DateUpdated": now(),
                "EnvironmentArn": f"arn:aws:elasticbeanstalk:{self.region}:123456789012:environment/"
                                  f"{env.app}/{env.name}"}

    def live_holder(self, prefix):
        env = self._holder(self.cname(prefix))
        return env.name if env else None

    # -- calls moto handles, completed --------------------------------------------

    def _check_create(self, model, context, **kwargs):
        p = context.get("standin_params", {})
        prefix = (p.get("CNAMEPrefix") or p["EnvironmentName"]).lower()
        if self._holder(self.cname(prefix)):
            return self._error("InvalidParameterValue", f"DNS name ({self.cname(prefix)}) is not available.")
        if p.get("VersionLabel") and (p["ApplicationName"], p["VersionLabel"]) not in self.versions:
            return self._error("InvalidParameterValue", f"No Application Version named '{p['VersionLabel']}' "
                               f"found.")
        return None

    def _after_create(self, parsed, context, http_response, **kwargs):
        if http_response.status_code >= 300:
            return
        p = context["standin_params"]
        name = p["EnvironmentName"]
        env = _Env(p["ApplicationName"], name, self.cname((p.get("CNAMEPrefix") or name).lower()),
                   p.get("VersionLabel"), p.get("OptionSettings", []), p.get("Tags", []),
                   p.get("SolutionStackName"), self.launch_polls, "Red" if name in self.red else "Green")
        self.envs[name] = env
        self._event(env, f"createEnvironment is starting for {name}.")
        parsed.update(self.describe(env))

    def _after_describe(self, parsed, context, http_response, **kwargs):
        if http_response.status_code >= 300:
            return
        p = context["standin_params"]
        names = set(p.get("EnvironmentNames") or [])
        include_deleted = p.get("IncludeDeleted", True)
        out = []
        for item in parsed.get("Environments", []):
            env = self.envs.get(item.get("EnvironmentName"))
            if env is None or (p.get("ApplicationName") and env.app != p["ApplicationName"]):
                continue
            if names and env.name not in names:
                continue
            self._advance(env)
            if env.status == "Terminated" and not include_deleted:
                continue
            item.update(self.describe(env))
            out.append(item)
        parsed["Environments"] = out

    def _advance(self, env):
        before = env.status
        if not env.tick() or env.status == before:
            return
        if env.status == "Ready" and before == "Launching":
            if env.health == "Green":
                self._event(env, f"Successfully launched environment: {env.name}")
            else:
                self._event(env, f"Environment health has transitioned from Pending to Severe. ELB health is "
                                 f"failing or not available for all instances ({env.name}).", "WARN")
        elif env.status == "Terminated":
            self._event(env, f"terminateEnvironment completed successfully ({env.name}).")

    # -- calls moto lacks ---------------------------------------------------------

    def _answer(self, model, context, **kwargs):
        p = context.get("standin_params", {})
        self.answered.append(model.name)
        return getattr(self, f"_op_{model.name}")(model, p)

    def _op_CreateApplicationVersion(self, model, p):
        app, label = p["ApplicationName"], p["VersionLabel"]
        if not self.eb.describe_applications(ApplicationNames=[app]).get("Applications"):
            return self._error("InvalidParameterValue", f"No Application named '{app}' found.")
        if (app, label) in self.versions:
            return self._error("InvalidParameterValue", f"Application Version {label} already exists.")
        bundle = p.get("SourceBundle") or {}
        try:
            self.s3.head_object(Bucket=bundle.get("S3Bucket"), Key=bundle.get("S3Key"))
        except Exception:
            return self._error("InvalidParameterCombination", f"Unable to download from S3 location (Bucket: "
                               f"{bundle.get('S3Bucket')} Key: {bundle.get('S3Key')}). Reason: Not Found")
        version = {"ApplicationName": app, "VersionLabel": label, "Description": p.get("Description", ""),
                   "SourceBundle": bundle, "DateCreated": now(), "Status": "UNPROCESSED"}
        self.versions[(app, label)] = version
        return self._ok(model, {"ApplicationVersion": version})

    def _op_DescribeApplicationVersions(self, model, p):
        labels = set(p.get("VersionLabels") or [])
        found = [v for (app, label), v in self.versions.items()
                 if app == p.get("ApplicationName", app) and (not labels or label in labels)]
        return self._ok(model, {"ApplicationVersions": found})

    def _op_CheckDNSAvailability(self, model, p):
        cname = self.cname(p["CNAMEPrefix"].lower())
        return self._ok(model, {"Available": self._holder(cname) is None, "FullyQualifiedCNAME": cname})

    def _op_SwapEnvironmentCNAMEs(self, model, p):
        a, b = self.envs.get(p.get("SourceEnvironmentName")), self.envs.get(p.get("DestinationEnvironmentName"))
        if a is None or b is None or "Terminated" in (a.status, b.status):
            return self._error("InvalidParameterValue", "No Environment found for the swap.")
        if a.status != "Ready" or b.status != "Ready":
            return self._error("InvalidParameterValue", "Environments must be Ready to swap CNAMEs.")
        a.cname, b.cname = b.cname, a.cname
        for env in (a, b):
            env.status = "Updating"
            env.pending = [("Ready", env.health)]
        self._event(a, f"Completed swapping CNAMEs for environments '{a.name}' and '{b.name}'.")
        return self._ok(model, {})

    def _op_TerminateEnvironment(self, model, p):
        env = self.envs.get(p.get("EnvironmentName"))
        if env is None or env.status in ("Terminating", "Terminated"):
            return self._error("InvalidParameterValue", f"No Environment found for EnvironmentName = "
                               f"'{p.get('EnvironmentName')}'.")
        env.status, env.pending = "Terminating", [("Terminated", "Grey")]
        self._event(env, f"terminateEnvironment is starting ({env.name}).")
        return self._ok(model, {k: v for k, v in self.describe(env).items() if k != "EnvironmentArn"})

    def _op_DescribeEvents(self, model, p):
        since = p.get("StartTime")
        found = [e for e in self.events
                 if (not p.get("ApplicationName") or e["ApplicationName"] == p["ApplicationName"])
                 and (not p.get("EnvironmentName") or e["EnvironmentName"] == p["EnvironmentName"])
                 and (since is None or e["EventDate"] >= since)]
        found = sorted(found, key=lambda e: e["EventDate"], reverse=True)
        return self._ok(model, {"Events": [{k: v for k, v in e.items() if v is not None} for e in found]})


class RequestLog:
    """Every AWS request made through a session: its parameters and its wire body."""

    def __init__(self):
        self.records = []

    def install(self, session):
        session.events.register("before-parameter-build", self._params)
        session.events.register("before-send", self._sent)
        return self

    def _params(self, params, event_name, **kwargs):
        self.records.append((event_name.split(".", 1)[1], "params", repr(params)))

    def _sent(self, request, event_name, **kwargs):
        body = request.body
        if hasattr(body, "read"):
            pos = body.tell()
            data = body.read()
            body.seek(pos)
            body = data
        if isinstance(body, bytes):
            body = body.decode("latin-1")
        self.records.append((event_name.split(".", 1)[1], "wire", f"{request.url}\n{body or ''}"))

    def operations_containing(self, text):
        return sorted({op for op, _kind, content in self.records if text in content})

"""A deploy target for tests (entry point ``local`` of a test-only distribution, see docker_testing.py).

It "deploys" on this machine through the docker command (the stand-in in the tests): the image
runs as a staging container on 127.0.0.1, the acceptance tests run against it, and only if they
pass it becomes live (recorded in ``$LOCAL_TARGET_STATE/live.json``; the previous live container
is stopped). Secrets go to the container by name only. ``LOCAL_TARGET_BREAK_STAGING=1`` starts
staging with a wrong JWT secret, so its acceptance tests fail.
"""

import json
import os
import subprocess
import time
import urllib.request

from pymacaron.deploy import DeployError, DeployResult, DeployTarget

PORT = "8080"
START_TIMEOUT = 120.0


def _docker(*args, env=None):
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, env=env)
    if done.returncode != 0:
        raise DeployError(f"docker {args[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _ping(url):
    try:
        with urllib.request.urlopen(url + "/ping", timeout=2) as r:
            return r.status
    except OSError:
        return None


class LocalTarget(DeployTarget):
    name = "local"

    def plan(self, ctx):
        return [f"docker run {ctx.image} on 127.0.0.1 as staging (env_secrets passed by name: "
                f"{', '.join(sorted(ctx.secrets)) or 'none'})",
                "acceptance tests against staging" + ("" if ctx.run_tests else " (skipped: --no-test)"),
                "swap: staging becomes live, the previous live container is stopped"]

    def deploy(self, ctx):
        state = os.environ["LOCAL_TARGET_STATE"]
        os.makedirs(state, exist_ok=True)
        cmd = ["run", "-d", "--rm", "-p", f"127.0.0.1::{PORT}", "-e", f"PORT={PORT}", "-e",
               f"PYM_ENV={ctx.env or 'live'}"]
        for name in sorted(ctx.secrets):
            cmd += ["-e", name]
        if os.environ.get("LOCAL_TARGET_BREAK_STAGING"):
            cmd += ["-e", "PYM_JWT_SECRET=a-misconfigured-staging-secret"]
        env = dict(os.environ, **ctx.secrets)
        ctx.progress.info(f"starting staging: {ctx.image}")
        cid = _docker(*cmd, ctx.image, env=env)
        url = "http://" + _docker("port", cid, PORT)
        deadline = time.monotonic() + START_TIMEOUT
        while _ping(url) != 200:
            if time.monotonic() > deadline:
                _docker("kill", cid)
                raise DeployError(f"staging {url} did not answer /ping within {START_TIMEOUT:g} s")
            ctx.progress.wait(f"waiting for staging {url}")
            time.sleep(0.5)
        if not ctx.acceptance(url):
            _docker("kill", cid)
            raise DeployError(f"the acceptance tests against staging {url} failed: not swapped, live unchanged")
        live_file = os.path.join(state, "live.json")
        if os.path.exists(live_file):
            with open(live_file) as f:
                previous = json.load(f)
            _docker("kill", previous["container"])
        with open(live_file, "w") as f:
            json.dump({"container": cid, "url": url, "image": ctx.image, "version": ctx.version}, f)
        ctx.progress.info(f"swapped: {url} is live")
        return DeployResult(live_url=url, staging_url=url, details={"container": cid})

"""Reading Elastic Beanstalk environments: listing, the live one, and bounded waits with progress.

The live environment is the one holding the live CNAME prefix (``<prefix>.<region>.elasticbeanstalk.com``,
or the older ``<prefix>.elasticbeanstalk.com``): it is found by comparing the CNAME's first label
with the prefix, never by counting dots in CNAMEs (SPEC K15).
"""

from __future__ import annotations

import datetime
import time

GONE = frozenset({"Terminating", "Terminated"})
RED_POLLS = 3  # a Ready environment that stays Red this many polls in a row has failed


class WaitError(Exception):
    """An environment did not become usable (failed, or not within the timeout)."""


def list_environments(eb, app, names=None):
    """The live (not terminated) environments of ``app`` (optionally only ``names``)."""
    kwargs = {"ApplicationName": app, "IncludeDeleted": False}
    if names:
        kwargs["EnvironmentNames"] = list(names)
    found = []
    while True:
        page = eb.describe_environments(**kwargs)
        found += [e for e in page.get("Environments", []) if e.get("Status") not in GONE]
        token = page.get("NextToken")
        if not token:
            return found
        kwargs["NextToken"] = token


def get_environment(eb, app, name):
    envs = list_environments(eb, app, [name])
    return envs[0] if envs else None


def cname_prefix(env):
    """The first label of an environment's CNAME, lowercase ('' when it has none)."""
    return str(env.get("CNAME") or "").lower().split(".", 1)[0]


def find_live(envs, prefix):
    """The environment holding the live CNAME prefix, or None."""
    prefix = prefix.lower()
    for env in envs:
        if env.get("Status") not in GONE and cname_prefix(env) == prefix:
            return env
    return None


def environment_url(env, https=False):
    return f"{'https' if https else 'http'}://{str(env.get('CNAME') or '').lower()}"


class Watcher:
    """Polls describe_environments / describe_events until a condition holds, printing progress.

    Every wait is bounded by ``timeout`` seconds; ``poll_interval`` seconds pass between polls.
    """

    def __init__(self, eb, app, progress, poll_interval=10.0, timeout=1200.0, scrub=str):
        self.eb = eb
        self.app = app
        self.progress = progress
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.scrub = scrub
        self._seen = {}
        self.last_events = []

    def _new_events(self, env_name, since):
        try:
            events = self.eb.describe_events(ApplicationName=self.app, EnvironmentName=env_name,
                                             StartTime=since).get("Events", [])
        except Exception:  # events are progress information only: never fail a deploy on them
            return []
        seen = self._seen.setdefault(env_name, set())
        fresh = []
        for ev in sorted(events, key=lambda e: e.get("EventDate") or since):
            key = (str(ev.get("EventDate")), ev.get("Message"))
            if key not in seen:
                seen.add(key)
                fresh.append(ev)
        self.last_events = (self.last_events + fresh)[-10:]
        return fresh

    def wait(self, env_name, what, done, since=None):
        """Poll ``env_name`` until ``done(env)`` is True -> the environment.

        ``done`` may raise WaitError to stop early. An environment that disappears or terminates
        is a failure. ``what`` names the wait in the progress lines.
        """
        since = since or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        start = time.monotonic()
        deadline = start + self.timeout
        last_state = None
        while True:
            env = get_environment(self.eb, self.app, env_name)
            self._show_events(env_name, since)
            if env is None:
                raise WaitError(f"environment {env_name} is gone (terminated) while waiting for {what}")
            state = (env.get("Status"), env.get("Health"))
            elapsed = time.monotonic() - start
            self.progress.wait(f"{what}: {env_name} is {state[0]}, health {state[1]} ({elapsed:.0f}s)")
            last_state = state
            if done(env):
                return env
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitError(f"{what}: {env_name} still {last_state[0]}/{last_state[1]} after "
                                f"{self.timeout:.0f}s (aws_deploy_timeout){self._events_hint()}")
            time.sleep(max(0.0, min(self.poll_interval, remaining)))

    def _show_events(self, env_name, since):
        for ev in self._new_events(env_name, since):
            self.progress.info(f"event {ev.get('Severity', 'INFO')}: {self.scrub(ev.get('Message', ''))}")

    def _events_hint(self):
        if not self.last_events:
            return ""
        lines = "; ".join(f"{e.get('Severity', 'INFO')}: {self.scrub(e.get('Message', ''))}"
                          for e in self.last_events[-3:])
        return f"; last events: {lines}"

    def ready_and_healthy(self, env_name, since=None):
        """Wait until the environment is Ready and Green (Red for several polls, or gone: failure)."""
        red = {"count": 0}

        def done(env):
            if env.get("Status") != "Ready":
                red["count"] = 0
                return False
            if env.get("Health") == "Green":
                return True
            red["count"] = red["count"] + 1 if env.get("Health") == "Red" else 0
            if red["count"] >= RED_POLLS:
                raise WaitError(f"environment {env_name} is Ready but its health is Red: the instances fail "
                                f"the /ping health check (see the environment's logs){self._events_hint()}")
            return False

        return self.wait(env_name, "launch", done, since=since)

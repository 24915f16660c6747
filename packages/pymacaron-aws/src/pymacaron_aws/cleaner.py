"""Terminating swapped-out environments (``beanstalk_cleaner`` / ``pymacaron aws clean``; SPEC W3).

An environment is old when it belongs to the service's application, is Ready, does not hold the
live CNAME prefix, and was made by a deploy: tagged ``pymacaron:service`` by ours, or named like
the original's versions (``<name>-YYMMDD-HHMM-<n>...``). The newest ``keep`` old environments are
kept (a quick rollback is a CNAME swap back). The cleaner is a dry run unless ``dry_run=False``.
"""

from __future__ import annotations

import re
from typing import Any

from pymacaron.deploy.targets import Progress

from pymacaron_aws._environments import find_live, list_environments

SERVICE_TAG = "pymacaron:service"
VERSION_TAG = "pymacaron:version"


def _tags(eb, env):
    arn = env.get("EnvironmentArn")
    if not arn:
        return {}
    try:
        tags = eb.list_tags_for_resource(ResourceArn=arn).get("ResourceTags", [])
    except Exception:  # no permission to read tags: fall back to the name pattern
        return {}
    return {t.get("Key"): t.get("Value") for t in tags}


def old_environments(eb: Any, app: str, live_prefix: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(live environment or None, [old environments, newest first])."""
    envs = list_environments(eb, app)
    live = find_live(envs, live_prefix)
    legacy = re.compile(rf"^{re.escape(app.lower())}-\d{{6}}-\d{{4}}-\d+")
    old = []
    for env in envs:
        if env is live or env.get("Status") != "Ready":
            continue
        ours = _tags(eb, env).get(SERVICE_TAG) == app
        if ours or legacy.match(str(env.get("EnvironmentName", "")).lower()):
            old.append(env)
    old.sort(key=lambda e: str(e.get("DateCreated") or ""), reverse=True)
    return live, old


def clean_environments(eb: Any, app: str, live_prefix: str, progress: Progress, keep: int = 0,
                       dry_run: bool = True) -> list[str]:
    """Terminate the old environments but the newest ``keep`` -> names terminated (or to terminate)."""
    live, old = old_environments(eb, app, live_prefix)
    if live is None and old:
        progress.info(f"no environment holds the live CNAME prefix {live_prefix!r}: nothing is terminated "
                      "(the live one cannot be told apart)")
        return []
    if live is not None:
        progress.info(f"live: {live['EnvironmentName']} ({live.get('CNAME')})")
    kept, doomed = old[:keep], old[keep:]
    for env in kept:
        progress.info(f"kept for rollback: {env['EnvironmentName']} ({env.get('CNAME')})")
    names = []
    for env in doomed:
        name = env["EnvironmentName"]
        if dry_run:
            progress.info(f"would terminate {name} ({env.get('CNAME')}) [dry run]")
        else:
            eb.terminate_environment(EnvironmentName=name)
            progress.info(f"terminating {name} ({env.get('CNAME')})")
        names.append(name)
    if not doomed:
        progress.info("no old environment to terminate")
    elif dry_run:
        progress.info("dry run: nothing was terminated (run again with --live to terminate them)")
    return names

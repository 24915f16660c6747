"""Waiting for a Cloud Run long-running operation, with a progress line per poll and a deadline."""

from __future__ import annotations

import time

from pymacaron.deploy.targets import DeployError


def service_state(service):
    """What a Service (an operation's metadata) is waiting on, in a few words."""
    if service is None:
        return "in progress"
    from google.cloud import run_v2

    succeeded = run_v2.Condition.State.CONDITION_SUCCEEDED
    pending = []
    for condition in service.conditions:
        if condition.state != succeeded:
            state = condition.state.name.replace("CONDITION_", "").lower()
            pending.append(f"{condition.type_} {state}" + (f" ({condition.message})" if condition.message else ""))
    if pending:
        return ", ".join(pending)
    return "reconciling" if service.reconciling else "in progress"


def wait_for(operation, what, progress, poll_interval, timeout):
    """The operation's result once done (its error raised as google.api_core raises it); DeployError on timeout."""
    started = time.monotonic()
    while not operation.done():
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            raise DeployError(f"{what} did not finish within {timeout:.0f}s (operation {operation.operation.name}); "
                              "it may still complete: look at the service in the Cloud Run console, then deploy "
                              "again (or raise gcp_deploy_timeout)")
        progress.wait(f"{what}: {service_state(operation.metadata)} ({elapsed:.0f}s)")
        time.sleep(poll_interval)
    return operation.result()

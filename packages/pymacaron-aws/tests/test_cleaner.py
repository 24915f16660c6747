"""Terminating swapped-out environments: dry run by default (pymacaron_aws.cleaner)."""

import io

import pytest

from pymacaron.deploy.targets import Progress
from pymacaron_aws.cleaner import SERVICE_TAG, clean_environments, old_environments

STACK = "64bit Amazon Linux 2023 v4.6.0 running Docker"


@pytest.fixture
def envs(aws):
    """helloworld: a live environment, two of ours swapped out, one legacy, one foreign; another app."""
    aws.standin.launch_polls = 0
    eb = aws.session.client("elasticbeanstalk")
    eb.create_application(ApplicationName="helloworld")
    eb.create_application(ApplicationName="other")

    def create(name, prefix, app="helloworld", tagged=True):
        tags = [{"Key": SERVICE_TAG, "Value": app}] if tagged else []
        eb.create_environment(ApplicationName=app, EnvironmentName=name, CNAMEPrefix=prefix,
                              SolutionStackName=STACK, Tags=tags)

    create("helloworld-v1", "helloworld-v3")     # swapped out twice: oldest
    create("helloworld-v2", "helloworld-v2x")    # swapped out once
    create("helloworld-v3", "helloworld")        # live
    create("helloworld-200101-0900-12-abcdef", "helloworld-old", tagged=False)  # made by the original pymaws
    create("helloworld-admin", "helloworld-admin", tagged=False)               # not made by a deploy
    create("other-v1", "other-v1", app="other")
    eb.describe_environments()  # Launching -> Ready
    return eb


def run(eb, **kwargs):
    out = io.StringIO()
    names = clean_environments(eb, "helloworld", "helloworld", Progress(stream=out), **kwargs)
    return names, out.getvalue()


def statuses(aws):
    return {name: env.status for name, env in aws.standin.envs.items()}


def test_old_environments_are_ours_and_not_live(envs):
    live, old = old_environments(envs, "helloworld", "helloworld")
    assert live["EnvironmentName"] == "helloworld-v3"
    assert [e["EnvironmentName"] for e in old] == ["helloworld-200101-0900-12-abcdef", "helloworld-v2",
                                                   "helloworld-v1"]  # newest first


def test_dry_run_by_default(aws, envs):
    names, out = run(envs)
    assert sorted(names) == ["helloworld-200101-0900-12-abcdef", "helloworld-v1", "helloworld-v2"]
    assert "would terminate helloworld-v1 (helloworld-v3.us-east-1.elasticbeanstalk.com) [dry run]" in out
    assert "dry run: nothing was terminated" in out
    assert "TerminateEnvironment" not in aws.standin.answered
    assert set(statuses(aws).values()) == {"Ready"}


def test_a_real_run_terminates_only_old_environments(aws, envs):
    names, out = run(envs, dry_run=False)
    assert sorted(names) == ["helloworld-200101-0900-12-abcdef", "helloworld-v1", "helloworld-v2"]
    envs.describe_environments()
    assert statuses(aws) == {"helloworld-v1": "Terminated", "helloworld-v2": "Terminated",
                             "helloworld-v3": "Ready", "helloworld-200101-0900-12-abcdef": "Terminated",
                             "helloworld-admin": "Ready", "other-v1": "Ready"}
    assert "terminating helloworld-v2" in out and "live: helloworld-v3" in out


def test_keep_the_newest(aws, envs):
    names, out = run(envs, dry_run=False, keep=2)
    assert names == ["helloworld-v1"]
    assert "kept for rollback: helloworld-v2" in out


def test_nothing_is_terminated_without_a_live_environment(aws, envs):
    out = io.StringIO()
    names = clean_environments(envs, "helloworld", "helloworld-gone", Progress(stream=out), dry_run=False)
    assert names == []
    assert "no environment holds the live CNAME prefix 'helloworld-gone': nothing is terminated" in out.getvalue()
    assert "TerminateEnvironment" not in aws.standin.answered

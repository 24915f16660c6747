"""Finding the live environment and waiting with progress (pymacaron_aws._environments)."""

import io

import pytest

from pymacaron.deploy.targets import Progress
from pymacaron_aws._environments import WaitError, Watcher, cname_prefix, environment_url, find_live


def env(name, cname, status="Ready"):
    return {"EnvironmentName": name, "CNAME": cname, "Status": status}


def test_the_live_environment_is_found_by_its_prefix_not_by_dots():
    envs = [env("hw-v2", "helloworld-v2.us-east-1.elasticbeanstalk.com"),  # same number of dots as live
            env("hw-v1", "helloworld.us-east-1.elasticbeanstalk.com"),
            env("hw-v0", "helloworld-v0.elasticbeanstalk.com")]
    assert find_live(envs, "helloworld")["EnvironmentName"] == "hw-v1"
    assert find_live(envs, "HelloWorld-V0")["EnvironmentName"] == "hw-v0"
    assert find_live(envs, "hello") is None
    assert find_live([env("hw-v1", "helloworld.elasticbeanstalk.com", "Terminated")], "helloworld") is None


def test_cname_prefix_and_url():
    assert cname_prefix({"CNAME": "HW.us-east-1.elasticbeanstalk.com"}) == "hw"
    assert cname_prefix({}) == ""
    assert environment_url({"CNAME": "hw.x.com"}, https=True) == "https://hw.x.com"


def test_a_wait_for_a_missing_environment_fails(aws):
    aws.eb.create_application(ApplicationName="helloworld")
    out = io.StringIO()
    watcher = Watcher(aws.session.client("elasticbeanstalk"), "helloworld", Progress(stream=out), poll_interval=0,
                      timeout=5)
    with pytest.raises(WaitError, match="environment hw-nope is gone"):
        watcher.ready_and_healthy("hw-nope")

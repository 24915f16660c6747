"""pymaws, beanstalk_cleaner, get_live_environment and 'pymacaron aws ...' (pymacaron_aws.cli)."""

import os
import subprocess
import sys

import pytest
from beanstalk_testing import BUCKET, SECRETS, helloworld_config

from pymacaron_aws.cli import beanstalk_cleaner, get_live_environment, pymaws

V1, V2 = "200415-0819-953-b3548e", "200416-1002-960-c0ffee"
TIMEOUT = 60


@pytest.fixture
def service(aws, tmp_path, monkeypatch):
    """The helloworld config with AWS keys in a tmp folder (the current directory), its bucket in moto."""
    aws.s3.create_bucket(Bucket=BUCKET)
    config = helloworld_config(tmp_path, monkeypatch)
    folder = os.path.dirname(config.config_path)
    monkeypatch.chdir(folder)
    return folder


def test_dry_run_prints_the_plan_without_secrets_or_aws(aws, service, monkeypatch, capsys):
    for name in SECRETS:
        monkeypatch.delenv(name)
    assert pymaws([V1, "--dry-run"], session=aws.session) == 0
    out = capsys.readouterr().out
    assert f"Plan for deploying pymacaron/helloworld:{V1} on Elastic Beanstalk (dry run" in out
    assert f"  4. create the environment helloworld-{V1}" in out
    assert "Note: env_secrets not set here (a real deploy needs them): PYM_JWT_SECRET, HW_PARTNER_API_KEY" in out
    assert aws.requests.records == []


def test_a_full_deploy_then_the_live_environment(aws, service, capsys):
    assert pymaws([V1, "--no-test", "--poll-interval", "0"], session=aws.session) == 0
    assert pymaws([V2, "--no-test", "--poll-interval", "0"], session=aws.session) == 0
    out = capsys.readouterr().out
    assert f"deployed {V2}: live at https://helloworld.example.com" in out
    assert "acceptance tests against http://helloworld-" in out and "skipped (--no-test)" in out
    assert all(value not in out for value in SECRETS.values())
    assert aws.standin.live_holder("helloworld") == f"helloworld-{V2}"

    assert get_live_environment([], session=aws.session) == 0
    assert capsys.readouterr().out == f"helloworld-{V2}\n"
    assert get_live_environment(["--cname"], session=aws.session) == 0
    assert capsys.readouterr().out == "helloworld.us-east-1.elasticbeanstalk.com\n"

    assert beanstalk_cleaner([], session=aws.session) == 0  # dry run: V1 is listed, not terminated
    assert f"would terminate helloworld-{V1}" in capsys.readouterr().out
    assert aws.standin.envs[f"helloworld-{V1}"].status == "Ready"
    assert beanstalk_cleaner(["--live"], session=aws.session) == 0
    assert f"terminating helloworld-{V1}" in capsys.readouterr().out
    assert aws.standin.envs[f"helloworld-{V1}"].status in ("Terminating", "Terminated")


def test_a_failed_deploy_exits_1_with_the_reason(aws, service, monkeypatch, capsys):
    aws.s3.delete_bucket(Bucket=BUCKET)
    assert pymaws([V1, "--no-test"], session=aws.session) == 1
    err = capsys.readouterr().err
    assert "ERROR: the S3 bucket 'hw-deploys' (docker_bucket) does not exist" in err


def test_a_missing_secret_is_named_before_anything_happens(aws, service, monkeypatch, capsys):
    monkeypatch.delenv("HW_PARTNER_API_KEY")
    assert pymaws([V1], session=aws.session) == 1
    assert "$HW_PARTNER_API_KEY" in capsys.readouterr().err
    assert aws.requests.records == []


def test_no_live_environment_is_an_error(aws, service, capsys):
    assert get_live_environment([], session=aws.session) == 1
    assert "no environment of application 'helloworld' holds the CNAME prefix 'helloworld'" in \
        capsys.readouterr().err


def test_bad_arguments_are_usage_errors(service, capsys):
    with pytest.raises(SystemExit) as e:
        beanstalk_cleaner(["--keep", "-1"])
    assert e.value.code == 2
    assert "usage: beanstalk_cleaner" in capsys.readouterr().err


def _python(code, cwd):
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)


def test_pymacaron_aws_is_a_plugin_command(service):
    done = _python("import sys; from pymacaron.cli import main; sys.exit(main(['aws', 'deploy', "
                   f"'{V1}', '--dry-run']))", cwd=service)
    assert done.returncode == 0, done.stderr
    assert f"create the environment helloworld-{V1}" in done.stdout
    done = _python("import sys; from pymacaron.cli import main; sys.exit(main(['aws', '--help']))", cwd=service)
    assert done.returncode == 0 and "deploy" in done.stdout and "clean" in done.stdout and "live" in done.stdout


def test_pymaws_as_a_console_script(service):
    done = _python(f"import sys; from pymacaron_aws.cli import pymaws; sys.argv = ['pymaws', '{V1}', '--dry-run']; "
                   "sys.exit(pymaws())", cwd=service)
    assert done.returncode == 0, done.stderr
    assert "Plan for deploying" in done.stdout

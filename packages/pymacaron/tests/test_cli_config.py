"""``pymconfig`` / ``pymacaron config``: the real console scripts, in throw-away git repos."""

import os

import pytest
from cli_testing import clean_env, cli, cli_many, git_repo, write

SECRET_VALUES = {"SVC_JWT_SECRET": "jwt-secret-value-0123456789abcdef", "SVC_DB_PASSWORD": "db-password-value-42"}

FULL = """\
name: svc
live_url: https://api.svc.example.com
env_secrets:
  - SVC_JWT_SECRET
  - SVC_DB_PASSWORD
jwt_secret: SVC_JWT_SECRET
jwt_audience: svc-audience
db_password: SVC_DB_PASSWORD
deploy_target: gke
docker_repo: acme
docker_bucket: acme-docker
docker_base: python:3.12-slim
aws_user: deployer
aws_region: eu-west-1
aws_keypair: acme-kp
aws_instance_type: t3.small
aws_cert_arn: arn:aws:acm:eu-west-1:123:certificate/abc
aws_zone_id: Z123
aws_hosts_min: 2
aws_hosts_max: 6
include_links:
  - ../shared-lib
  - ../other-lib
with_async: true
gcp_region: us-central1
gcp_memory: 1Gi
gcp_request_concurrency: 40
worker_count: 5
cpu_count: 2
"""

MINIMAL = """\
name: tiny
live_host: tiny.example.com
"""

FULL_EXPECTED = {
    "--name": "svc",
    "--host": "api.svc.example.com",
    "--port": "443",
    "--env-secrets": "SVC_JWT_SECRET\nSVC_DB_PASSWORD",
    "--deploy-target": "gke",
    "--docker-repo": "acme",
    "--docker-bucket": "acme-docker",
    "--docker-base": "python:3.12-slim",
    "--aws-user": "deployer",
    "--aws-region": "eu-west-1",
    "--aws-keypair": "acme-kp",
    "--aws-instance-type": "t3.small",
    "--aws-cert-arn": "arn:aws:acm:eu-west-1:123:certificate/abc",
    "--aws-zone-id": "Z123",
    "--aws-hosts-min": "2",
    "--aws-hosts-max": "6",
    "--include-links": "../shared-lib\n../other-lib",
    "--with-async": "true",
    "--gcp-region": "us-central1",
    "--gcp-memory": "1Gi",
    "--gcp-request-concurrency": "40",
    "--cpu-count": "2",
    "--gunicorn-worker-count": "5",      # 2 * 2 + 1
    "--celery-worker-count": "5",        # worker_count
    "--memory-limit": "3000",            # 5 * 400 + 5 * 200
    "--env-jwt-secret": "SVC_JWT_SECRET",  # jwt_secret's variable (listed in env_secrets)
    "--env-jwt-audience": "",            # a literal audience: no variable
}

MINIMAL_EXPECTED = {
    "--name": "tiny",
    "--host": "tiny.example.com",
    "--port": "80",
    "--env-secrets": "",
    "--deploy-target": "aws-beanstalk",
    "--docker-base": "",
    "--aws-cert-arn": "",
    "--aws-zone-id": "",
    "--aws-hosts-min": "1",
    "--aws-hosts-max": "4",
    "--include-links": "",
    "--with-async": "",
    "--gcp-region": "europe-west1",
    "--gcp-memory": "512Mi",
    "--gcp-request-concurrency": "10",
    "--cpu-count": "1",
    "--gunicorn-worker-count": "3",
    "--celery-worker-count": "2",
    "--memory-limit": "1600",            # 3 * 400 + 2 * 200
    "--env-jwt-secret": "",
    "--env-jwt-audience": "",
}

REQUIRED = ["--docker-repo", "--docker-bucket", "--aws-user", "--aws-region", "--aws-keypair", "--aws-instance-type"]


@pytest.fixture(scope="module")
def full_repo(tmp_path_factory):
    return git_repo(tmp_path_factory.mktemp("full"), {"pym-config.yaml": FULL})


@pytest.fixture(scope="module")
def full_results(full_repo):
    """Every flag once, run at the same time, with the secrets' values in the environment."""
    calls = [("pymconfig", flag) for flag in FULL_EXPECTED] + [("pymconfig", "--git-root"), ("pymconfig",)]
    return cli_many(calls, cwd=full_repo, env=clean_env(**SECRET_VALUES))


@pytest.fixture(scope="module")
def minimal_results(tmp_path_factory):
    repo = git_repo(tmp_path_factory.mktemp("minimal"), {"pym-config.yaml": MINIMAL})
    return cli_many([("pymconfig", flag) for flag in list(MINIMAL_EXPECTED) + REQUIRED], cwd=repo)


@pytest.mark.parametrize("flag", list(FULL_EXPECTED))
def test_every_flag_prints_its_value(full_results, flag):
    done = full_results[("pymconfig", flag)]
    assert (done.returncode, done.stdout, done.stderr) == (0, FULL_EXPECTED[flag] + "\n", "")


@pytest.mark.parametrize("flag", list(MINIMAL_EXPECTED))
def test_defaults_when_keys_are_unset(minimal_results, flag):
    done = minimal_results[("pymconfig", flag)]
    expected = MINIMAL_EXPECTED[flag]
    assert (done.returncode, done.stdout, done.stderr) == (0, expected + "\n" if expected or flag not in (
        "--env-secrets", "--include-links") else "", "")


@pytest.mark.parametrize("flag", REQUIRED)
def test_required_key_missing_names_the_key(minimal_results, flag):
    done = minimal_results[("pymconfig", flag)]
    key = flag[2:].replace("-", "_")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ERROR: ") and f"has no '{key}' key" in done.stderr
    assert "Traceback" not in done.stderr


def test_git_root_and_plain_check(full_results, full_repo):
    done = full_results[("pymconfig", "--git-root")]
    assert (done.returncode, done.stdout) == (0, os.path.realpath(full_repo) + "\n")
    check = full_results[("pymconfig",)]
    assert (check.returncode, check.stdout) == (0, "")


def test_secret_values_are_never_printed(full_results):
    for done in full_results.values():
        for value in SECRET_VALUES.values():
            assert value not in done.stdout and value not in done.stderr


def test_found_from_a_subfolder_up_to_the_git_root(full_repo):
    sub = os.path.join(full_repo, "src", "deep")
    os.makedirs(sub, exist_ok=True)
    assert cli("pymconfig", "--name", cwd=sub).stdout == "svc\n"
    assert cli("pymconfig", "--git-root", cwd=sub).stdout == os.path.realpath(full_repo) + "\n"


def test_pymacaron_config_is_the_same_command(full_repo):
    done = cli("pymacaron", "config", "--env-secrets", cwd=full_repo)
    assert (done.returncode, done.stdout) == (0, "SVC_JWT_SECRET\nSVC_DB_PASSWORD\n")


def test_env_selects_the_env_file_and_falls_back(tmp_path):
    repo = git_repo(tmp_path, {"pym-config.yaml": MINIMAL, "pym-config.staging.yaml": "name: tiny-staging\n"})
    assert cli("pymconfig", "--env", "staging", "--name", cwd=repo).stdout == "tiny-staging\n"
    assert cli("pymconfig", "--name", cwd=repo, env=clean_env(PYM_ENV="staging")).stdout == "tiny-staging\n"
    assert cli("pymconfig", "--env", "live", "--name", cwd=repo).stdout == "tiny\n"


def test_missing_config_file(tmp_path):
    repo = git_repo(tmp_path / "repo")
    for cwd in (repo, tmp_path):  # in a git clone, and outside any
        done = cli("pymconfig", "--name", cwd=cwd)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith("ERROR: cannot find config file")
        assert "pym-config.yaml" in done.stderr and "Traceback" not in done.stderr


def test_outside_git_reads_cwd_but_has_no_git_root(tmp_path):
    write(str(tmp_path), {"pym-config.yaml": MINIMAL})
    assert cli("pymconfig", "--name", cwd=tmp_path).stdout == "tiny\n"
    done = cli("pymconfig", "--git-root", cwd=tmp_path)
    assert done.returncode == 1 and "is not inside a git repository" in done.stderr


@pytest.mark.parametrize("config, flag, expected", [
    ("name: a\nlive_url: http://api.a.com:8080/v1\n", "--port", "8080"),
    ("name: a\nlive_url: http://api.a.com\n", "--port", "80"),
    ("name: a\nlive_host: a.com\naws_cert_arn: arn:x\n", "--port", "443"),
    ("name: a\nlive_host: a.com\nworker_count: 1\n", "--celery-worker-count", "2"),  # the minimum of 2
    ("name: a\nenv_jwt_secret: LEGACY_SECRET\nenv_jwt_audience: LEGACY_AUD\n", "--env-jwt-secret", "LEGACY_SECRET"),
    ("name: a\nenv_jwt_secret: LEGACY_SECRET\nenv_jwt_audience: LEGACY_AUD\n", "--env-jwt-audience", "LEGACY_AUD"),
    ("name: a\nenv_secrets: [AUD]\njwt_audience: AUD\n", "--env-jwt-audience", "AUD"),
    ("name: a\nwith_async: false\n", "--with-async", ""),
    ("name: a\ndeploy_target: gcp-cloud-run\n", "--deploy-target", "gcp-cloud-run"),
])
def test_computed_values(tmp_path, config, flag, expected):
    repo = git_repo(tmp_path, {"pym-config.yaml": config})
    done = cli("pymconfig", flag, cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (0, expected + "\n", "")


@pytest.mark.parametrize("config, flag, message", [
    ("name: a\ndeploy_target: heroku\n", "--deploy-target",
     "deploy_target 'heroku' is not supported; use one of: aws-beanstalk, gcp-cloud-run, gke"),
    ("name: a\ndeploy_target: heroku\n", None, "deploy_target 'heroku' is not supported"),
    ("live_host: a.com\n", None, "has no 'name' key"),
    ("name: a\n", "--host", "has neither 'live_url' nor 'live_host'"),
    ("name: a\nlive_url: api.a.com\n", "--host", "live_url 'api.a.com' is not an http(s) URL"),
    ("name: a\nlive_url: 'https://a.com:port'\n", "--port", "live_url 'https://a.com:port' is not an http(s) URL"),
    ("name: a\ncpu_count: many\n", "--memory-limit", "cpu_count must be a positive integer, got 'many'"),
    ("name: a\nworker_count: 0\n", "--celery-worker-count", "worker_count must be a positive integer, got 0"),
    ("name: a\nenv_secrets: 12\n", "--env-secrets", "'env_secrets' must be a list of names"),
    ("name: [a, b]\n", "--name", "'name' must be a single value, not a list"),
    ("name: a\n  bad: indent\n", "--name", "line 2: invalid YAML"),
    ("- just\n- a list\n", "--name", "must be a YAML mapping"),
])
def test_bad_config_gives_a_clear_error(tmp_path, config, flag, message):
    repo = git_repo(tmp_path, {"pym-config.yaml": config})
    done = cli("pymconfig", *([flag] if flag else []), cwd=repo)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ERROR: ") and message in done.stderr, done.stderr
    assert os.path.join(os.path.realpath(repo), "pym-config.yaml") in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--name", "--host"], "not allowed with argument"),
    (["--env"], "expected one argument"),
    (["extra"], "unrecognized arguments: extra"),
])
def test_bad_flags_exit_2_with_usage(full_repo, args, message):
    done = cli("pymconfig", *args, cwd=full_repo)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: pymconfig ") and message in done.stderr
    done = cli("pymacaron", "config", *args, cwd=full_repo)
    assert done.returncode == 2 and done.stderr.startswith("usage: pymacaron config ")


DEBUGGED = """\
name: svc
live_url: https://api.svc.example.com
env_secrets: [SVC_JWT_SECRET, SVC_WEBHOOK]
jwt_secret: SVC_JWT_SECRET
db_password: a-literal-password-in-the-file
with_async: true
include_links: [../lib]
crash_reports:
  slack:
    webhook_url: SVC_WEBHOOK
    channels: [ops, '#alerts']
  email:
    - {to: ops@example.com, password: another-literal}
security_verifiers: {api_key: svc.auth.check_key}
"""


def test_debug_prints_env_secrets_and_keys_readably_secrets_masked(tmp_path):
    repo = git_repo(tmp_path / "dbg", {"pym-config.yaml": DEBUGGED})
    done = cli("pymacaron", "config", "--debug", cwd=repo, env=clean_env(SVC_JWT_SECRET="jwt-value-0123456789"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"""\
file: {os.path.join(repo, 'pym-config.yaml')}
PYM_ENV: (not set)
env_secrets:
  SVC_JWT_SECRET  set
  SVC_WEBHOOK     NOT SET in this environment
keys:
  crash_reports:
    slack:
      webhook_url: $SVC_WEBHOOK
      channels: [ops, #alerts]
    email:
      - to: ops@example.com
        password: ****
  db_password: ****
  include_links: [../lib]
  jwt_secret: $SVC_JWT_SECRET
  live_url: https://api.svc.example.com
  name: svc
  security_verifiers:
    api_key: svc.auth.check_key
  with_async: true
"""
    assert "jwt-value-0123456789" not in done.stdout and "literal" not in done.stdout

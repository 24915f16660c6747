"""``get_test_jwt_token`` / ``pymacaron token``: a real token, accepted by a real service."""

import jwt
import pytest
from cli_testing import clean_env, cli, git_repo
from pym_testing import DEFAULT_CONFIG, JWT_SECRET

STAGING_CONFIG = DEFAULT_CONFIG.replace("testaudience", "stagingaudience")


@pytest.fixture
def repo(tmp_path):
    return git_repo(tmp_path, {"pym-config.yaml": DEFAULT_CONFIG, "pym-config.staging.yaml": STAGING_CONFIG})


def _token(done):
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("token:") and done.stdout.endswith("\n") and done.stdout.count("\n") == 1
    return done.stdout[len("token:"):].strip()


def _claims(token, audience="testaudience"):
    return jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=audience, issuer="test.pymacaron.com")


@pytest.mark.parametrize("command", [("get_test_jwt_token",), ("pymacaron", "token")])
def test_token_for_the_test_user(repo, command):
    done = cli(*command, cwd=repo, env=clean_env(PYM_TEST_JWT_SECRET=JWT_SECRET))
    claims = _claims(_token(done))
    assert claims["sub"] == "test-jwt-token" and claims["exp"] > claims["iat"]
    assert JWT_SECRET not in done.stdout + done.stderr


def test_user_id_and_env(repo):
    env = clean_env(PYM_TEST_JWT_SECRET=JWT_SECRET)
    token = _token(cli("get_test_jwt_token", "--user-id", "alice", "--env", "staging", cwd=repo, env=env))
    assert _claims(token, audience="stagingaudience")["sub"] == "alice"
    token = _token(cli("pymacaron", "token", cwd=repo, env=clean_env(PYM_TEST_JWT_SECRET=JWT_SECRET, PYM_ENV="staging")))
    assert _claims(token, audience="stagingaudience")["sub"] == "test-jwt-token"


def test_the_token_opens_an_authenticated_endpoint(repo, service):
    token = _token(cli("get_test_jwt_token", "--user-id", "bob", cwd=repo, env=clean_env(PYM_TEST_JWT_SECRET=JWT_SECRET)))
    client = service().test_client()  # the same pym-config.yaml and secret, served by pymacaron
    r = client.get("/hello/auth?name=x", headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json) == (200, {"message": "hello x from bob"})


def test_missing_secret_names_the_variable(repo):
    done = cli("get_test_jwt_token", cwd=repo)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ERROR: ") and "PYM_TEST_JWT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr


def test_config_without_jwt_settings(tmp_path):
    repo = git_repo(tmp_path, {"pym-config.yaml": "name: nojwt\nlive_host: nojwt.example.com\n"})
    done = cli("get_test_jwt_token", cwd=repo)
    assert done.returncode == 1 and "jwt_secret" in done.stderr and "Traceback" not in done.stderr


def test_missing_config_file(tmp_path):
    done = cli("get_test_jwt_token", cwd=git_repo(tmp_path))
    assert done.returncode == 1 and done.stderr.startswith("ERROR: cannot find config file")


@pytest.mark.parametrize("args, message", [
    (["--user-id"], "expected one argument"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--user-id", " "], "--user-id must not be empty"),
])
def test_bad_arguments(repo, args, message):
    done = cli("get_test_jwt_token", *args, cwd=repo, env=clean_env(PYM_TEST_JWT_SECRET=JWT_SECRET))
    assert done.returncode in (1, 2) and message in done.stderr
    if done.returncode == 2:
        assert done.stderr.startswith("usage: get_test_jwt_token")

"""pymacaron_gcp._secret_manager: env_secrets into Secret Manager, against the local fake."""

import io

import pytest
from cloudrun_testing import PROJECT, make_target

from pymacaron.deploy.targets import DeployError, Progress
from pymacaron_gcp._secret_manager import sync_secrets

NAME = f"projects/{PROJECT}/secrets/PYM_JWT_SECRET"


def sync(fake, values, refs=None):
    out = io.StringIO()
    pinned = sync_secrets(make_target(fake).secrets_client(), refs or {"PYM_JWT_SECRET": NAME}, values,
                          Progress(stream=out))
    return pinned, out.getvalue()


def test_creates_the_secret_and_pins_its_first_version(google_cloud):
    pinned, out = sync(google_cloud, {"PYM_JWT_SECRET": "one"})
    assert pinned == {"PYM_JWT_SECRET": (NAME, "1")}
    assert google_cloud.secrets[NAME]["versions"] == [b"one"]
    assert google_cloud.secrets[NAME]["secret"]["labels"] == {"managed-by": "pymacaron"}
    assert "created the secret" in out and "one" not in out.replace("done", "")


def test_same_value_reuses_the_version_new_value_adds_one(google_cloud):
    sync(google_cloud, {"PYM_JWT_SECRET": "one"})
    assert sync(google_cloud, {"PYM_JWT_SECRET": "one"})[0] == {"PYM_JWT_SECRET": (NAME, "1")}
    pinned, out = sync(google_cloud, {"PYM_JWT_SECRET": "two"})
    assert pinned == {"PYM_JWT_SECRET": (NAME, "2")}
    assert google_cloud.secrets[NAME]["versions"] == [b"one", b"two"]
    assert "stored as version 2" in out


def test_unset_variable_uses_what_secret_manager_has(google_cloud):
    google_cloud.add_secret(NAME, "kept")
    pinned, out = sync(google_cloud, {})
    assert pinned == {"PYM_JWT_SECRET": (NAME, "1")}
    assert "$PYM_JWT_SECRET is not set here: using version 1" in out


def test_unset_variable_without_a_secret_is_an_error(google_cloud):
    with pytest.raises(DeployError, match=r"\$PYM_JWT_SECRET is not set here and Secret Manager has no secret "
                                          r"projects/my-project/secrets/PYM_JWT_SECRET: export PYM_JWT_SECRET"):
        sync(google_cloud, {"PYM_JWT_SECRET": ""})
    assert google_cloud.secrets == {}


def test_secret_in_another_project(google_cloud):
    other = "projects/shared-secrets/secrets/jwt"
    pinned, _ = sync(google_cloud, {"PYM_JWT_SECRET": "x"}, refs={"PYM_JWT_SECRET": other})
    assert pinned == {"PYM_JWT_SECRET": (other, "1")}

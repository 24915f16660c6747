"""Shared fixtures of pymacaron-gcp's tests. Helpers live in ``gcp_testing.py``, ``cloudrun_testing.py`` and
``kube_testing.py`` (this folder is on sys.path)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cloudrun_testing import FakeGoogleCloud  # noqa: E402
from kube_testing import FakeKubernetes  # noqa: E402


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    """No real Google or cluster credentials from the machine, no config singleton."""
    from pymacaron.config import reset_config

    for var in ("PYM_ENV", "PYM_CONFIG", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "PYM_JWT_SECRET"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    reset_config()
    yield
    reset_config()


@pytest.fixture
def google_cloud():
    fake = FakeGoogleCloud(polls=2).start()
    yield fake
    fake.stop()


@pytest.fixture
def kube():
    fake = FakeKubernetes(rollout_polls=2, ingress_polls=1).start()
    yield fake
    fake.stop()


@pytest.fixture
def service_folder(tmp_path):
    folder = tmp_path / "hello"
    folder.mkdir()
    return folder

"""pymacaron_gcp._settings: project, registry, region and secret references from pym-config."""

import pytest

from pymacaron_gcp._settings import Registry, SettingsError, live_host, quantity, region, secret_refs


def cfg(**kw):
    return dict({"name": "hello", "config_path": "/srv/hello/pym-config.yaml"}, **kw)


@pytest.mark.parametrize("docker_repo, project, image", [
    ("my-project", "my-project", "gcr.io/my-project/hello:1.0"),
    ("eu.gcr.io/my-project/", "my-project", "eu.gcr.io/my-project/hello:1.0"),
    ("europe-west1-docker.pkg.dev/my-project/images", "my-project",
     "europe-west1-docker.pkg.dev/my-project/images/hello:1.0"),
])
def test_docker_repo_is_the_registry_root_and_names_the_project(docker_repo, project, image):
    registry = Registry(cfg(docker_repo=docker_repo), "hello")
    assert registry.project == project and registry.image("1.0") == image


def test_gcp_project_overrides():
    registry = Registry(cfg(docker_repo="docker.io/someorg", gcp_project="other-project"), "hello")
    assert registry.project == "other-project" and registry.image("2") == "docker.io/someorg/hello:2"


@pytest.mark.parametrize("config, message", [
    (cfg(), "has neither 'gcp_project' nor 'docker_repo'.*docker_repo: <your-gcp-project-id>"),
    (cfg(docker_repo="docker.io/someorg"), "'docker_repo' 'docker.io/someorg' does not name a GCP project.*"
                                           "gcp_project: <your-gcp-project-id>"),
    (cfg(docker_repo="My_Project"), "'docker_repo': 'My_Project' is not a GCP project id"),
])
def test_project_errors_say_which_key_and_the_fix(config, message):
    with pytest.raises(SettingsError, match=message):
        Registry(config, "hello")


def test_region_and_quantities():
    assert region(cfg()) == "europe-west1"
    with pytest.raises(SettingsError, match="'gcp_region': 'Europe' is not a Google Cloud region"):
        region(cfg(gcp_region="Europe"))
    assert quantity(cfg(gcp_memory="1G"), "gcp_memory", "512Mi", "512Mi") == "1G"
    with pytest.raises(SettingsError, match="'gcp_memory': '512 MB' is not a quantity"):
        quantity(cfg(gcp_memory="512 MB"), "gcp_memory", "512Mi", "512Mi")


def test_live_host():
    assert live_host(cfg(live_url="https://api.example.com:8443/x")) == "api.example.com"
    assert live_host(cfg(live_host="api.example.org", live_url="https://x.example.com")) == "api.example.org"
    assert live_host(cfg()) is None


def test_secret_refs():
    config = cfg(env_secrets=["PYM_JWT_SECRET", "SLACK_TOKEN"],
                 gcp_secrets={"SLACK_TOKEN": "projects/shared/secrets/slack"})
    assert secret_refs(config, "my-project") == {"PYM_JWT_SECRET": "projects/my-project/secrets/PYM_JWT_SECRET",
                                                 "SLACK_TOKEN": "projects/shared/secrets/slack"}
    with pytest.raises(SettingsError, match="'gcp_secrets' names OTHER, not listed in env_secrets"):
        secret_refs(cfg(env_secrets=["A"], gcp_secrets={"OTHER": "x"}), "my-project")
    with pytest.raises(SettingsError, match="'gcp_secrets': 'bad id!' cannot be a Secret Manager secret id"):
        secret_refs(cfg(env_secrets=["A"], gcp_secrets={"A": "bad id!"}), "my-project")
    with pytest.raises(SettingsError, match="'env_secrets' must be a list of environment variable names"):
        secret_refs(cfg(env_secrets={"A": 1}), "my-project")


def test_works_on_a_loaded_config(tmp_path, monkeypatch):
    from pymacaron.config import load_config

    (tmp_path / "pym-config.yaml").write_text("name: hello\ndocker_repo: my-project\nlive_url: https://h.example.com\n"
                                             "env_secrets: [PYM_JWT_SECRET]\njwt_secret: PYM_JWT_SECRET\n")
    monkeypatch.setenv("PYM_JWT_SECRET", "x" * 16)
    config = load_config(path=str(tmp_path))
    assert Registry(config, "hello").project == "my-project"
    assert region(config) == "europe-west1"  # pymacaron's DEFAULTS
    assert secret_refs(config, "my-project") == {"PYM_JWT_SECRET": "projects/my-project/secrets/PYM_JWT_SECRET"}

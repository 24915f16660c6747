"""pymacaron_gcp.cli: ``pymacaron gcp run|gke`` and the pymgcr / pymgke aliases, as console scripts and in-process.

The deploys here use the pipeline's own acceptance step (DeployContext.acceptance: ``pymacaron test``
in a subprocess, running the service folder's testaccept/) against the fakes' workload servers.
"""

import base64
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from cloudrun_testing import PROJECT, REGION, make_target
from gcp_testing import SECRET, LocalServer, workload, write_service

from pymacaron_gcp.cli import pymgcr, pymgke

TIMEOUT = 180


def run(args, cwd, **env):
    full_env = dict(os.environ, **env)
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=TIMEOUT)


def script(name):
    path = shutil.which(name)
    assert path, f"{name} is not installed (pip install -e packages/pymacaron-gcp)"
    return path


def test_console_scripts_help():
    gcr = run([script("pymgcr"), "--help"], cwd=".")
    assert gcr.returncode == 0 and "--live-url" in gcr.stdout and "--staging-url" in gcr.stdout
    gke = run([script("pymgke"), "--help"], cwd=".")
    assert gke.returncode == 0 and all(flag in gke.stdout for flag in ("--rollback", "--ip", "--env", "--no-test"))
    both = run([sys.executable, "-m", "pymacaron", "gcp", "--help"], cwd=".")
    assert both.returncode == 0 and "run" in both.stdout and "gke" in both.stdout


def test_dry_runs_print_the_plan_and_no_secret(service_folder):
    write_service(service_folder)
    gcr = run([sys.executable, "-m", "pymacaron", "gcp", "run", "1.0", "--dry-run"], cwd=service_folder,
              PYM_JWT_SECRET=SECRET)
    assert gcr.returncode == 0, gcr.stderr
    assert "Plan for deploying 1.0 on Google Cloud Run" in gcr.stdout and "hello-staging" in gcr.stdout
    gke = run([script("pymgke"), "1.0", "--dry-run"], cwd=service_folder, PYM_JWT_SECRET=SECRET)
    assert gke.returncode == 0, gke.stderr
    assert "Deployment/hello: image gcr.io/my-project/hello:1.0" in gke.stdout
    for out in (gcr, gke):
        assert SECRET not in out.stdout + out.stderr


def test_write_manifests_has_no_secret_value(service_folder, tmp_path):
    write_service(service_folder)
    out = run([script("pymgke"), "1.0", "--write-manifests", str(tmp_path / "k8s")], cwd=service_folder,
              PYM_JWT_SECRET=SECRET)
    assert out.returncode == 0, out.stderr
    path = tmp_path / "k8s" / "hello.yaml"
    assert out.stdout.strip() == str(path)
    text = path.read_text()
    kinds = [doc["kind"] for doc in yaml.safe_load_all(text)]
    assert kinds == ["Namespace", "Secret", "BackendConfig", "Service", "Deployment", "HorizontalPodAutoscaler",
                     "ManagedCertificate", "Ingress"]
    assert SECRET not in text and base64.b64encode(SECRET.encode()).decode() not in text


def test_usage_and_config_errors(service_folder):
    write_service(service_folder, gcp_request_concurrency="lots")
    no_version = run([script("pymgcr")], cwd=service_folder)
    assert no_version.returncode == 2 and "which version to deploy?" in no_version.stderr
    bad = run([script("pymgcr"), "1.0", "--dry-run"], cwd=service_folder)
    assert bad.returncode == 1
    assert "ERROR: " in bad.stderr and "'gcp_request_concurrency' must be a whole number, got 'lots'" in bad.stderr
    assert "Traceback" not in bad.stderr
    (service_folder / "pym-config.yaml").unlink()
    missing = run([script("pymgke"), "1.0"], cwd=service_folder)
    assert missing.returncode == 1 and "cannot find config file" in missing.stderr


def test_pymgke_deploys_and_runs_the_acceptance_tests(kube, service_folder, tmp_path):
    kubeconfig = kube.kubeconfig(tmp_path / "kubeconfig")
    with LocalServer(workload(True)) as healthy:
        write_service(service_folder, gke_test_url=healthy.url)
        out = run([script("pymgke"), "1.0"], cwd=service_folder, KUBECONFIG=kubeconfig, PYM_JWT_SECRET=SECRET)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "deployed 1.0: live at https://hello.example.com" in out.stdout
    assert "test_ping PASSED" in out.stdout  # the service's own testaccept/ ran against the deployment
    assert "==> wait for the rollout of gcr.io/my-project/hello:1.0" in out.stdout
    assert SECRET not in out.stdout + out.stderr
    assert kube.get("secrets", "hello", "hello-env")["data"]["PYM_JWT_SECRET"] == \
        base64.b64encode(SECRET.encode()).decode()


def test_pymgke_ip_and_rollback_in_process(kube, service_folder, tmp_path, monkeypatch, capsys):
    from pymacaron_gcp.gke import GkeTarget

    write_service(service_folder)
    monkeypatch.chdir(service_folder)
    target = GkeTarget(kubeconfig=kube.kubeconfig(tmp_path / "kubeconfig"), poll_interval=0.01)
    assert pymgke(["--rollback"], target=target) == 1
    assert "has no previous image recorded" in capsys.readouterr().err
    monkeypatch.setenv("PYM_JWT_SECRET", SECRET)
    assert pymgke(["1.0", "--no-test"], target=target) == 0
    assert pymgke(["1.1", "--no-test"], target=target) == 0
    capsys.readouterr()
    assert pymgke(["--ip"], target=target) == 0
    assert capsys.readouterr().out.strip() == "127.0.0.1"
    assert pymgke(["--rollback"], target=target) == 0
    assert "rolled back to gcr.io/my-project/hello:1.0" in capsys.readouterr().out


def test_pymgcr_in_process(google_cloud, service_folder, monkeypatch, capsys):
    write_service(service_folder)
    monkeypatch.chdir(service_folder)
    monkeypatch.setenv("PYM_JWT_SECRET", SECRET)
    target = make_target(google_cloud)
    assert pymgcr(["--live-url"], target=target) == 1
    assert "hello-live does not exist" in capsys.readouterr().err
    assert pymgcr(["1.0", "--no-test"], target=target) == 0
    live = google_cloud.service(PROJECT, REGION, "hello-live")["uri"]
    assert f"deployed 1.0: live at {live}" in capsys.readouterr().out
    assert pymgcr(["--staging-url"], target=target) == 0
    assert capsys.readouterr().out.strip() == google_cloud.service(PROJECT, REGION, "hello-staging")["uri"]
    assert SECRET not in capsys.readouterr().out


def test_pymgcr_failing_staging_stops_before_live(google_cloud, service_folder, monkeypatch, capsys):
    write_service(service_folder)
    monkeypatch.chdir(service_folder)
    monkeypatch.setenv("PYM_JWT_SECRET", SECRET)
    google_cloud.broken.add("hello-staging")
    assert pymgcr(["1.0"], target=make_target(google_cloud)) == 1
    captured = capsys.readouterr()
    assert "ERROR: the acceptance tests failed against hello-staging" in captured.err
    assert google_cloud.service(PROJECT, REGION, "hello-live") is None


@pytest.mark.parametrize("alias, command", [(pymgcr, "run"), (pymgke, "gke")])
def test_aliases_and_subcommands_share_their_options(alias, command, capsys):
    with pytest.raises(SystemExit) as e:
        alias(["--help"])
    assert e.value.code == 0
    alias_help = capsys.readouterr().out
    from pymacaron.cli import main

    with pytest.raises(SystemExit):
        main(["gcp", command, "--help"])
    command_help = capsys.readouterr().out
    options = lambda text: sorted(w for w in text.split() if w.startswith("--"))  # noqa: E731
    assert options(alias_help) == options(command_help)

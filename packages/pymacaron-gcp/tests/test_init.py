"""pymacaron_gcp: public surface, plug-in registration, light imports."""

import importlib.metadata
import subprocess
import sys

import pymacaron_gcp
from pymacaron.deploy.targets import available_targets, load_target


def test_public_names():
    assert pymacaron_gcp.__all__ == sorted(pymacaron_gcp.__all__)
    assert pymacaron_gcp.__version__ == importlib.metadata.version("pymacaron-gcp")  # __about__.py, as installed
    assert pymacaron_gcp.CloudRunTarget.name == "gcp-cloud-run"
    assert pymacaron_gcp.GkeTarget.name == "gke"


def test_deploy_targets_are_registered():
    targets = available_targets()
    assert {"gcp-cloud-run", "gke"} <= set(targets)
    assert type(load_target("gcp-cloud-run")).__name__ == "CloudRunTarget"
    assert type(load_target("gke")).__name__ == "GkeTarget"


def test_cli_plugin_and_dry_run_plans_import_no_sdk():
    code = ("import sys, pymacaron_gcp.cli, pymacaron_gcp.cloudrun, pymacaron_gcp.gke; "
            "print(sorted(m for m in sys.modules if m.startswith(('google.cloud', 'kubernetes'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _readme_blocks(lang):
    """The README's fenced blocks of language ``lang`` ('' for plain ones), in order."""
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "README.md")
    blocks, current, fence_lang = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                if current is None:
                    current, fence_lang = [], line[3:].strip()
                else:
                    if fence_lang == lang:
                        blocks.append("".join(current))
                    current = None
            elif current is not None:
                current.append(line)
    return blocks


def test_readme_configs_are_valid():
    import yaml

    from pymacaron_gcp._gke_settings import GkeSettings
    from pymacaron_gcp._run_spec import CloudRunSettings

    run_config, gke_config = (yaml.safe_load(block) for block in _readme_blocks("yaml"))
    s = CloudRunSettings.from_config(run_config)
    assert (s.project, s.memory, s.concurrency) == ("my-gcp-project", "1Gi", 80)
    g = GkeSettings.from_config(gke_config)
    assert (g.domain, g.cluster, g.memory) == ("api.helloworld.com", "hello", "1600Mi")


def test_readme_commands_exist(capsys):
    import pytest

    from pymacaron_gcp.cli import pymgcr, pymgke

    checked = 0
    for block in _readme_blocks(""):
        for line in block.splitlines():
            words = line.split("#")[0].split()
            if not words or words[0] not in ("pymgcr", "pymgke"):
                continue
            alias = pymgcr if words[0] == "pymgcr" else pymgke
            with pytest.raises(SystemExit):
                alias(["--help"])
            options = capsys.readouterr().out
            for word in words[1:]:
                if word.startswith("--"):
                    assert word in options, f"README: {line!r} uses {word}, which {words[0]} lacks"
                    checked += 1
    assert checked >= 7


def test_both_targets_plug_into_the_deploy_pipeline_dry_run(tmp_path):
    import os

    from gcp_testing import SECRET, write_service

    for target, expected in (("gcp-cloud-run", "create or update the Cloud Run service hello-staging"),
                             ("gke", "create or replace Deployment/hello: image gcr.io/my-project/hello:")):
        folder = tmp_path / target
        write_service(folder, deploy_target=target)
        env = dict(os.environ, PYM_JWT_SECRET=SECRET, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "service"]):
            subprocess.run(cmd, cwd=folder, env=env, check=True, timeout=60)
        out = subprocess.run([sys.executable, "-m", "pymacaron", "deploy", "--dry-run"], cwd=folder, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"deploy to {target}" in out.stdout and expected in out.stdout
        assert "push gcr.io/my-project/hello:" in out.stdout  # docker_repo is the GCP project: pushed to gcr.io
        assert SECRET not in out.stdout + out.stderr

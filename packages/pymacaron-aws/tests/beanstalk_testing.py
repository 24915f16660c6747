"""The helloworld example's configuration with AWS keys, and a deploy context recording acceptance runs."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pymacaron.deploy.targets import DeployContext, Progress

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "helloworld"
BUCKET = "hw-deploys"
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666"
AWS_KEYS = {
    "docker_repo": "pymacaron",
    "docker_bucket": BUCKET,
    "aws_user": "deployer",
    "aws_keypair": "aws-eb",
    "aws_instance_type": "t3.small",
}
# values that must never leave the process except as EB environment properties
SECRETS = {
    "PYM_JWT_SECRET": "jwt-" + uuid.uuid4().hex + uuid.uuid4().hex,
    "HW_PARTNER_API_KEY": "partner-" + uuid.uuid4().hex,
}


def helloworld_config(tmp_path, monkeypatch, **extra):
    """A tmp copy of examples/helloworld/pym-config.yaml plus the AWS keys, loaded (secrets exported)."""
    from pymacaron.config import load_config

    data = yaml.safe_load((EXAMPLE / "pym-config.yaml").read_text())
    assert "PYM_JWT_SECRET" in data["env_secrets"], "the example's config changed: update beanstalk_testing"
    data.update(AWS_KEYS)
    data["partner_api_key"] = "HW_PARTNER_API_KEY"
    data["env_secrets"] = list(data["env_secrets"]) + ["HW_PARTNER_API_KEY"]
    data.update(extra)
    folder = tmp_path / "helloworld"
    folder.mkdir(exist_ok=True)
    path = folder / "pym-config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return load_config(path=str(path))


@dataclass
class RecordingContext(DeployContext):
    """A pipeline's context whose acceptance step answers ``verdict`` and notes what was live then."""

    verdict: bool = True
    standin: object = None
    live_prefix: str = "helloworld"
    acceptance_calls: list = field(default_factory=list)

    def acceptance(self, url, no_ssl_check=True):
        live = self.standin.live_holder(self.live_prefix) if self.standin else None
        self.acceptance_calls.append({"url": url, "live": live})
        return self.verdict


def make_context(config, version, standin=None, verdict=True, **kwargs):
    out = io.StringIO()
    ctx = RecordingContext(folder=str(Path(config.config_path).parent), config=config, version=version,
                           image=f"pymacaron/{config.name}:{version}", progress=Progress(stream=out),
                           secrets={name: SECRETS[name] for name in config.env_secrets}, verdict=verdict,
                           standin=standin, **kwargs)
    ctx.output = out
    return ctx

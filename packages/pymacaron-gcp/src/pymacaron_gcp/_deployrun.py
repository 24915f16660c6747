"""What the Cloud Run and GKE deploy targets share."""

from pymacaron.deploy.targets import DeployError, DeployTarget
from pymacaron_gcp._settings import SettingsError, push_registry


class GcpTarget(DeployTarget):
    """Base of the Google Cloud targets: where images are pushed, which image to deploy."""

    def registry(self, config):
        """The registry ``pymacaron deploy`` pushes to (gcr.io for a bare project id in docker_repo)."""
        return push_registry(config)

    def _image(self, ctx, s):
        try:
            return ctx.image or s.registry.image(ctx.version, ctx.config)
        except SettingsError as e:
            raise DeployError(str(e)) from None



class DeployRun:
    """The state one deploy's steps share."""

    def __init__(self, target, ctx, settings, secrets):
        self.target, self.ctx, self.s, self.secrets = target, ctx, settings, secrets
        self.progress = ctx.progress
        self.current = None

    def step(self, title):
        self.current = title
        self.progress.step(title)

"""The state one deploy's steps share (Cloud Run and GKE)."""


class DeployRun:
    def __init__(self, target, ctx, settings, secrets):
        self.target, self.ctx, self.s, self.secrets = target, ctx, settings, secrets
        self.progress = ctx.progress
        self.current = None

    def step(self, title):
        self.current = title
        self.progress.step(title)

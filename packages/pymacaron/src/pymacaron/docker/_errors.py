"""The error of Docker packaging."""


class DockerError(Exception):
    """Packaging or talking to the Docker engine failed; the message says what to fix."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code

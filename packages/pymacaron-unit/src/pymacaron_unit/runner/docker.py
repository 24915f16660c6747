"""The ``--image ID`` target: run the service's Docker image, test it, kill it.

``docker run -d --rm -P -e PORT=80 -e PYM_ENV=<env> -e <SECRET> ... <image>``: each variable of
``env_secrets`` is passed by NAME only (docker copies its value from our environment), so no
secret value is ever on a command line or printed (the original echoed them). The container's
port 80 is published on a free port of 127.0.0.1, the runner waits (bounded) for /ping, and the
container is killed at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO

import shutil
import subprocess
import sys
import time

from pymacaron_unit.runner.errors import RunnerError
from pymacaron_unit.runner.local import POLL_INTERVAL, ping

DOCKER_TIMEOUT = 60.0
INFO_TIMEOUT = 20.0
CONTAINER_PORT = 80


def _docker(*args, timeout=DOCKER_TIMEOUT, environ=None):
    try:
        return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, env=environ,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise RunnerError(_NO_DOCKER) from None
    except subprocess.TimeoutExpired:
        raise RunnerError(f"'docker {args[0]}' did not answer within {timeout:g} s: is the Docker engine "
                          "healthy? (try 'docker info')") from None


_NO_DOCKER = ("--image needs Docker, and the 'docker' command is not installed: install Docker "
              "(https://docs.docker.com/engine/install/), or test a running service with --local or --host")


def _last_line(done):
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return lines[-1].strip() if lines else f"exit status {done.returncode}"


def check_engine(environ: Mapping[str, str] | None = None) -> None:
    """RunnerError, saying what to do, when there is no docker command or no engine answering it."""
    if shutil.which("docker", path=(environ or {}).get("PATH")) is None:
        raise RunnerError(_NO_DOCKER)
    done = _docker("info", "--format", "{{.ServerVersion}}", timeout=INFO_TIMEOUT, environ=environ)
    if done.returncode != 0 or not done.stdout.strip():
        raise RunnerError(f"--image needs a running Docker engine, and none answers ({_last_line(done)}): start "
                          "Docker (e.g. 'sudo systemctl start docker', or Docker Desktop), or test a running service "
                          "with --local or --host")


class DockerService:
    """Context manager -> ``self`` with ``host`` and ``port`` of the running container."""

    def __init__(self, image: str, pym_env: str | None = "dev", secret_names: Iterable[str] = (),
                 environ: Mapping[str, str] | None = None, start_timeout: float = 60.0, out: IO[str] | None = None):
        self.image = image
        self.pym_env = pym_env or "dev"
        self.secret_names = list(secret_names)
        self.environ = environ
        self.start_timeout = start_timeout
        self.out = out or sys.stdout
        self.host = "127.0.0.1"
        self.port = None
        self.container = None

    def command(self) -> list[str]:
        """The ``docker run`` arguments: a free local port, PORT, PYM_ENV, the secrets by name."""
        cmd = ["run", "-d", "--rm", "-p", f"127.0.0.1::{CONTAINER_PORT}", "-e", f"PORT={CONTAINER_PORT}",
               "-e", f"PYM_ENV={self.pym_env}"]
        for name in self.secret_names:
            cmd += ["-e", name]  # by name: docker takes the value from our environment
        return cmd + [self.image]

    def __enter__(self):
        check_engine(self.environ)
        missing = [n for n in self.secret_names if not (self.environ or {}).get(n)]
        if missing:
            raise RunnerError(f"env_secrets of pym-config.yaml not set in the environment: {', '.join(missing)}; "
                              "export them before testing the image")
        self._say(f"starting the image: docker {' '.join(self.command())}")
        done = _docker(*self.command(), environ=self.environ)
        if done.returncode != 0:
            raise RunnerError(f"cannot start the image {self.image}: {_last_line(done)}")
        self.container = done.stdout.strip().splitlines()[-1]
        try:
            self.port = self._published_port()
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def _published_port(self):
        done = _docker("port", self.container, str(CONTAINER_PORT), environ=self.environ)
        if done.returncode != 0 or ":" not in done.stdout:
            raise RunnerError(f"cannot find the port of container {self.container[:12]}: {_last_line(done)}")
        return int(done.stdout.strip().splitlines()[0].rsplit(":", 1)[1])

    def _wait(self):
        url = f"http://{self.host}:{self.port}"
        deadline = time.monotonic() + self.start_timeout
        while ping(url) != 200:
            state = _docker("inspect", "-f", "{{.State.Running}}", self.container, environ=self.environ)
            if state.returncode != 0 or state.stdout.strip() != "true":
                raise RunnerError(f"the container of {self.image} stopped before answering /ping:\n{self._logs()}")
            if time.monotonic() > deadline:
                raise RunnerError(f"the container of {self.image} did not answer {url}/ping within "
                                  f"{self.start_timeout:g} s:\n{self._logs()}")
            time.sleep(POLL_INTERVAL)
        self._say(f"the container answers {url}/ping")

    def _logs(self):
        done = _docker("logs", "--tail", "40", self.container, environ=self.environ)
        return (done.stdout + done.stderr).strip() or "(no output)"

    def stop(self) -> None:
        """Kill the container (it was started with --rm)."""
        if self.container:
            container, self.container = self.container, None
            _docker("kill", container, environ=self.environ)
            self._say(f"killed the container {container[:12]}")

    def _say(self, text):
        print(f"pymacaron test: {text}", file=self.out, flush=True)

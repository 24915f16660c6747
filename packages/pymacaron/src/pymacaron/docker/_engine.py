"""Talking to the Docker engine through the ``docker`` command (``$PYM_DOCKER`` names another one).

No secret ever goes on a docker command line: images hold none, and containers get
``env_secrets`` by NAME (``-e NAME``: docker copies the value from its own environment).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pymacaron.docker._errors import DockerError

INFO_TIMEOUT = 30.0
BUILD_TIMEOUT = 3600.0
PUSH_TIMEOUT = 1800.0
SHORT_TIMEOUT = 60.0

NO_ENGINE = 3  # exit status: packaging needs an engine that is not there


class Engine:
    """The ``docker`` command; output of long commands goes to ``out`` line by line."""

    def __init__(self, command=None, out=None, debug=False):
        self.command = command or os.environ.get("PYM_DOCKER") or "docker"
        self.out = out or sys.stdout
        self.debug = debug

    def _echo(self, args):
        if self.debug:
            self.out.write(f"$ {self.command} {' '.join(args)}\n")
            self.out.flush()

    def run(self, *args, timeout=SHORT_TIMEOUT):
        """``docker <args>`` -> CompletedProcess (text, captured)."""
        self._echo(args)
        try:
            return subprocess.run([self.command, *args], capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise DockerError(self._missing(), exit_code=NO_ENGINE) from None
        except subprocess.TimeoutExpired:
            raise DockerError(f"'docker {args[0]}' did not finish within {timeout:g} s: is the Docker engine "
                              "healthy? (try 'docker info')") from None

    def stream(self, *args, timeout=BUILD_TIMEOUT):
        """``docker <args>`` with its output copied to ``out`` -> (exit status, last lines)."""
        self._echo(args)
        try:
            proc = subprocess.Popen([self.command, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise DockerError(self._missing(), exit_code=NO_ENGINE) from None
        tail = []
        try:
            for line in proc.stdout:
                self.out.write(f"    {line}" if not line.startswith("    ") else line)
                tail = (tail + [line.rstrip()])[-10:]
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise DockerError(f"'docker {args[0]}' did not finish within {timeout:g} s") from None
        finally:
            self.out.flush()
        return proc.returncode, tail

    def _missing(self):
        return (f"no Docker engine: the '{self.command}' command is not installed (or not on PATH). Install "
                "Docker (https://docs.docker.com/engine/install/), or write the build context only with "
                "--output DIR --no-build")

    def check(self):
        """DockerError (exit status 3) saying what to do when no engine answers."""
        if shutil.which(self.command) is None:
            raise DockerError(self._missing(), exit_code=NO_ENGINE)
        done = self.run("info", "--format", "{{.ServerVersion}}", timeout=INFO_TIMEOUT)
        if done.returncode != 0 or not done.stdout.strip():
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise DockerError("no Docker engine is reachable (" + (detail[-1] if detail else "no answer")
                              + "): start Docker (e.g. 'sudo systemctl start docker', or Docker Desktop), or "
                              "write the build context only with --output DIR --no-build", exit_code=NO_ENGINE)
        return done.stdout.strip()

    def build(self, context, tags):
        args = ["build"]
        for tag in tags:
            args += ["--tag", tag]
        code, tail = self.stream(*args, context)
        if code != 0:
            raise DockerError(f"docker build failed (exit status {code}): " + (tail[-1] if tail else "no output"))

    def images(self, repository):
        """The ``repository:tag`` of the local images of ``repository``."""
        done = self.run("images", "--format", "{{.Repository}}:{{.Tag}}", repository)
        if done.returncode != 0:
            raise DockerError(f"docker images failed: {(done.stderr or done.stdout).strip()}")
        return [line.strip() for line in done.stdout.splitlines() if line.strip()]

    def exists(self, ref):
        return self.run("image", "inspect", "--format", "{{.Id}}", ref).returncode == 0

    def tag(self, source, target):
        done = self.run("tag", source, target)
        if done.returncode != 0:
            raise DockerError(f"docker tag {source} {target} failed: {(done.stderr or done.stdout).strip()}")

    def push(self, ref):
        code, tail = self.stream("push", ref, timeout=PUSH_TIMEOUT)
        if code != 0:
            last = tail[-1] if tail else "no output"
            hint = " (log in first: docker login <registry>)" if "auth" in last.lower() or "denied" in last.lower() \
                else ""
            raise DockerError(f"docker push {ref} failed: {last}{hint}")

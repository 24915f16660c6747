"""Helpers for tests/test_install_*.py: a copy of the repository, a clean environment, our wheels.

- :func:`repo_copy`: the repository's files (tracked and untracked, not the ignored ones), copied;
- :func:`clean_env`: an environment with a HOME of its own and nothing of the test environment on
  PATH (``python3`` is the interpreter the test env was made from); pip's and uv's caches stay the
  machine's, so that PyPI is not downloaded again at every run;
- :func:`build_wheels`: the wheels of our packages, built by their backend (as ``pymacaron docker``
  builds local wheels).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def repo_copy(dest: Path) -> Path:
    """The files git sees in this clone (committed or not, ignored ones left out), copied to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def base_python() -> str:
    """The interpreter the test environment was made from (what `python3` is on this machine for it)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def user_caches() -> dict[str, str]:
    home = os.path.expanduser("~")
    return {
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR") or os.path.join(home, ".cache", "pip"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or os.path.join(home, ".cache", "uv"),
    }


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's shell: HOME=``home``, PATH = ``python3`` + the system's folders, no virtualenv, no pip/uv/nox
    settings, no PYM_* variable; pip's and uv's caches shared with the machine."""
    bin_dir = home / ".test-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("python3",):
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(base_python())
    env = {k: v for k, v in os.environ.items()
           if k in ("LANG", "LC_ALL", "TERM", "TMPDIR", "CI", "http_proxy", "https_proxy", "no_proxy",
                    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
    env.update(user_caches())
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{SYSTEM_PATH}", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def build_wheels(dest: Path) -> list[str]:
    """The wheel of each of our packages in ``dest`` -> their file names."""
    from pymacaron.docker._wheels import build_local_wheels

    sources = {p.name: str(p) for p in sorted(PACKAGES.iterdir()) if (p / "pyproject.toml").is_file()}
    build_local_wheels(sources, str(dest), lambda text: None)
    return sorted(p.name for p in dest.glob("*.whl"))

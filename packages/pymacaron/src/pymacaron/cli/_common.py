"""Helpers shared by the subcommands: errors, git, finding and reading pym-config.yaml."""

from __future__ import annotations

import os
import subprocess

GIT_TIMEOUT = 30
CONFIG_STEM = "pym-config"


class CommandError(Exception):
    """A command cannot do its job: ``main`` prints ``ERROR: <message>`` and exits ``exit_code``."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


def summary(doc):
    """The first paragraph of a module docstring, as plain text (for --help)."""
    return " ".join(doc.split("\n\n")[0].replace("``", "").split())


def git(*args, cwd=None):
    """Run ``git <args>`` -> its stdout (stripped); CommandError when git fails or is missing."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise CommandError("git is not installed (or not on PATH): install git") from None
    except subprocess.TimeoutExpired:
        raise CommandError(f"'git {' '.join(args)}' did not finish within {GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise CommandError(f"'git {' '.join(args)}' failed: {detail[-1] if detail else 'exit %d' % done.returncode}")
    return done.stdout.strip()


def git_root(cwd=None, required=True):
    """The top folder of the git clone holding ``cwd`` (None outside one when not ``required``)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    try:
        return os.path.normpath(git("rev-parse", "--show-toplevel", cwd=cwd))
    except CommandError as e:
        if required:
            raise CommandError(f"{cwd} is not inside a git repository ({e}); run this from the service's "
                               "git clone (or 'git init' it)") from None
        return None


def config_search_dirs(cwd=None):
    """Where pym-config.yaml may be: ``cwd``, then each parent up to the git root (``cwd`` alone outside git)."""
    here = os.path.abspath(cwd or os.getcwd())
    root = git_root(here, required=False)
    dirs = [here]
    if root is None:
        return dirs
    root = os.path.realpath(root)
    current = here
    while os.path.realpath(current) != root:
        parent = os.path.dirname(current)
        if parent == current:  # the git root is not above cwd (symlinks): stop at cwd
            return [here]
        current = parent
        dirs.append(current)
    return dirs


def config_file_names(env=None):
    env = env if env is not None else os.environ.get("PYM_ENV")
    return ([f"{CONFIG_STEM}.{env}.yaml"] if env else []) + [f"{CONFIG_STEM}.yaml"]


def find_config_file(env=None, cwd=None):
    """The pym-config file for ``env`` (``pym-config.<env>.yaml`` preferred, else ``pym-config.yaml``).

    Raises CommandError("cannot find config file ...") listing the places searched.
    """
    names = config_file_names(env)
    searched = []
    for folder in config_search_dirs(cwd):
        for name in names:
            path = os.path.join(folder, name)
            searched.append(path)
            if os.path.isfile(path):
                return path
    raise CommandError("cannot find config file (looked for " + ", ".join(searched) + "); create "
                       "pym-config.yaml at the root of the service's git clone")


def read_config_file(path):
    """The raw yaml mapping of a pym-config file: no defaults, no env secret substituted."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CommandError(f"{path}{where}: invalid YAML: {getattr(e, 'problem', None) or e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CommandError(f"{path}: the configuration must be a YAML mapping (key: value lines), "
                           f"not a {type(data).__name__}")
    return data

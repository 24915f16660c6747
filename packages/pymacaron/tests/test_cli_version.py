"""``pymversion`` / ``pymacaron version``: YYMMDD-HHMM-<commit count>-<sha[:6]> of the current clone."""

import datetime
import os
import re

import pytest
from cli_testing import cli, git, git_repo

TAG = re.compile(r"^(\d{6}-\d{4})-(\d+)-([0-9a-f]{6})\n$")


def _minutes_around_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return {f"{now + datetime.timedelta(minutes=m):%y%m%d-%H%M}" for m in (-1, 0, 1)}


@pytest.mark.parametrize("command", [("pymversion",), ("pymacaron", "version")])
def test_version_tag(tmp_path, command):
    repo = git_repo(tmp_path, commits=3)
    sha = git(repo, "rev-parse", "HEAD")
    done = cli(*command, cwd=repo)
    assert done.returncode == 0, done.stderr
    stamp, count, short = TAG.match(done.stdout).groups()
    assert (count, short) == ("3", sha[:6])
    assert stamp in _minutes_around_now()  # UTC date and time of the call


def test_from_a_subfolder_counts_the_whole_history(tmp_path):
    repo = git_repo(tmp_path, {"pkg/mod.py": "x = 1\n"}, commits=2)
    done = cli("pymversion", cwd=os.path.join(repo, "pkg"))
    assert TAG.match(done.stdout).group(2) == "2"


def test_outside_git_is_a_clear_error(tmp_path):
    done = cli("pymversion", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ERROR: ") and "is not inside a git repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_repository_without_commits(tmp_path):
    git_repo(tmp_path, commits=0)
    done = cli("pymversion", cwd=tmp_path)
    assert done.returncode == 1 and "has no commit yet" in done.stderr


def test_bad_arguments_exit_2(tmp_path):
    done = cli("pymversion", "--bogus", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage: pymversion")
    done = cli("pymacaron", "version", "extra", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage: pymacaron version")

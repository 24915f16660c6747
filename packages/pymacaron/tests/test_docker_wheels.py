"""pymacaron.docker._wheels: the local wheels and the wheel cache (the whole packaging: test_docker_package.py)."""

import os
import shutil
import zipfile

import pytest

from pymacaron.docker import DockerError
from pymacaron.docker import _wheels

PROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "{backend}"

[project]
name = "pym-wheel-probe"
version = "1.2.3"
requires-python = ">=3.10"

[tool.hatch.build.targets.wheel]
packages = ["src/pym_wheel_probe"]
"""


def probe(folder, backend="hatchling.build"):
    os.makedirs(folder / "src" / "pym_wheel_probe")
    (folder / "src" / "pym_wheel_probe" / "__init__.py").write_text("X = 1\n")
    (folder / "pyproject.toml").write_text(PROJECT.format(backend=backend))
    return str(folder)


def contents(wheel):
    with zipfile.ZipFile(wheel) as z:
        return sorted(n for n in z.namelist() if not n.endswith("RECORD"))


def test_local_wheels_are_built_by_their_backend_in_one_process(tmp_path):
    """The backend installed here builds them (no pip): the same wheel pip would build."""
    sources = {"pym-wheel-probe": probe(tmp_path / "src")}
    notes = []
    _wheels.build_local_wheels(sources, str(tmp_path / "direct"), notes.append)
    assert notes == ["building wheels of pym-wheel-probe"]
    assert os.listdir(tmp_path / "direct") == ["pym_wheel_probe-1.2.3-py3-none-any.whl"]
    done = _wheels._pip(["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path / "pip"),
                         sources["pym-wheel-probe"]])
    assert done.returncode == 0, done.stderr
    assert contents(tmp_path / "direct" / "pym_wheel_probe-1.2.3-py3-none-any.whl") == \
        contents(tmp_path / "pip" / "pym_wheel_probe-1.2.3-py3-none-any.whl")


def test_a_backend_that_is_not_here_goes_through_pip_and_its_failure_is_named(tmp_path):
    assert _wheels._backend(probe(tmp_path / "src", backend="no_such_backend.build")) is None
    with pytest.raises(DockerError, match="building the local pymacaron wheels failed:"):
        _wheels.build_local_wheels({"pym-wheel-probe": str(tmp_path / "src")}, str(tmp_path / "out"), print)


def test_a_wheel_enters_the_cache_whole(tmp_path, monkeypatch):
    """Parallel packagings share the cache: a wheel appears there under its name only once complete."""
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"w" * 100_000)
    cache = tmp_path / "cache"
    cache.mkdir()
    seen = []
    real_copy = shutil.copy2

    def copy_and_look(src, dst):
        real_copy(src, dst)
        seen.append(sorted(os.listdir(cache)))  # what a concurrent pip would find now

    monkeypatch.setattr(_wheels.shutil, "copy2", copy_and_look)
    _wheels._add_to_cache(str(wheel), str(cache))
    assert seen and not [name for name in seen[0] if name.endswith(".whl")]
    assert os.listdir(cache) == [wheel.name] and (cache / wheel.name).read_bytes() == wheel.read_bytes()


def test_a_missing_pymacaron_wheel_is_named_with_how_to_build_it(tmp_path, monkeypatch):
    """pip's own failure when a pymacaron wheel is nowhere (PyMacaron 3 installed from wheels, none in
    PIP_FIND_LINKS) becomes a message saying so, instead of the resolver's output."""
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    done = _wheels._pip(["wheel", "--no-index", "--find-links", str(tmp_path), "--wheel-dir", str(tmp_path / "out"),
                         "pymacaron-core==3.9.9"])
    assert done.returncode != 0
    assert _wheels.missing_ours(done.stdout + done.stderr) == "pymacaron-core==3.9.9"
    # as packaging runs it: the installed versions are constraints too, and pip reports a resolution conflict
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("pymacaron-core==3.9.9\n")
    done = _wheels._pip(["wheel", "--no-index", "--find-links", str(tmp_path), "--wheel-dir", str(tmp_path / "out"),
                         "--constraint", str(constraints), "pymacaron-core==3.9.9"])
    assert done.returncode != 0 and "No matching distribution found" not in done.stdout + done.stderr
    assert _wheels.missing_ours(done.stdout + done.stderr) == "pymacaron-core==3.9.9", done.stdout + done.stderr
    assert _wheels.missing_ours("ERROR: No matching distribution found for flask==9.9") is None
    # pip 23 (ensurepip's, in a `python3 -m venv`) says only this much; and when pymacaron's wheel is
    # found but not pymacaron-core's, the one missing is the dependency
    older = ("ERROR: Cannot install pymacaron==3.9.9 because these package versions have conflicting dependencies.\n\n"
             "The conflict is caused by:\n    The user requested pymacaron==3.9.9\n"
             "    The user requested (constraint) pymacaron==3.9.9\n\nTo fix this you could try to:\n")
    assert _wheels.missing_ours(older) == "pymacaron==3.9.9"
    dependency = ("The conflict is caused by:\n    The user requested (constraint) pymacaron-core==3.9.9\n"
                  "    pymacaron 3.9.9 depends on pymacaron-core==3.9.9\n\nTo fix this you could try to:\n")
    assert _wheels.missing_ours(dependency) == "pymacaron-core==3.9.9"
    third_party = ("The conflict is caused by:\n    The user requested flask==1.0\n"
                   "    pymacaron 3.9.9 depends on flask>=2.3\n")
    assert _wheels.missing_ours(third_party) is None
    dists = {"pymacaron-core": _wheels.Installed(None, "pymacaron-core", "3.9.9")}
    message = _wheels.missing_wheel_message("pymacaron-core==3.9.9", dists)
    assert message == (f"no wheel of pymacaron-core==3.9.9 to put in the image: pymacaron-core 3.9.9 is installed here "
                       f"from a wheel, not from a source folder, and the package index does not have that version "
                       f"(PIP_FIND_LINKS is '{tmp_path}', which holds none). Build the PyMacaron wheels (nox -s wheels, "
                       "in a clone of the pymacaron repository) and point PIP_FIND_LINKS at them, as for pip install: "
                       "export PIP_FIND_LINKS=<clone>/dist")
    monkeypatch.delenv("PIP_FIND_LINKS")
    assert "(PIP_FIND_LINKS is not set)" in _wheels.missing_wheel_message("pymacaron-core==3.9.9", dists)

"""pymacaron.docker._requirements: the one dependency file the image installs from, or a refusal naming it.

(The packaging that uses it, with a Pipfile.lock: test_docker_package.py.)
"""

import json

import pytest

from pymacaron.docker import DockerError
from pymacaron.docker._requirements import declared_dependencies

PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
pymacaron = "*"
pyyaml = ">=6.0"
requests = {version = "==2.32.3", extras = ["socks"]}
colorama = {version = "*", markers = "sys_platform == 'win32'"}

[dev-packages]
pytest = "*"
"""
LOCK = {
    "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
    "default": {
        "pyyaml": {"hashes": ["sha256:00"], "index": "pypi", "version": "==6.0.2"},
        "requests": {"extras": ["socks"], "hashes": ["sha256:11"], "version": "==2.32.3"},
        "colorama": {"markers": "sys_platform == 'win32'", "version": "==0.4.6"},
    },
    "develop": {"pytest": {"version": "==8.3.0"}},
}
PYPROJECT = """\
[project]
name = "svc"
version = "1"
dependencies = ["pyyaml>=6", "requests[socks]==2.32.3"]

[tool.ruff]
line-length = 100
"""


def files(folder, **named):
    for name, text in named.items():
        name = {"Pipfile_lock": "Pipfile.lock", "requirements_txt": "requirements.txt",
                "pyproject_toml": "pyproject.toml", "setup_py": "setup.py", "uv_lock": "uv.lock"}.get(name, name)
        (folder / name).write_text(text if isinstance(text, str) else json.dumps(text))
    return str(folder)


def test_nothing_declared(tmp_path):
    declared = declared_dependencies(files(tmp_path, **{"README": "x"}))
    assert (declared.source, declared.requirements, declared.requirements_file) == (None, [], None)
    assert declared.describe().startswith("the service declares no dependencies")


def test_requirements_txt_goes_to_pip_as_it_is(tmp_path):
    declared = declared_dependencies(files(tmp_path, requirements_txt="-r base.txt\npyyaml\n"))
    assert declared.source == "requirements.txt" and declared.requirements == []
    assert declared.requirements_file == str(tmp_path / "requirements.txt")
    assert declared.describe() == "the service's dependencies: requirements.txt"


def test_pipfile_packages(tmp_path):
    declared = declared_dependencies(files(tmp_path, Pipfile=PIPFILE))
    assert declared.source == "Pipfile"
    assert declared.requirements == ["pymacaron", "pyyaml>=6.0", "requests[socks]==2.32.3",
                                     "colorama; sys_platform == 'win32'"]  # dev-packages are not the image's
    assert declared.describe() == "the service's dependencies: Pipfile (4 packages)"


def test_the_lock_wins_over_its_pipfile(tmp_path):
    declared = declared_dependencies(files(tmp_path, Pipfile=PIPFILE, Pipfile_lock=LOCK))
    assert declared.source == "Pipfile.lock"
    assert declared.requirements == ["colorama==0.4.6; sys_platform == 'win32'", "pyyaml==6.0.2",
                                     "requests[socks]==2.32.3"]


def test_pyproject_dependencies_and_a_tool_only_pyproject(tmp_path):
    assert declared_dependencies(files(tmp_path, pyproject_toml=PYPROJECT)).requirements == \
        ["pyyaml>=6", "requests[socks]==2.32.3"]
    # a pyproject.toml holding tool configuration only declares nothing: requirements.txt is the one
    declared = declared_dependencies(files(tmp_path, pyproject_toml="[tool.ruff]\nline-length = 100\n",
                                           requirements_txt="pyyaml\n"))
    assert declared.source == "requirements.txt"


@pytest.mark.parametrize("named, message", [
    ({"requirements_txt": "pyyaml\n", "Pipfile": PIPFILE},
     "the service declares its dependencies in both requirements.txt and Pipfile: the image installs from one "
     "file only, so keep one, or name the one the image installs from in pym-config.yaml ('docker_requirements:"),
    ({"requirements_txt": "pyyaml\n", "pyproject_toml": PYPROJECT}, "in both requirements.txt and pyproject.toml"),
    ({"requirements_txt": "pyyaml\n", "setup_py": "from setuptools import setup\n"},
     "setup.py declares dependencies that packaging does not read, so the image would miss them: list the "
     "service's dependencies in requirements.txt (setup.py is not run)"),
    ({"pyproject_toml": PYPROJECT, "uv_lock": "version = 1\n"}, "uv.lock declares dependencies that packaging does "
                                                                "not read, so the image would miss them: export them: uv export"),
    ({"Pipfile_lock": LOCK}, "Pipfile.lock is committed without its Pipfile: commit both"),
    ({"pyproject_toml": "[tool.poetry.dependencies]\npython = '^3.11'\nflask = '^3'\n"},
     "pyproject.toml: Poetry's [tool.poetry.dependencies] are not read by packaging: export them: poetry export"),
    ({"pyproject_toml": "[project]\nname = 'svc'\ndynamic = ['version', 'dependencies']\n"},
     "pyproject.toml: its dependencies are dynamic"),
    ({"Pipfile": "[packages]\nlib = {git = 'https://example.com/lib.git', ref = 'v1'}\n"},
     "Pipfile: lib comes from a git ('https://example.com/lib.git'), which packaging cannot turn into a pinned wheel"),
    ({"Pipfile": "[[source]]\nurl = 'https://pkgs.example.com/simple'\nname = 'ours'\n[packages]\nx = '*'\n"},
     "the package index https://pkgs.example.com/simple ([[source]] 'ours') is not used by packaging"),
    ({"Pipfile": "[packages\n"}, "Pipfile: cannot be read as TOML"),
])
def test_what_the_image_would_miss_stops_packaging(tmp_path, named, message):
    with pytest.raises(DockerError) as e:
        declared_dependencies(files(tmp_path, **named))
    assert message in str(e.value)


def test_docker_requirements_names_the_one(tmp_path):
    folder = files(tmp_path, requirements_txt="pyyaml\n", Pipfile=PIPFILE, setup_py="")
    assert declared_dependencies(folder, "Pipfile").source == "Pipfile"
    assert declared_dependencies(folder, "requirements.txt").requirements_file.endswith("requirements.txt")
    with pytest.raises(DockerError, match="pym-config.yaml: docker_requirements 'setup.py' is not a file packaging "
                                          "reads: use one of requirements.txt, Pipfile.lock, Pipfile, pyproject.toml"):
        declared_dependencies(folder, "setup.py")
    with pytest.raises(DockerError, match="docker_requirements is pyproject.toml, which is not among the service's"):
        declared_dependencies(folder, "pyproject.toml")

"""pymacaron.docker._context and _project: what goes into the image, read from a real git clone."""

import os

import pytest
from cli_testing import git, git_repo
from docker_testing import service_repo

from pymacaron.docker import DockerError, find_secrets, load_project
from pymacaron.docker._context import export_service


def export(folder, tmp_path, version="v1"):
    project = load_project(folder)
    notes = []
    files = export_service(project, str(tmp_path / "app"), version, notes.append)
    return files, notes


def test_tests_are_left_out_and_apis_and_version_are_in(tmp_path):
    repo = service_repo(tmp_path / "svc", files={
        "test/test_unit.py": "def test(): pass\n", "tests/x.py": "", "testaccept/test_a.py": "",
        "apis/svc.yaml": "swagger: '2.0'\n", "svc/api.py": "X = 1\n", "docs/test/keep.txt": "nested test/ kept\n"})
    with open(os.path.join(repo, "apis", "generated.yaml"), "w") as f:
        f.write("swagger: '2.0'\n")  # not committed: shipped anyway (apis/ is always in)
    with open(os.path.join(repo, "svc", "draft.py"), "w") as f:
        f.write("uncommitted = True\n")  # not committed: not shipped (the image is HEAD)
    files, notes = export(repo, tmp_path, version="240101-1200-3-abcdef")
    assert "server.py" in files and "pym-config.yaml" in files and "svc/api.py" in files
    assert "apis/svc.yaml" in files and "apis/generated.yaml" in files
    assert "docs/test/keep.txt" in files
    assert not [f for f in files if f.split("/")[0] in ("test", "tests", "testaccept")]
    assert "svc/draft.py" not in files
    assert (tmp_path / "app" / "VERSION").read_text() == "240101-1200-3-abcdef\n"
    assert any("apis/generated.yaml" in n for n in notes)


def test_a_service_in_a_subfolder_of_the_clone(tmp_path):
    repo = git_repo(tmp_path / "mono", {"README": "monorepo\n", "other/x.py": ""})
    service_repo(tmp_path / "mono" / "services" / "svc", files={"svc/a.py": ""})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "service")
    files, _ = export(os.path.join(repo, "services", "svc"), tmp_path)
    assert "server.py" in files and "svc/a.py" in files
    assert "README" not in files and not any(f.startswith("other/") for f in files)


def test_include_links_are_copied_dereferenced_without_bytecode(tmp_path):
    lib = tmp_path / "sibling" / "sharedlib"
    (lib / "__pycache__").mkdir(parents=True)
    (lib / "__init__.py").write_text("SHARED = 1\n")
    (lib / "mod.pyc").write_bytes(b"\0")
    (lib / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    folder = tmp_path / "svc"
    folder.mkdir()
    os.symlink(lib, folder / "sharedlib")
    repo = service_repo(folder, extra_config="include_links:\n  - sharedlib\n")
    files, notes = export(repo, tmp_path)
    assert "sharedlib/__init__.py" in files
    assert not [f for f in files if f.endswith(".pyc") or "__pycache__" in f]
    assert not os.path.islink(tmp_path / "app" / "sharedlib")
    assert any("included sharedlib" in n for n in notes)


def test_a_missing_include_link_names_the_entry(tmp_path):
    repo = service_repo(tmp_path / "svc", extra_config="include_links: [nowhere]\n")
    with pytest.raises(DockerError, match=r"include_links entry 'nowhere'.*does not exist"):
        export(repo, tmp_path)


def test_a_link_out_of_the_service_is_copied_and_a_dangling_one_is_an_error(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "shared.yaml").write_text("swagger: '2.0'\n")
    folder = tmp_path / "svc"
    (folder / "apis").mkdir(parents=True)
    os.symlink(tmp_path / "specs" / "shared.yaml", folder / "apis" / "shared.yaml")
    repo = service_repo(folder)
    files, _ = export(repo, tmp_path)
    assert "apis/shared.yaml" in files and not os.path.islink(tmp_path / "app" / "apis" / "shared.yaml")

    (tmp_path / "specs" / "shared.yaml").unlink()
    with pytest.raises(DockerError, match=r"apis/shared.yaml is a symlink to .* which does not exist"):
        export(repo, tmp_path / "again")


def test_server_py_must_be_committed(tmp_path):
    repo = git_repo(tmp_path / "svc", {"pym-config.yaml": "name: svc\ndocker_repo: acme\n"})
    with pytest.raises(DockerError, match="server.py is not committed"):
        export(repo, tmp_path)


def test_a_clone_without_commit_says_so(tmp_path):
    folder = tmp_path / "svc"
    folder.mkdir()
    git(str(folder), "init", "-q")
    (folder / "pym-config.yaml").write_text("name: svc\n")
    with pytest.raises(DockerError, match="commit the service first"):
        export(str(folder), tmp_path)


@pytest.mark.parametrize("config, message", [
    ("live_host: x\n", r"has no 'name' key"),
    ("name: My Service\n", r"name 'My Service' cannot be part of a Docker image name"),
    ("name: svc\ndocker_repo: Acme!\n", r"docker_repo 'Acme!' cannot be part"),
    ("name: svc\ninclude_links: 3\n", r"'include_links' must be a list of names"),
])
def test_config_errors_name_the_key(tmp_path, config, message):
    repo = git_repo(tmp_path / "svc", {"pym-config.yaml": config, "server.py": ""})
    with pytest.raises(DockerError, match=message):
        load_project(repo)


def test_the_image_needs_docker_repo_and_a_valid_version(tmp_path):
    repo = git_repo(tmp_path / "svc", {"pym-config.yaml": "name: svc\n", "server.py": ""})
    project = load_project(repo)
    with pytest.raises(DockerError, match=r"has no 'docker_repo' key: add e.g. 'docker_repo: mycompany'"):
        project.image("v1")
    project.docker_repo = "acme"
    assert project.image("240101-1200-3-abcdef") == "acme/svc:240101-1200-3-abcdef"
    with pytest.raises(DockerError, match="is not a valid Docker tag"):
        project.image("no spaces allowed")


def test_env_selects_the_config_file(tmp_path):
    repo = service_repo(tmp_path / "svc", files={"pym-config.staging.yaml": "name: svc-staging\ndocker_repo: acme\n"})
    assert load_project(repo).name == "svc"
    project = load_project(repo, env="staging")
    assert project.name == "svc-staging" and project.env == "staging"


def test_find_secrets_names_the_variable_and_file_never_the_value(tmp_path):
    (tmp_path / "a").mkdir()
    value = "s3cr3t-value-for-tests"
    (tmp_path / "a" / "settings.cfg").write_text(f"key = {value}\n")
    (tmp_path / "clean.txt").write_text("nothing here\n")
    (tmp_path / "pkg.whl").write_text(value)  # wheels are not scanned
    environ = {"MY_SECRET": value, "SHORT": "1", "UNSET_ONE": ""}
    found = find_secrets(str(tmp_path), ["MY_SECRET", "SHORT", "UNSET_ONE", "NOT_IN_ENV"], environ)
    assert found == [("MY_SECRET", os.path.join("a", "settings.cfg"))]
    assert value not in repr(found)

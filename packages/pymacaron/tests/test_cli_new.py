"""``pymacaron new``: the folder it writes runs its own tests as written, with the real console script."""

import os
import subprocess
import sys

import pytest
import yaml
from cli_testing import cli, clean_env

from pymacaron.cli import main
from pymacaron.cli.new import render_service, requirement_range

SERVICE_TIMEOUT = 180


def service_env():
    """The environment a user's shell would give: no PYM_* settings, no pytest-in-pytest variables."""
    env = clean_env()
    for key in [k for k in env if k.startswith("PYTEST_")]:
        del env[key]
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def new(cwd, *args):
    return cli("pymacaron", "new", *args, cwd=cwd, env=service_env())


def run_pytest(folder):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=str(folder),
                          env=service_env(), capture_output=True, text=True, timeout=SERVICE_TIMEOUT)


@pytest.fixture(scope="module")
def async_service(tmp_path_factory):
    """A service made with every option: --with-async --target gke."""
    cwd = tmp_path_factory.mktemp("new")
    done = new(cwd, "shop-api", "--with-async", "--target", "gke")
    assert done.returncode == 0, done.stderr
    return cwd / "shop-api", done


def test_new_writes_a_complete_service(async_service):
    folder, done = async_service
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == [".gitignore", "README.md", "apis/shop-api.yaml", "pym-config.yaml", "pytest.ini",
                     "requirements.txt", "server.py", "shop_api/__init__.py", "shop_api/api.py",
                     "shop_api/models.py", "shop_api/tasks.py", "test/conftest.py", "test/test_api.py",
                     "test/test_tasks.py", "testaccept/test_hello.py"]
    assert ".pym/" in (folder / ".gitignore").read_text().splitlines()
    config = yaml.safe_load((folder / "pym-config.yaml").read_text())
    assert (config["name"], config["with_async"], config["deploy_target"]) == ("shop-api", True, "gke")
    from pymacaron.__about__ import __version__

    major = int(__version__.split(".")[0])
    assert f"pymacaron[unit,async,gcp]>={__version__},<{major + 1}" in (folder / "requirements.txt").read_text().splitlines()
    spec = yaml.safe_load((folder / "apis/shop-api.yaml").read_text())
    assert spec["openapi"].startswith("3.1")  # the default
    assert spec["components"]["schemas"]["Message"]["x-parent"] == "shop_api.models.Message"
    assert "wrote 15 files in shop-api/" in done.stdout


def test_its_unit_tests_pass_as_written(async_service):
    folder, _ = async_service
    done = run_pytest(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout, done.stdout


def test_its_acceptance_tests_pass_against_a_real_server(async_service):
    folder, _ = async_service
    done = cli("pymacaron", "test", "--local", "--port", "0", cwd=folder, env=service_env(), timeout=SERVICE_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout and "PASSED" in done.stdout, done.stdout


def test_a_plain_swagger_2_service_passes_its_unit_tests(tmp_path):
    done = new(tmp_path, "notes", "--openapi", "2.0")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "notes"
    assert not (folder / "notes" / "tasks.py").exists()
    config = yaml.safe_load((folder / "pym-config.yaml").read_text())
    assert "with_async" not in config and "deploy_target" not in config
    assert yaml.safe_load((folder / "apis/notes.yaml").read_text())["swagger"] == "2.0"
    result = run_pytest(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout, result.stdout


def test_new_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert main(["new", str(tmp_path / "taken")]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert os.listdir(tmp_path / "taken") == ["notes.txt"]


def test_new_fills_an_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["new", str(tmp_path / "empty")]) == 0
    assert (tmp_path / "empty" / "apis" / "empty.yaml").is_file()


@pytest.mark.parametrize("name, why", [("9lives", "cannot name a service"), ("my.svc", "cannot name a service"),
                                       ("test", "would hide a module"), ("class", "would hide a module")])
def test_new_refuses_unusable_names(tmp_path, capsys, name, why):
    assert main(["new", str(tmp_path / name)]) == 1
    assert why in capsys.readouterr().err
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("with_async", [False, True])
@pytest.mark.parametrize("version", ["2.0", "3.1"])
def test_the_specs_follow_their_version(version, with_async):
    from pymacaron_core.spec.structure import check_structure
    from pymacaron_core.spec.yamlfile import load_yaml

    files = render_service("shop", "shop", openapi=version, with_async=with_async)
    data, locs = load_yaml(files["apis/shop.yaml"], "shop.yaml")
    assert check_structure(data, locs, version) == []
    operations = [op for item in data["paths"].values() for op in item.values()]
    assert len(operations) == (3 if with_async else 2)
    assert all(op["x-bind-server"].startswith("shop.api.") for op in operations)


def test_an_openapi_31_service_without_async_passes_its_unit_tests(tmp_path):
    done = new(tmp_path, "svc31", "--openapi", "3.1")
    assert done.returncode == 0, done.stderr
    assert "(OpenAPI 3.1)" in done.stdout
    result = run_pytest(tmp_path / "svc31")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_requirement_follows_the_version_that_writes_the_service():
    assert requirement_range("3.2.1") == ">=3.2.1,<4" and requirement_range("4.0.0rc1") == ">=4.0.0rc1,<5"


def test_a_version_without_a_leading_number_is_named_in_the_error():
    """requirement_range() of a version that does not start with a number: a ValueError naming it (it was
    an AttributeError on None before)."""
    with pytest.raises(ValueError, match="version 'dev' does not start with a number"):
        requirement_range("dev")

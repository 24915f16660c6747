"""pymacaron_unit.runner.docker: ``--image`` fails clearly without Docker (none on the test machines)."""

from pymacaron_unit.cli import main
from pymacaron_unit.runner.docker import DockerService
from unit_testing import write_service


def run_image(tmp_path, capfd):
    write_service(tmp_path, {"test_x.py": "def test_x():\n    pass\n"}, server=None)
    code = main(["--image", "helloworld:200415-0819-953-b3548e", "--path", str(tmp_path)])
    return code, capfd.readouterr()


def test_no_engine(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker-here.sock")  # a real client, no engine
    code, (out, err) = run_image(tmp_path, capfd)
    assert code == 1
    if "not installed" in err:  # a machine without the docker command: the other clear message
        assert "install Docker" in err
    else:
        assert "ERROR: --image needs a running Docker engine, and none answers (" in err
        assert "start Docker" in err and "--local or --host" in err


def test_no_docker_command(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    code, (out, err) = run_image(tmp_path, capfd)
    assert code == 1
    assert "ERROR: --image needs Docker, and the 'docker' command is not installed: install Docker" in err


def test_secrets_are_passed_by_name_only():
    service = DockerService("img:1", "staging", ["PYM_JWT_SECRET"], environ={"PYM_JWT_SECRET": "s3cr3t-value"})
    cmd = service.command()
    assert cmd[cmd.index("PYM_JWT_SECRET") - 1] == "-e"
    assert "s3cr3t-value" not in " ".join(cmd)
    assert "PYM_ENV=staging" in cmd and "PORT=80" in cmd and cmd[-1] == "img:1"

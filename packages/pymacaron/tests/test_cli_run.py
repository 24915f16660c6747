"""``pymacaron run``: the real console script starting real services on 127.0.0.1."""

import json
import os
import signal
import subprocess

import pytest
from cli_testing import TIMEOUT, clean_env, cli, free_port, port_closed, script, service_folder, stop, wait_for, write

ARGV_SERVER = """\
import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "env": os.environ.get("PYM_ENV"), "cwd": os.getcwd(),
                  "exe": sys.executable, "unbuffered": os.environ.get("PYTHONUNBUFFERED")}))
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
"""


def _start(args, cwd, env=None):
    return subprocess.Popen([script("pymacaron"), "run", *args], cwd=str(cwd), env=env or clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.fixture
def running(tmp_path):
    """Start ``pymacaron run ...`` in a service folder; always killed afterwards."""
    procs = []

    def start(*args, folder=None, env=None):
        folder = folder or service_folder(tmp_path / "svc", extra={
            "pym-config.staging.yaml": "name: clisvc-staging\nlive_host: staging.example.com\n"})
        proc = _start(args, cwd=folder, env=env)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        stop(proc)


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 0)])
def test_dev_server_answers_and_stops_on_forwarded_signal(running, signum, status):
    port = free_port()
    proc = running("--port", str(port), "--env", "staging")
    assert wait_for(f"http://127.0.0.1:{port}/version", proc)["pym_env"] == "staging"
    assert wait_for(f"http://127.0.0.1:{port}/ping", proc) == {}
    proc.send_signal(signum)  # to pymacaron only: it passes the signal on to python server.py
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == status, err
    assert port_closed(port), "the server process survived pymacaron"
    assert f"Serving on http://127.0.0.1:{port}" in err + out


def test_path_option_and_killed_server(running, tmp_path):
    folder = service_folder(tmp_path / "elsewhere")
    port = free_port()
    proc = running("--path", folder, "--port", str(port), "--host", "127.0.0.1", folder=str(tmp_path))
    wait_for(f"http://127.0.0.1:{port}/ping", proc)
    listing = f"/proc/{proc.pid}/task/{proc.pid}/children"
    if not os.path.exists(listing):
        pytest.skip("needs Linux's /proc/<pid>/task/<pid>/children")
    with open(listing) as f:
        children = f.read().split()
    assert len(children) == 1
    os.kill(int(children[0]), signal.SIGKILL)  # the server dies: pymacaron reports how
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 128 + signal.SIGKILL


def test_command_line_env_and_exit_status_of_the_server(tmp_path):
    write(str(tmp_path), {"server.py": ARGV_SERVER})
    done = cli("pymacaron", "run", "--port", "9123", "--host", "0.0.0.0", "--debug", "--env", "live", cwd=tmp_path,
               env=clean_env(EXIT_WITH="3"))
    assert done.returncode == 3, done.stderr

    seen = json.loads(done.stdout)
    assert seen["argv"] == ["--port", "9123", "--host", "0.0.0.0", "--debug"]
    assert seen["env"] == "live" and seen["unbuffered"] == "1"
    assert os.path.realpath(seen["cwd"]) == os.path.realpath(tmp_path)
    done = cli("pymacaron", "run", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["argv"] == [] and json.loads(done.stdout)["env"] is None


def test_no_server_py(tmp_path):
    done = cli("pymacaron", "run", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"ERROR: no server.py in {tmp_path}") and "--path DIR" in done.stderr
    done = cli("pymacaron", "run", "--path", str(tmp_path / "nope"), cwd=tmp_path)
    assert done.returncode == 1 and "--path" in done.stderr and "no such folder" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--workers", "2"], "--workers N only applies to the production server"),
    (["--production", "--debug"], "--debug is for the development server"),
    (["--port", "http"], "argument --port: 'http' is not a port number"),
    (["--port", "70000"], "is not a port number"),
    (["--production", "--workers", "0"], "'0' is not a positive number of workers"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_options_exit_2_with_usage(tmp_path, args, message):
    write(str(tmp_path), {"server.py": ARGV_SERVER})
    done = cli("pymacaron", "run", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: pymacaron run") and message in done.stderr


@pytest.mark.slow
def test_production_server(running):
    port = free_port()
    proc = running("--production", "--port", str(port), "--workers", "2", "--env", "staging")
    assert wait_for(f"http://127.0.0.1:{port}/version", proc)["pym_env"] == "staging"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert port_closed(port)
    assert "(2 workers" in err and "Serving on" not in err + out  # the production server, not letsgo's

"""Plug-in commands (entry-point group ``pymacaron.commands``): loading, and surviving broken ones."""

import pytest
from cli_testing import clean_env, cli, git_repo, write

from pymacaron import cli as pym_cli
from pymacaron.cli import _plugins


class FakeEntryPoint:
    """Stands for an installed entry point: a name, a distribution, and load()."""

    class Dist:
        name, version = "pymacaron-fake", "3.1.4"

    def __init__(self, name, load):
        self.name, self.value, self.dist, self._load = name, f"fake_module:{name}", self.Dist(), load

    def load(self):
        return self._load()


def hello_register(subparsers):
    p = subparsers.add_parser("hello", help="say hello")
    p.add_argument("--who", default="world")
    p.set_defaults(func=lambda args: print(f"hello {args.who}") or (7 if args.who == "seven" else None))


def _missing_module():
    raise ModuleNotFoundError("No module named 'pymacaron_fake.cli'")


def _half_register(subparsers):
    subparsers.add_parser("half")
    raise RuntimeError("boom in register")


PLUGINS = [
    FakeEntryPoint("hello", lambda: hello_register),
    FakeEntryPoint("broken", _missing_module),
    FakeEntryPoint("config", lambda: hello_register),       # clashes with a built-in command
    FakeEntryPoint("notcallable", lambda: "a string"),
    FakeEntryPoint("half", lambda: _half_register),
]


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(_plugins, "_warned", set())


def test_a_plugin_command_runs(capsys):
    assert pym_cli.main(["hello", "--who", "ann"], plugins=PLUGINS) == 0
    assert pym_cli.main(["hello", "--who", "seven"], plugins=PLUGINS) == 7
    out, err = capsys.readouterr()
    assert out == "hello ann\nhello seven\n"


def test_broken_plugins_warn_once_each_naming_the_package(capsys):
    parser = pym_cli.build_parser(plugins=PLUGINS)
    pym_cli.build_parser(plugins=PLUGINS)  # a second time: no second warning
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4, err
    assert all(line.startswith("pymacaron: warning: ") and "pymacaron-fake 3.1.4" in line for line in err)
    broken, clash, notcallable, half = err
    assert "'broken' command" in broken and "ModuleNotFoundError: No module named 'pymacaron_fake.cli'" in broken
    assert "'config' command" in clash and "already exists" in clash
    assert "'notcallable' entry point" in notcallable and "register(subparsers)" in notcallable
    assert "'half' command" in half and "RuntimeError: boom in register" in half
    commands = parser.pym_subparsers.choices
    assert set(commands) == {"run", "config", "version", "token", "docker", "deploy", "lint", "convert", "hello"}  # 'half' was rolled back
    assert "half" not in parser.format_help()


def test_other_commands_still_work_next_to_broken_plugins(tmp_path, monkeypatch, capsys):
    git_repo(tmp_path, {"pym-config.yaml": "name: withplugins\n"})
    monkeypatch.chdir(tmp_path)
    assert pym_cli.main(["config", "--name"], plugins=PLUGINS) == 0
    out, err = capsys.readouterr()
    assert out == "withplugins\n" and "'broken' command" in err


def test_unknown_command_lists_the_plugins(capsys):
    with pytest.raises(SystemExit) as e:
        pym_cli.main(["nope"], plugins=PLUGINS[:1])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: pymacaron") and "invalid choice: 'nope'" in err and "'hello'" in err


def test_fake_entry_points_describe_their_provider():
    assert _plugins.provider(PLUGINS[0]) == "pymacaron-fake 3.1.4"

    class Bare:
        name, value = "x", "some_pkg.cli:register"

    assert _plugins.provider(Bare()) == "the module some_pkg.cli"


DIST_INFO = {
    "site/fakeplug-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n",
    "site/fakeplug-1.0.dist-info/entry_points.txt": """\
        [pymacaron.commands]
        greet = fakeplug_cli:register
        broken = fakeplug_missing:register

        [pymacaron.deploy_targets]
        fake-cloud = fakeplug_cli:Target
        """,
    "site/fakeplug_cli.py": """\
        def register(subparsers):
            p = subparsers.add_parser("greet", help="greet someone")
            p.add_argument("name")
            p.set_defaults(func=lambda args: print("greetings " + args.name))


        class Target:
            pass
        """,
}


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    """A distribution 'fakeplug' visible through PYTHONPATH only (nothing installed)."""
    root = tmp_path_factory.mktemp("plugin")
    write(str(root), DIST_INFO)
    repo = git_repo(root / "repo", {"pym-config.yaml": "name: plugged\ndeploy_target: fake-cloud\n"})
    return repo, clean_env(PYTHONPATH=str(root / "site"))


def test_installed_plugin_is_discovered_by_the_console_script(plugin_site):
    repo, env = plugin_site
    done = cli("pymacaron", "greet", "ann", cwd=repo, env=env)
    assert (done.returncode, done.stdout) == (0, "greetings ann\n")
    assert done.stderr.count("pymacaron: warning:") == 1
    assert "'broken' command from fakeplug 1.0 cannot be loaded" in done.stderr
    assert "greet" in cli("pymacaron", "--help", cwd=repo, env=env).stdout


def test_installed_deploy_target_is_accepted_by_config(plugin_site):
    repo, env = plugin_site
    done = cli("pymconfig", "--deploy-target", cwd=repo, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "fake-cloud\n", "")  # aliases load no plug-in
    done = cli("pymconfig", "--deploy-target", cwd=repo)  # without the plug-in installed
    assert done.returncode == 1 and "use one of: aws-beanstalk, gcp-cloud-run, gke" in done.stderr


def test_alias_of_a_plugin_command(capsys):
    assert pym_cli.alias_main("hello", "pymhello", argv=["--who", "bo"], register=hello_register) == 0
    assert capsys.readouterr().out == "hello bo\n"
    with pytest.raises(SystemExit) as e:
        pym_cli.alias_main("hello", "pymhello", argv=["--bogus"], register=hello_register)
    assert e.value.code == 2
    assert capsys.readouterr().err.startswith("usage: pymhello [-h] [--who WHO]")

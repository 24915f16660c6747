"""pymacaron_unit.runner.envfile: ~/.env.secrets."""

from pymacaron_unit.runner.envfile import load_secrets, parse


def test_parse():
    text = "# comment\n\nexport A=1\nB='two words'\nC=\"x=y\"\nnot an assignment\n D = nope\n"
    assert parse(text) == {"A": "1", "B": "two words", "C": "x=y"}


def test_load_only_without_aws_secret(tmp_path):
    (tmp_path / ".env.secrets").write_text("export AWS_SECRET_ACCESS_KEY=k\nMINE=file\nNEW=v\n")
    env = {"HOME": str(tmp_path), "MINE": "env"}
    assert load_secrets(env) == ["AWS_SECRET_ACCESS_KEY", "NEW"]
    assert env["MINE"] == "env" and env["NEW"] == "v"
    env = {"HOME": str(tmp_path), "AWS_SECRET_ACCESS_KEY": "set"}
    assert load_secrets(env) == [] and "NEW" not in env
    assert load_secrets({"HOME": str(tmp_path / "nowhere")}) == []

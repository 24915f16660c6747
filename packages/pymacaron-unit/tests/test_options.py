"""pymacaron_unit.runner.options: parsing and validation of the runner's options."""

import pytest

from pymacaron_unit.runner.options import new_parser


def parse(*args):
    return new_parser("pymtest").parse_args(list(args))


def test_defaults():
    args = parse()
    assert (args.local, args.host, args.port, args.env, args.image) == (False, None, None, None, None)
    assert args.no_stop is False and args.paths == [] and args.fuzz is False
    assert args.fuzz_max_examples == 50 and args.fuzz_max_time == 300


def test_shorthands():
    assert parse("--live").env == "live"
    assert parse("--staging").env == "staging"
    assert parse("--no-stop").no_stop is True
    assert parse("--no-stop", "-x").no_stop is False
    assert parse("testaccept/test_a.py", "other").paths == ["testaccept/test_a.py", "other"]
    assert parse("--fuzz-exclude", "/die", "--fuzz-exclude", "GET /x").fuzz_exclude == ["/die", "GET /x"]


@pytest.mark.parametrize("args, message", [
    (["--port", "http"], "'http' is not a port number"),
    (["--port", "70000"], "is not a port number"),
    (["--loop-count", "0"], "'0' is not a positive whole number"),
    (["--fuzz-max-time", "-1"], "is not a positive number of seconds"),
])
def test_bad_values(args, message, capsys):
    with pytest.raises(SystemExit) as e:
        parse(*args)
    assert e.value.code == 2
    assert message in capsys.readouterr().err

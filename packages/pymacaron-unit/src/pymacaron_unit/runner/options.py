"""The options of ``pymacaron test`` / ``pymtest`` / ``run_acceptance_tests`` (SPEC P47, P48).

Only argparse here: this module is imported on every ``pymacaron`` call (plug-in contract).
"""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8080
DEFAULT_START_TIMEOUT = 60.0
DEFAULT_FUZZ_EXAMPLES = 50
DEFAULT_FUZZ_TIME = 300.0

DESCRIPTION = """\
Run the black-box acceptance tests of a service (testaccept/, unittest TestCases and plain pytest
tests alike) with pytest, against a target chosen in this order: --host, --image, --env (--live,
--staging), else local. Local: 127.0.0.1:8080 (or --port); when nothing answers /ping there and the
folder has a server.py, the service is started (python server.py --port P), tested and stopped.
--fuzz adds property-based tests generated from the service's own specs (schemathesis).
Exit status: the tests' (0 when all pass)."""


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535, or 0 for a free one)")
    return port


def _positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the runner's options to the (sub)parser ``p``."""
    target = p.add_argument_group("target (the first given wins: --host, --image, --env/--live/--staging, local)")
    target.add_argument("--local", action="store_true",
                        help="test the service on this machine (the default): 127.0.0.1 or $PYM_SERVER_HOST, "
                        "started from the service folder when nothing answers /ping")
    target.add_argument("--host", default=None, metavar="H", help="test the service at this host")
    target.add_argument("--port", type=_port, default=None, metavar="P",
                        help=f"its port (default: $PYM_SERVER_PORT locally, else {DEFAULT_PORT}; https on 443; "
                        "0 with --local: start the service on a free port)")
    target.add_argument("--env", default=None, metavar="ENV",
                        help="test the deployed ENV (host and port from pym-config.ENV.yaml's live_url); "
                        "with --local: the PYM_ENV of the local service")
    target.add_argument("--live", dest="env", action="store_const", const="live", help="same as --env live")
    target.add_argument("--staging", dest="env", action="store_const", const="staging",
                        help="same as --env staging")
    target.add_argument("--image", default=None, metavar="ID",
                        help="run this Docker image (PORT=80, env_secrets passed through), test it, kill it")
    target.add_argument("--path", default=None, metavar="DIR",
                        help="the service's folder (server.py, apis/, testaccept/; default: the current folder)")
    target.add_argument("--start-timeout", type=_seconds, default=DEFAULT_START_TIMEOUT, metavar="S",
                        help=f"seconds to wait for a started service to answer /ping (default {DEFAULT_START_TIMEOUT:g})")

    tests = p.add_argument_group("tests")
    tests.add_argument("paths", nargs="*", metavar="PATH",
                       help="test files or folders (default: testaccept/, plus the testaccept/ of each "
                       "include_links project)")
    tests.add_argument("--gen-token", action="store_true",
                       help="set PYM_JWT_TOKEN to a test JWT made with the service's pym-config (needs pymacaron)")
    tests.add_argument("--no-ssl-check", action="store_true", help="do not check TLS certificates (NO_SSL_CHECK=1)")
    tests.add_argument("-x", "--exitfirst", dest="no_stop", action="store_false",
                       help="stop at the first failing test (the default)")
    tests.add_argument("--no-stop", dest="no_stop", action="store_true", help="run all tests, even after a failure")
    tests.add_argument("-s", "--nocapture", action="store_true", help="show the tests' output as they run")
    tests.add_argument("--debug", action="store_true",
                       help="verbose: pytest -vv, and the started service's log is kept (its path is printed)")
    tests.add_argument("--loop", action="store_true", help="run the tests again and again, until a run fails")
    tests.add_argument("--loop-count", type=_positive_int, default=None, metavar="N",
                       help="with --loop: stop after N runs")

    fuzz = p.add_argument_group("fuzzing (needs pymacaron-unit[fuzz])")
    fuzz.add_argument("--fuzz", action="store_true",
                      help="also run property-based tests generated from the specs: fails on any 5xx, on answers "
                      "that do not match the spec, and on invalid requests that are accepted")
    fuzz.add_argument("--fuzz-only", action="store_true", help="run the fuzzing only, not the acceptance tests")
    fuzz.add_argument("--fuzz-spec", action="append", default=[], metavar="FILE",
                      help="a spec to fuzz (repeatable; default: apis/*.yaml with x-bind-server, plus pymacaron's "
                      "built-in ping API)")
    fuzz.add_argument("--fuzz-exclude", action="append", default=[], metavar="PATH",
                      help="do not fuzz this path, e.g. /die (repeatable)")
    fuzz.add_argument("--fuzz-max-examples", type=_positive_int, default=DEFAULT_FUZZ_EXAMPLES, metavar="N",
                      help=f"generated cases per operation and phase (default {DEFAULT_FUZZ_EXAMPLES})")
    fuzz.add_argument("--fuzz-max-time", type=_seconds, default=DEFAULT_FUZZ_TIME, metavar="S",
                      help=f"time limit of the whole fuzzing, in seconds (default {DEFAULT_FUZZ_TIME:g}); "
                      "going over it is a failure")
    fuzz.add_argument("--fuzz-seed", type=int, default=None, metavar="N", help="random seed, to replay a run")
    p.set_defaults(no_stop=False, always_token=False)
    return p


def new_parser(prog: str) -> argparse.ArgumentParser:
    """The ``pymacaron test`` parser, named ``prog``."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    return add_arguments(parser)

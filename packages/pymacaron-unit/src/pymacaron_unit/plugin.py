"""pytest plugin (entry point ``pytest11``): acceptance tests as plain pytest functions.

Fixtures:
    pym          an ``ApiClient`` bound to the service under test (alias: ``api_client``)
    pym_target   the ``Target`` (host, port, token)

The target comes from ``--pym-host`` / ``--pym-port`` or ``PYM_SERVER_HOST`` / ``PYM_SERVER_PORT``,
and the token from ``PYM_JWT_TOKEN`` (never from the command line, where other users of the
machine could read it). The options are exported to the environment too, so that unittest-style
``PyMacaronTestCase`` classes in the same run see the same target.
"""

from __future__ import annotations

from pymacaron_unit.target import Target

import os

import pytest

from pymacaron_unit.client import ApiClient
from pymacaron_unit.target import HOST_VAR, PORT_VAR, TargetError, clean_host, parse_port, target_from_env


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --pym-host and --pym-port to pytest."""
    group = parser.getgroup("pymacaron", "PyMacaron acceptance tests (pymacaron-unit)")
    group.addoption("--pym-host", default=None, metavar="HOST",
                    help="host of the service under test (default: $PYM_SERVER_HOST)")
    group.addoption("--pym-port", default=None, metavar="PORT",
                    help="port of the service under test (default: $PYM_SERVER_PORT; https on 443)")
    group.addoption("--pym-no-ssl-check", action="store_true", default=False,
                    help="do not check TLS certificates (same as NO_SSL_CHECK=1)")


def pytest_configure(config: pytest.Config) -> None:
    """Export --pym-host/--pym-port as PYM_SERVER_HOST/PYM_SERVER_PORT for the tests."""
    host = config.getoption("pym_host", None)
    port = config.getoption("pym_port", None)
    if port is not None:
        try:
            port = parse_port(port, "--pym-port")
        except TargetError as e:
            raise pytest.UsageError(str(e)) from None
        os.environ[PORT_VAR] = str(port)
    if host is not None:
        os.environ[HOST_VAR] = clean_host(host)
    if config.getoption("pym_no_ssl_check", False):
        os.environ["NO_SSL_CHECK"] = "1"


def pytest_report_header(config: pytest.Config) -> str | None:
    """The header line naming the service under test (None when unset)."""
    try:
        target = target_from_env()
    except TargetError:
        return None
    token = "set" if target.token else "not set"
    return f"pymacaron target: {target.base_url} (PYM_JWT_TOKEN {token})"


@pytest.fixture
def pym_target() -> Target:
    """The service under test (host, port, token); the test errors out clearly when it is not set."""
    try:
        return target_from_env()
    except TargetError as e:
        raise pytest.fail.Exception(f"no service to test: {e}; or pass --pym-host/--pym-port to pytest",
                                    pytrace=False) from None


@pytest.fixture
def pym(pym_target: Target) -> ApiClient:
    """An ApiClient bound to the service under test."""
    return ApiClient(pym_target.host, pym_target.port, pym_target.token)


@pytest.fixture
def api_client(pym: ApiClient) -> ApiClient:
    """Alias of ``pym``."""
    return pym

"""pymacaron.test (SPEC P42-P43): the acceptance TestCase against a real pymacaron service over HTTP."""

import io
import unittest

import pytest
from crash_testing import http_service  # noqa: F401

from pymacaron.test import PyMacaronTestCase, TargetError, load_port_host_token


def test_load_port_host_token_returns_v1s_order_and_types(monkeypatch):
    """v1 code does `host, port, token = load_port_host_token()` (the name notwithstanding), port as text."""
    monkeypatch.setenv("PYM_SERVER_HOST", "https://api.example.com/")
    monkeypatch.setenv("PYM_SERVER_PORT", "443")
    monkeypatch.setenv("PYM_JWT_TOKEN", "tok")
    assert load_port_host_token() == ("api.example.com", "443", "tok")
    monkeypatch.delenv("PYM_JWT_TOKEN")
    host, port, token = load_port_host_token()
    assert "http://%s:%s/ping" % (host, port) == "http://api.example.com:443/ping" and token is None


def test_host_and_port_are_required(monkeypatch):
    monkeypatch.delenv("PYM_SERVER_HOST", raising=False)
    monkeypatch.setenv("PYM_SERVER_PORT", "8080")
    with pytest.raises(TargetError, match="PYM_SERVER_HOST is not set: run the acceptance tests with 'pymacaron test'"):
        load_port_host_token()
    assert issubclass(TargetError, Exception)


class Builtins(PyMacaronTestCase):
    __test__ = False  # run by run_case() below, with a target; not collected by pytest itself

    def test_builtins(self):
        self.assertHasPing()
        self.assertHasVersion()
        self.assertHasAuthVersion()

    def test_hello(self):
        self.assertGetReturnDict("hello?name=you", {"message": "hello you"})


def run_case(case_class):
    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(case_class))
    return result, stream.getvalue()


@pytest.fixture
def live(http_service, monkeypatch):  # noqa: F811
    from pymacaron.auth import generate_token

    server = http_service()
    monkeypatch.setenv("PYM_SERVER_HOST", "http://127.0.0.1")
    monkeypatch.setenv("PYM_SERVER_PORT", server.url.rsplit(":", 1)[1])
    monkeypatch.setenv("PYM_JWT_TOKEN", generate_token("tester"))
    return server


def test_setup_reads_the_target(live, monkeypatch):
    case = Builtins("test_hello")
    case.setUp()
    assert (case.host, str(case.port)) == ("127.0.0.1", live.url.rsplit(":", 1)[1])
    assert case.base_url == live.url and case.token and case.maxDiff is None
    monkeypatch.setenv("PYM_SERVER_PORT", "443")
    case.setUp()
    assert case.base_url == "https://127.0.0.1:443"


def test_builtin_endpoints_of_a_real_service(live):
    result, report = run_case(Builtins)
    assert result.testsRun == 2 and result.wasSuccessful(), report


def test_auth_version_with_a_bad_token(live, monkeypatch):
    monkeypatch.setenv("PYM_JWT_TOKEN", "not-a-jwt")
    result, report = run_case(Builtins)
    assert [t.id().rsplit(".", 1)[1] for t, _ in result.failures] == ["test_builtins"]
    assert "expected status 200, got 401" in report
    assert "/auth/version" in report and '"error": "TOKEN_INVALID"' in report
    assert "not-a-jwt" not in report  # the Authorization header is never shown


def test_no_target_is_an_error_in_setup(monkeypatch):
    monkeypatch.delenv("PYM_SERVER_HOST", raising=False)
    monkeypatch.delenv("PYM_SERVER_PORT", raising=False)
    result, report = run_case(Builtins)
    assert len(result.errors) == 2
    assert "PYM_SERVER_HOST and PYM_SERVER_PORT are not set" in report


def test_is_version():
    case = Builtins("test_hello")
    case.assertIsVersion({"version": "1.0.0", "name": "x", "container": "local", "pym_env": ""})
    with pytest.raises(AssertionError, match="'container' is None"):
        case.assertIsVersion({"version": "1.0.0", "name": "x", "container": None, "pym_env": ""})

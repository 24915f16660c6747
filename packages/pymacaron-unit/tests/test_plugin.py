"""pymacaron_unit.plugin: plain pytest acceptance tests (fixture ``pym``), run in-process by pytester."""

ACCEPTANCE = """
import os
import unittest

from pymacaron_unit.testcase import PyMacaronTestCase


def test_plain(pym, api_client, pym_target):
    assert api_client is pym
    assert pym.assertGetReturnJson("json")["a"] == 1
    assert (pym.host, pym.port) == (pym_target.host, pym_target.port)


def test_plain_fails(pym):
    pym.assertGetReturnError("error/500", 404, "NOT_FOUND")


def test_token(pym):
    assert pym.token == os.environ.get("PYM_JWT_TOKEN")


class Tests(PyMacaronTestCase):
    def setUp(self):
        super().setUp()
        self.host = os.environ["PYM_SERVER_HOST"]     # exported by the plugin's options
        self.port = int(os.environ["PYM_SERVER_PORT"])

    def test_unittest(self):
        self.assertGetReturnOk("ok")
"""


def test_plain_tests_and_testcases_with_options(pytester, mini):
    pytester.makepyfile(test_accept=ACCEPTANCE)
    result = pytester.runpytest_inprocess("--pym-host", "http://127.0.0.1/", "--pym-port", str(mini.port), "-v")
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    assert f"pymacaron target: http://127.0.0.1:{mini.port} (PYM_JWT_TOKEN not set)" in out
    result.stdout.fnmatch_lines([
        "*expected status 404, got 500*",
        f"*request:  GET http://127.0.0.1:{mini.port}/error/500*",
        "*response: 500 INTERNAL SERVER ERROR*",
        '*"error": "SOME_ERROR"*',
    ])
    assert "assertions.py" not in out  # our own frames are hidden from the traceback


def test_target_and_token_from_env(pytester, mini, monkeypatch):
    monkeypatch.setenv("PYM_SERVER_HOST", "127.0.0.1")
    monkeypatch.setenv("PYM_SERVER_PORT", str(mini.port))
    monkeypatch.setenv("PYM_JWT_TOKEN", "a.b.c")
    pytester.makepyfile(test_accept=ACCEPTANCE)
    result = pytester.runpytest_inprocess("-k", "token or plain and not fails")
    result.assert_outcomes(passed=2, deselected=2)
    assert "(PYM_JWT_TOKEN set)" in result.stdout.str()
    assert "a.b.c" not in result.stdout.str()


def test_no_target_is_a_clear_error(pytester):
    pytester.makepyfile(test_accept=ACCEPTANCE)
    result = pytester.runpytest_inprocess("-k", "test_plain and not fails")
    result.assert_outcomes(errors=1, deselected=3)
    result.stdout.fnmatch_lines(["*no service to test: PYM_SERVER_HOST and PYM_SERVER_PORT are not set*"])
    assert "pymacaron target" not in result.stdout.str()


def test_bad_port_option(pytester):
    pytester.makepyfile(test_accept=ACCEPTANCE)
    result = pytester.runpytest_inprocess("--pym-port", "eighty")
    assert result.ret == 4  # usage error
    result.stderr.fnmatch_lines(["*--pym-port='eighty' is not a port number*"])


def test_registered_through_its_entry_point(pytester):
    pytester.makepyfile(test_x="def test_x(request):\n"
                        "    assert request.config.pluginmanager.has_plugin('pymacaron_unit')\n")
    pytester.runpytest_inprocess().assert_outcomes(passed=1)

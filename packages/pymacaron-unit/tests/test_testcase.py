"""pymacaron_unit.testcase.PyMacaronTestCase: SPEC U1, and a real unittest run against the mini server."""

import io
import unittest

from pymacaron_unit.testcase import PyMacaronTestCase


def test_class_attributes():
    assert PyMacaronTestCase.host == "127.0.0.1"
    assert PyMacaronTestCase.port == 8080
    assert PyMacaronTestCase.timeout_connect == 10
    assert PyMacaronTestCase.timeout_read == 10
    assert issubclass(PyMacaronTestCase, unittest.TestCase)


def test_a_unittest_run(mini):
    class Tests(PyMacaronTestCase):
        port = mini.port

        def test_max_diff(self):
            self.assertIsNone(self.maxDiff)

        def test_passes(self):
            self.assertGetReturnDict("json", {"a": 1})

        def test_fails(self):
            self.assertGetReturnJson("error/503")

    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(unittest.defaultTestLoader.loadTestsFromTestCase(Tests))
    assert result.testsRun == 3
    assert [t.id().rsplit(".", 1)[1] for t, _ in result.failures] == ["test_fails"]
    assert not result.errors
    report = stream.getvalue()
    assert "AssertionError: expected status 200, got 503" in report
    assert f"GET http://127.0.0.1:{mini.port}/error/503" in report
    assert '"error": "SOME_ERROR"' in report

"""Black-box: GET /async schedules a task that writes a code to uuid_file_path (pym-config.yaml).

The test reads that file, so it only checks the file when the service runs on this machine
(`pymacaron test --local`, host 127.0.0.1 or localhost); against a remote deployment it checks
that the task was scheduled.
"""

import os
import time
import unittest

import yaml

from pymacaron.test import PyMacaronTestCase

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60  # seconds: the worker may still be starting when the first task comes


def uuid_file_path():
    with open(os.path.join(HERE, "pym-config.yaml"), encoding="utf-8") as f:
        path = yaml.safe_load(f)["uuid_file_path"]
    return path if os.path.isabs(path) else os.path.join(HERE, path)


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


class Tests(PyMacaronTestCase):

    def test_async_task_writes_the_code(self):
        j = self.assertGetReturnJson("async")
        self.assertTrue(j["message"].startswith("Writing code "), j)
        code = j["message"][len("Writing code "):]
        if self.host not in ("127.0.0.1", "localhost"):
            raise unittest.SkipTest(f"the task writes its file on {self.host}: cannot be read from here")
        path = uuid_file_path()
        deadline = time.monotonic() + TIMEOUT
        while read(path) != code:
            self.assertLess(time.monotonic(), deadline, f"the task did not write {code} to {path} in {TIMEOUT} s")
            time.sleep(0.2)

    def test_async_die_answers_at_once(self):
        j = self.assertGetReturnJson("asyncdie")
        self.assertEqual(j, {"message": "Scheduled a task that will crash"})

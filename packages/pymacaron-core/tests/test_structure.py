"""The compiled Swagger 2.0 structure check gives jsonschema's verdict, without importing it at start-up."""

import copy
import glob
import os
import random
import subprocess
import sys

import pytest

from core_testing import FIXTURES
from pymacaron_core.spec.structure import _fast_check, _swagger_validator
from pymacaron_core.spec.yamlfile import load_yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _specs():
    paths = glob.glob(os.path.join(FIXTURES, "**", "*.yaml"), recursive=True)
    paths += glob.glob(os.path.join(ROOT, "packages", "pymacaron", "src", "pymacaron", "apis", "*.yaml"))
    paths += glob.glob(os.path.join(ROOT, "benchmarks", "**", "*.yaml"), recursive=True)
    out = []
    for path in sorted(paths):
        with open(path) as f:
            data, _ = load_yaml(f.read(), path)
        if str(data.get("swagger")) == "2.0":
            out.append(data)
    return out


def _mutate(node, rng):
    if isinstance(node, dict) and node:
        key = rng.choice(sorted(node))
        r = rng.random()
        if r < 0.2:
            node[key] = rng.choice([1, "x", None, [], {}, True])
        elif r < 0.3:
            del node[key]
        elif r < 0.4:
            node["bogus"] = 1
        else:
            _mutate(node[key], rng)
    elif isinstance(node, list) and node:
        i = rng.randrange(len(node))
        if rng.random() < 0.3:
            node[i] = rng.choice([1, "x", None, {}])
        else:
            _mutate(node[i], rng)


def test_same_verdict_as_jsonschema_on_real_and_broken_specs():
    rng = random.Random(7)
    ours, reference = _fast_check(), _swagger_validator()
    specs = _specs()
    assert len(specs) >= 5
    verdicts = {True: 0, False: 0}
    for spec in specs:
        for i in range(40):
            candidate = copy.deepcopy(spec)
            if i:
                _mutate(candidate, rng)
            expected = reference.is_valid(candidate)
            verdicts[expected] += 1
            assert ours.is_valid(candidate) == expected, candidate
    assert verdicts[True] > 20 and verdicts[False] > 20  # both sides exercised


@pytest.mark.parametrize("module", ["pymacaron_core"])
def test_starting_does_not_import_jsonschema(module, tmp_path):
    spec = os.path.join(FIXTURES, "petstore", "petstore.yaml")
    code = (f"import sys; import {module}; from pymacaron_core import ApiPool; "
            f"ApiPool.add('petstore', yaml_path={spec!r}); "
            "print('jsonschema' in sys.modules, 'swagger_spec_validator' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.path.join(FIXTURES, "petstore")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]

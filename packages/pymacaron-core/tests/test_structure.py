"""Stage 2, the structure check, for Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1.

The compiled check gives jsonschema's verdict on the same official schema (real specs, and the same
specs broken at random), problems name the line and a fix, start-up never imports jsonschema, and
the schemas are our own package data (never another distribution's files).
"""

import copy
import glob
import json
import os
import random
import subprocess
import sys
import textwrap

import pytest

from core_testing import FIXTURES
from pymacaron_core.spec.structure import _fast_check, _reference_validator, check_structure, version_of
from pymacaron_core.spec.yamlfile import load_yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PUBLIC = os.path.join(FIXTURES, "public_specs")
PUBLIC_SPECS = sorted(glob.glob(os.path.join(PUBLIC, "*.yaml")) + glob.glob(os.path.join(PUBLIC, "*.json")))

# An OpenAPI 3.1 document of our own using the 2020-12 schema keywords a 3.1 spec may use.
FEATURES_31 = """\
openapi: 3.1.0
info: {title: features, version: '1'}
jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base
paths:
  /shapes/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, exclusiveMinimum: 0}}
    get:
      operationId: shapes.get
      responses:
        '200':
          description: a shape
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Shape'}
components:
  schemas:
    Shape:
      oneOf:
        - {$ref: '#/components/schemas/Circle'}
        - {$ref: '#/components/schemas/Polygon'}
      discriminator: {propertyName: kind, mapping: {circle: '#/components/schemas/Circle'}}
    Circle:
      type: object
      properties:
        kind: {const: circle}
        radius: {type: [number, 'null'], minimum: 0}
      required: [kind]
      unevaluatedProperties: false
    Polygon:
      type: object
      properties:
        kind: {const: polygon}
        points:
          type: array
          prefixItems: [{$ref: '#/components/schemas/Point'}]
          items: {$ref: '#/components/schemas/Point'}
          minItems: 3
      dependentRequired: {points: [kind]}
    Point:
      $defs:
        coordinate: {type: number}
      type: array
      prefixItems: [{$ref: '#/components/schemas/Point/$defs/coordinate'}, {$ref: '#/components/schemas/Point/$defs/coordinate'}]
      items: false
"""


def _load(path):
    with open(path) as f:
        return load_yaml(f.read(), path)


def _specs(version):
    if version == "2.0":
        paths = glob.glob(os.path.join(FIXTURES, "**", "*.yaml"), recursive=True)
        paths += glob.glob(os.path.join(ROOT, "packages", "pymacaron", "src", "pymacaron", "apis", "*.yaml"))
        paths += glob.glob(os.path.join(ROOT, "benchmarks", "**", "*.yaml"), recursive=True)
    else:
        paths = list(PUBLIC_SPECS)
    out = [data for data, _ in map(_load, sorted(paths)) if version_of(data) == version]
    if version == "3.1":
        out.append(load_yaml(FEATURES_31, "features.yaml")[0])
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


@pytest.mark.parametrize("version,minimum", [("2.0", 5), ("3.0", 2), ("3.1", 3)])
def test_same_verdict_as_jsonschema_on_real_and_broken_specs(version, minimum):
    rng = random.Random(7)
    ours, reference = _fast_check(version), _reference_validator(version)
    specs = _specs(version)
    assert len(specs) >= minimum
    verdicts = {True: 0, False: 0}
    rounds = max(40, 200 // len(specs))
    for spec in specs:
        # the reference validator takes seconds on a large document (Scalar Galaxy): a few rounds there
        spec_rounds = rounds if len(json.dumps(spec)) < 16_000 else 6
        for i in range(spec_rounds):
            candidate = copy.deepcopy(spec)
            if i:
                _mutate(candidate, rng)
            expected = reference.is_valid(candidate)
            verdicts[expected] += 1
            assert ours.is_valid(candidate) == expected, candidate
    assert verdicts[True] > 20 and verdicts[False] > 20  # both sides exercised


@pytest.mark.parametrize("path", PUBLIC_SPECS,
                         ids=os.path.basename)
def test_public_specs_pass(path):
    data, locs = _load(path)
    assert check_structure(data, locs, version_of(data)) == []


def test_schema_objects_of_31_are_checked_against_the_31_dialect():
    """The schema-base variant: a Schema Object is itself validated (2020-12 meta-schema + OAS vocabulary)."""
    data, locs = load_yaml(FEATURES_31, "features.yaml")
    assert check_structure(data, locs, "3.1") == []
    broken = FEATURES_31.replace("radius: {type: [number, 'null'], minimum: 0}",
                                 "radius: {type: [number, nul], minimum: zero}")
    data, locs = load_yaml(broken, "features.yaml")
    problems = check_structure(data, locs, "3.1")
    assert problems, "a 3.1 Schema Object with a bad type and minimum passed"
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "radius:" in x)) + 1
    assert all(p.file == "features.yaml" and p.line == line for p in problems), problems
    text = " ".join(p.message for p in problems)
    assert "invalid OpenAPI 3.1" in text and "'zero' is not of type 'number'" in text


BROKEN = [
    # (version, document, the line of the mistake, words of the message, words of the fix)
    ("3.0", """\
        openapi: 3.0.3
        info: {title: t, version: '1'}
        paths:
          /pets:
            get:
              parameters:
                - {name: limit, in: querystring, schema: {type: integer}}
              responses:
                '200': {description: ok}
        """, 7, "querystring", ""),
    ("3.0", """\
        openapi: 3.0.3
        info: {title: t, version: '1'}
        paths:
          /pets:
            get:
              responses:
                '200':
                  description: ok
                  content:
                    application/json:
                      schema: {type: object, required: true}
        """, 11, "True is not of type 'array'", "required: [name]"),
    ("3.0", """\
        openapi: 3.0.3
        info: {title: t}
        paths: {}
        """, 2, "'version' is a required property", "add the missing key"),
    ("3.1", """\
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /pets:
            get:
              responses:
                '200': {description: ok}
              summry: typo
        """, 5, "'summry' was unexpected", "prefix custom keys with 'x-'"),
    ("3.1", """\
        openapi: 3.1.0
        info: {title: t, version: '1'}
        components:
          securitySchemes:
            key: {type: apiKey, name: k, in: body}
        """, 5, "'body' is not one of", "use one of: query, header, cookie"),
    ("3.1", """\
        openapi: 3.1.0
        info: {title: t, version: '1'}
        """, 1, "'paths' is a required property", "add the missing key"),
    ("2.0", """\
        swagger: '2.0'
        info: {title: t, version: '1'}
        paths:
          /pets:
            get:
              responses:
                '200': {description: ok}
              parameters:
                - {name: q, in: query, type: strin}
        """, 9, "'strin' is not one of", "use one of: string, number"),
]


@pytest.mark.parametrize("version,text,line,message,fix", BROKEN)
def test_broken_specs_are_located(version, text, line, message, fix):
    text = textwrap.dedent(text)
    data, locs = load_yaml(text, "broken.yaml")
    assert version_of(data) == version
    problems = check_structure(data, locs, version)
    assert problems, text
    hit = [p for p in problems if message in p.message]
    assert hit, problems
    assert hit[0].file == "broken.yaml" and hit[0].line == line, problems
    assert fix in hit[0].fix, problems
    label = {"2.0": "Swagger 2.0", "3.0": "OpenAPI 3.0", "3.1": "OpenAPI 3.1"}[version]
    assert hit[0].message.startswith(f"invalid {label}: ")


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="no structure schema for spec version '4.0'"):
        check_structure({}, None, "4.0")


def test_version_of():
    assert version_of({"swagger": "2.0"}) == "2.0"
    assert version_of({"openapi": "3.0.3"}) == "3.0"
    assert version_of({"openapi": "3.1.0"}) == "3.1"
    assert version_of({"openapi": "3.10.0"}) is None
    assert version_of({"openapi": 3.1}) is None
    assert version_of([]) is None


def test_structure_check_reads_no_other_distribution():
    """The fast checks run with swagger_spec_validator, jsonschema_specifications & co. made unimportable."""
    code = textwrap.dedent("""
        import importlib.abc, sys
        BLOCKED = ("swagger_spec_validator", "jsonschema_specifications", "openapi_spec_validator",
                   "openapi_schema_validator", "jsonschema")
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked: {name}")
        sys.meta_path.insert(0, Block())
        from pymacaron_core.spec.structure import _fast_check
        ok = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
        print(_fast_check("2.0").is_valid(ok), _fast_check("2.0").is_valid({"swagger": "2.0"}))
        ok = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
        print(_fast_check("3.0").is_valid(ok), _fast_check("3.0").is_valid({"openapi": "3.0.3"}))
        ok = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
        print(_fast_check("3.1").is_valid(ok), _fast_check("3.1").is_valid({"openapi": "3.1.0"}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"] * 3


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

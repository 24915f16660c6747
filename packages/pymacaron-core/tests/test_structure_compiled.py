"""The structure checks' validators generated ahead of time (spec/compiled/, schema/export.py).

The modules in the package are what the compiler writes today (a stale one fails here), start-up
uses them, they find exactly the problems the validator generated at run time finds, and one that
does not match its fingerprint is not used. The export writes only what it can write faithfully.
"""

import copy
import importlib
import random
import re

import pytest

from pymacaron_core.schema.compiler import SchemaCompiler
from pymacaron_core.schema.export import literal, module_source
from pymacaron_core.schema.formats import FormatRegistry
from pymacaron_core.spec import structure
from test_structure import _mutate, _specs

VERSIONS = sorted(structure.VERSIONS)


def _module(version):
    return importlib.import_module(f"pymacaron_core.spec.compiled.{structure.compiled_module_name(version)}")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_shipped_module_is_what_the_compiler_writes_today(version):
    with open(_module(version).__file__, encoding="utf-8") as f:
        shipped = f.read()
    assert shipped == structure.compiled_module_text(version), (
        "the compiler or a schema changed: run `python -m pymacaron_core.spec.compiled` and commit the result")


@pytest.mark.parametrize("version", VERSIONS)
def test_start_up_uses_the_shipped_module(version):
    assert structure._fast_check(version)._func is _module(version).VALIDATE


@pytest.mark.parametrize("version", VERSIONS)
def test_the_shipped_validator_finds_what_the_generated_one_finds(version):
    shipped, generated = structure._precompiled(version), structure._compile(version)[1]
    assert shipped is not None and shipped._func is not generated._func
    rng = random.Random(11)
    invalid = 0
    for spec in _specs(version):
        for i in range(30):
            candidate = copy.deepcopy(spec)
            if i:
                _mutate(candidate, rng)
            expected = generated.raw(candidate)
            invalid += bool(expected)
            assert shipped.raw(candidate) == expected
    assert invalid > 10


def test_a_module_that_does_not_match_its_fingerprint_is_not_used(monkeypatch):
    monkeypatch.setattr(_module("3.1"), "FINGERPRINT", "0" * 64)
    assert structure._precompiled("3.1") is None
    assert structure._precompiled("3.0") is not None


@pytest.mark.parametrize("value", ["a'b\"c\n", 3, -2.5, 1e300, True, None, ("s", "x"), ("l", (("n", 1), ("c", False))),
                                   frozenset({("s", "b"), ("s", "a")}), float("inf"), float("-inf")])
def test_constants_are_written_as_source_that_gives_them_back(value):
    assert eval(literal(value)) == value  # noqa: S307 -- our own output, the thing under test


def test_a_pattern_is_written_as_its_compilation():
    written = literal(re.compile(r"^\d+$"))
    assert eval(written, {"_re_compile": re.compile}).pattern == r"^\d+$"  # noqa: S307
    with pytest.raises(ValueError, match="flags"):
        literal(re.compile("a", re.IGNORECASE))


def test_sets_are_written_in_one_order():
    assert literal(frozenset({("s", "b"), ("s", "a")})) == literal(frozenset({("s", "a"), ("s", "b")}))


def test_what_cannot_be_written_is_refused():
    formats = SchemaCompiler({}, FormatRegistry(), record=True)
    validator = formats.compile({"type": "string", "format": "email"})
    with pytest.raises(ValueError, match="cannot be written"):
        module_source(formats, validator, "doc")
    pet = {"type": "object", "discriminator": "kind", "x-model": "Pet", "properties": {"kind": {"type": "string"}}}
    swagger = SchemaCompiler({"Pet": pet}, FormatRegistry(), record=True)
    validator = swagger.definition_validator("Pet")
    with pytest.raises(ValueError, match="discriminator"):
        module_source(swagger, validator, "doc")
    with pytest.raises(ValueError, match="record"):
        module_source(SchemaCompiler({}, FormatRegistry()), validator, "doc")


def test_an_exported_validator_with_plans_and_enums_behaves_as_compiled(tmp_path, monkeypatch):
    schema = {
        "type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}, "n": {"enum": [1, "1", None, [1], {"k": True}]}},
        "allOf": [{"properties": {"extra": {"type": "integer"}}}],
        "anyOf": [{"properties": {"x": {"const": 1}}, "required": ["x"]}, {"patternProperties": {"^y": {}}}],
        "unevaluatedProperties": False,
        "dependentSchemas": {"kind": {"properties": {"why": {"type": "string"}}}},
    }
    compiler = SchemaCompiler({}, FormatRegistry(), check_formats=False, dialect="draft2020-12", record=True)
    generated = compiler.compile(schema, "thing")
    (tmp_path / "exported_thing.py").write_text(module_source(compiler, generated, "test"))
    monkeypatch.syspath_prepend(str(tmp_path))
    exported = importlib.import_module("exported_thing").VALIDATE
    values = [{"x": 1}, {"x": 1, "extra": 2}, {"x": 1, "z": 0}, {"y1": 0}, {"y1": 0, "kind": "a", "why": "w"},
              {"x": 1, "why": "w"}, {"x": 1, "n": 1.0}, {"x": 1, "n": True}, {"x": 1, "n": {"k": True}},
              {"x": 1, "n": [1.0]}, {"x": 1, "kind": "c"}, {"x": 2}, [], {}]
    for value in values:
        errors = []
        exported(value, (), errors)
        assert errors == generated.raw(value), value


def test_sparse_objects_find_the_same_problems():
    """A schema declaring many properties checked by walking the value's keys (the structure check's mode):
    the same problems as looking up each property, listed in the value's key order."""
    props = {f"p{i}": {"type": "integer", "minimum": i} for i in range(12)}
    props["s"] = {"type": "object", "properties": {f"q{i}": {"type": "string"} for i in range(9)}, "required": ["q0"]}
    schema = {"type": "object", "properties": props, "required": ["p0"], "additionalProperties": False}
    plain = SchemaCompiler({}, FormatRegistry(), dialect="draft2020-12").compile(schema)
    sparse = SchemaCompiler({}, FormatRegistry(), dialect="draft2020-12", sparse_objects=True).compile(schema)
    values = [{"p0": 0}, {"p3": 1, "p0": "x", "zz": 1}, {"s": {"q3": 3}, "p11": 11, "p0": 0}, {"s": {"q0": "a", "q8": 1}},
              [], {"p5": True, "p1": 0}]
    for value in values:
        assert sorted(sparse.raw(value)) == sorted(plain.raw(value)), value
        assert sparse.is_valid(value) == plain.is_valid(value)
    assert [p[0] for p in sparse.raw({"p5": 0, "p1": 0, "p0": 0})] == [("p5",), ("p1",)]

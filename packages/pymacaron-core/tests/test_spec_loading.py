"""Broken specs stop start-up with a message naming file, line, place and fix."""

import textwrap

import pytest
from flask import Flask

from pymacaron_core import ApiPool, PyMacaronModel, SpecError
from pymacaron_core.spec.document import load_document

GOOD = """\
swagger: '2.0'
info: {title: t, version: '1'}
host: localhost
paths:
  /a:
    get:
      x-bind-server: x.y
      responses:
        200:
          description: ok
          schema:
            $ref: '#/definitions/Foo'
definitions:
  Foo:
    type: object
    properties:
      a: {type: string}
"""


def write(tmp_path, text, name="api.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def problems_of(excinfo):
    return excinfo.value.problems


def test_good_spec_loads(tmp_path):
    doc = load_document(yaml_path=write(tmp_path, GOOD))
    assert doc.definitions["Foo"]["x-model"] == "Foo"
    assert doc.line(("paths", "/a", "get")) == 6


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    p = write(tmp_path, GOOD.replace("    get:\n", "    get:\n   bad: [\n"))
    with pytest.raises(SpecError) as e:
        load_document(yaml_path=p)
    msg = str(e.value)
    assert "api.yaml line" in msg and "YAML syntax error" in msg
    assert problems_of(e)[0].line in (7, 8, 9)


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_document(yaml_path=tmp_path / "nope.yaml")


def test_openapi3_versions_are_read():
    assert load_document(yaml_str="openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").version == "3.0"
    assert load_document(yaml_str="openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n").version == "3.1"


def test_unknown_openapi_version_is_refused_clearly():
    with pytest.raises(SpecError, match="OpenAPI '4.0.0' is not supported") as e:
        load_document(yaml_str="info: {title: t, version: '1'}\nopenapi: 4.0.0\npaths: {}\n")
    assert e.value.problems[0].line == 2
    assert "openapi: 3.1.0" in e.value.problems[0].fix


def test_not_swagger(tmp_path):
    with pytest.raises(SpecError, match="swagger: \"2.0\""):
        load_document(yaml_str="info: {title: t}\n")


def test_unresolvable_ref_names_line_and_suggests(tmp_path):
    p = write(tmp_path, GOOD.replace("#/definitions/Foo", "#/definitions/Fooo"))
    with pytest.raises(SpecError) as e:
        load_document(yaml_path=p)
    [problem] = problems_of(e)
    assert problem.line == 12
    assert "'#/definitions/Fooo' cannot be resolved" in problem.message
    assert "did you mean '#/definitions/Foo'" in problem.fix
    assert "paths./a.get.responses.200.schema" in str(e.value)


def test_invalid_spec_reports_every_problem_with_lines(tmp_path):
    text = GOOD.replace("      a: {type: string}", "      a: {type: string}\n    required: true")
    text = text.replace("      x-bind-server: x.y", "      x-bind-server: x.y\n      parameters:\n"
                        "        - {in: query, name: q, type: strin}")
    with pytest.raises(SpecError) as e:
        load_document(yaml_path=write(tmp_path, text))
    probs = problems_of(e)
    where = {p.where: p for p in probs}
    assert "definitions.Foo.required" in where
    assert where["definitions.Foo.required"].line == 20
    assert "required: [name]" in where["definitions.Foo.required"].fix
    param = [p for p in probs if p.where.startswith("paths./a.get.parameters[0]")]
    assert param and "'strin' is not one of" in param[0].message
    assert param[0].line == 9


def test_numeric_info_version_is_accepted(tmp_path):
    doc = load_document(yaml_str=GOOD.replace("version: '1'", "version: 1.0"))
    assert doc.data["info"]["version"] == "1.0"


def test_external_file_refs_are_imported(tmp_path):
    write(tmp_path, """\
        definitions:
          Shared:
            type: object
            properties:
              inner: {$ref: '#/definitions/Inner'}
          Inner:
            type: object
            properties:
              n: {type: integer}
        """, name="common.yaml")
    p = write(tmp_path, GOOD.replace("#/definitions/Foo", "common.yaml#/definitions/Shared"))
    doc = load_document(yaml_path=p)
    assert doc.data["paths"]["/a"]["get"]["responses"]["200"]["schema"] == {"$ref": "#/definitions/Shared"}
    assert set(doc.definitions) >= {"Foo", "Shared", "Inner"}


def test_external_ref_to_missing_file(tmp_path):
    p = write(tmp_path, GOOD.replace("#/definitions/Foo", "nothere.yaml#/definitions/Shared"))
    with pytest.raises(SpecError, match="file 'nothere.yaml' not found"):
        load_document(yaml_path=p)


def test_operation_problems_are_reported(tmp_path):
    text = GOOD.replace("  /a:\n", "  /a/{id}:\n")
    with pytest.raises(SpecError) as e:
        ApiPool.add("t", yaml_path=write(tmp_path, text))
    assert "the path uses {id} but no 'in: path' parameter named 'id' is declared" in str(e.value)
    assert "api.yaml line 6" in str(e.value)


def test_two_bodies_refused(tmp_path):
    text = GOOD.replace("      x-bind-server: x.y", """      x-bind-server: x.y
      parameters:
        - {in: body, name: a, schema: {type: object}}
        - {in: body, name: b, schema: {type: object}}""")
    with pytest.raises(SpecError, match="only one 'in: body'"):
        ApiPool.add("t", yaml_path=write(tmp_path, text))


def test_bad_decorator_path_in_spec(tmp_path):
    text = GOOD.replace("      x-bind-server: x.y", "      x-bind-server: x.y\n      x-decorate-server: nodots")
    with pytest.raises(SpecError, match="x-decorate-server must be one dotted path"):
        ApiPool.add("t", yaml_path=write(tmp_path, text))


def test_x_parent_that_does_not_import_stops_serving(tmp_path):
    text = GOOD.replace("    type: object\n", "    type: object\n    x-parent: nowhere.Mixin\n")
    api = ApiPool.add("t", yaml_path=write(tmp_path, text))
    with pytest.raises(SpecError) as e:
        api.spawn_api(Flask("t"))
    assert "x-parent 'nowhere.Mixin' cannot be imported" in str(e.value)
    assert "line 16" in str(e.value)


def test_a_client_copy_loads_without_its_x_parent_and_x_persist_classes(tmp_path, caplog):
    """Another service's spec names classes of that service: as a client, the plain model is built, with one warning."""
    text = GOOD.replace("    type: object\n", "    type: object\n    x-parent: nowhere.Mixin\n"
                                            "    x-persist: nowhere.Store\n")
    path = write(tmp_path, text)
    with caplog.at_level("WARNING", logger="pymacaron_core.api"):
        api = ApiPool.add("t", yaml_path=path)
        ApiPool.add("t", yaml_path=path)
    foo = api.model.Foo(a="x")
    assert foo.to_json() == {"a": "x"} and type(foo).__mro__[1:] == (PyMacaronModel, object)
    warnings = [r.getMessage() for r in caplog.records]
    assert len([w for w in warnings if "x-parent 'nowhere.Mixin' cannot be imported" in w]) == 1, warnings
    assert any("x-persist 'nowhere.Store' cannot be imported" in w and "serving this API stops start-up" in w
               for w in warnings)


def test_problems_v1_tolerated_are_warnings_with_file_and_line(tmp_path, caplog):
    """Missing info.title, missing paths, 'type:' directly under a response: logged once, served anyway."""
    text = GOOD.replace("info: {title: t, version: '1'}", "info: {version: '1'}").replace(
        "          description: ok\n", "          description: ok\n          type: object\n")
    path = write(tmp_path, text)
    with caplog.at_level("WARNING", logger="pymacaron_core.spec"):
        doc = load_document(yaml_path=path)
        load_document(yaml_path=path)
    found = sorted((p.line, p.message) for p in doc.warnings)
    assert found == [(2, "invalid Swagger 2.0: 'title' is a required property"),
                     (9, "invalid Swagger 2.0: 'type' does not match any of the regexes: '^x-'")]
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and all("api.yaml line" in m and "warning:" in m and "strict_spec" in m for m in logged)
    nopaths = load_document(yaml_str="swagger: '2.0'\ninfo: {title: t, version: '1'}\n", name="nopaths")
    assert [p.message for p in nopaths.warnings] == ["invalid Swagger 2.0: 'paths' is a required property"]


def test_strict_turns_warnings_into_errors(tmp_path):
    text = GOOD.replace("info: {title: t, version: '1'}", "info: {version: '1'}")
    path = write(tmp_path, text)
    load_document(yaml_path=path)  # cached: strict must still see the problem
    with pytest.raises(SpecError) as e:
        load_document(yaml_path=path, strict=True)
    assert str(e.value).endswith("api.yaml line 2, info: invalid Swagger 2.0: 'title' is a required property\n"
                                 "    fix: add the missing key")
    with pytest.raises(SpecError):
        ApiPool.add("t", yaml_path=path, strict=True)


def test_errors_and_warnings_are_reported_together(tmp_path):
    text = GOOD.replace("info: {title: t, version: '1'}", "info: {version: '1'}").replace(
        "      a: {type: string}", "      a: {type: strin}")
    with pytest.raises(SpecError) as e:
        load_document(yaml_path=write(tmp_path, text))
    assert [p.severity for p in e.value.problems] == ["error", "warning"]
    assert "warning: invalid Swagger 2.0: 'title' is a required property" in str(e.value)


@pytest.mark.parametrize("text", ["a: &x\n  b: *x\n", "a: &x\n  - *x\n", "a: &x\n  b: [1, {c: *x}]\n"])
def test_a_recursive_yaml_alias_is_a_spec_error(tmp_path, text):
    with pytest.raises(SpecError, match="api.yaml line 2: recursive YAML alias"):
        load_document(yaml_path=write(tmp_path, "swagger: '2.0'\n" + text))

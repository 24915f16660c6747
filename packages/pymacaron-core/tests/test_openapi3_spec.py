"""OpenAPI 3.0 / 3.1 documents at start-up: the description they normalize to, and their problems
(each with its file, line, operation and fix)."""

import pickle
import textwrap

import pytest
from flask import Flask

from pymacaron_core import ApiPool, SpecError
from pymacaron_core.exceptions import ValidationError
from pymacaron_core.spec.description import describe
from pymacaron_core.spec.document import load_document
from pymacaron_core.spec.lint import lint_spec

HEAD = """\
openapi: {version}
info: {{title: t, version: '1'}}
servers: [{{url: /base}}]
"""


def write(tmp_path, body, version="3.1.0", name="api.yaml"):
    path = tmp_path / name
    path.write_text(HEAD.format(version=version) + textwrap.dedent(body))
    return str(path)


def problems_of(tmp_path, body, version="3.1.0", serve=False):
    path = write(tmp_path, body, version)
    with pytest.raises(SpecError) as e:
        ApiPool.add("api", yaml_path=path)
        if serve:
            ApiPool.api.spawn_api(Flask("t"))
    return e.value.problems


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_the_description_is_version_free_and_picklable(tmp_path, version):
    path = write(tmp_path, """\
        paths:
          /a/{id}:
            parameters: [{$ref: '#/components/parameters/Id'}]
            post:
              operationId: mod.handler
              requestBody: {$ref: '#/components/requestBodies/A'}
              responses:
                '200': {$ref: '#/components/responses/A'}
        components:
          parameters:
            Id: {name: id, in: path, required: true, schema: {type: integer}}
          requestBodies:
            A: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
          responses:
            A: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
          schemas:
            A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}
            B: {type: string}
        """, version)
    doc = load_document(yaml_path=path)
    description, problems = describe(doc, "api")
    assert problems == []
    assert description.version == version[:3] and description.dialect == ("oas31" if version == "3.1.0" else "oas30")
    assert description.served_prefix == "/base"
    assert description.schemas["A"]["properties"]["b"] == {"$ref": "#/definitions/B"}
    (op,) = description.operations
    assert (op.method, op.full_path, op.handler) == ("POST", "/base/a/{id}", "mod.handler")
    assert [(p.name, p.location, p.type) for p in op.parameters] == [("id", "path", "integer")]
    assert op.body.schema == {"$ref": "#/definitions/A"} and op.responses == {"200": {"$ref": "#/definitions/A"}}
    assert pickle.loads(pickle.dumps(description)) == description
    assert doc.data["components"]["schemas"]["A"]["properties"]["b"] == {"$ref": "#/components/schemas/B"}


def test_an_unresolvable_component_ref_names_its_line_and_the_close_match(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths: {}
        components:
          schemas:
            Item: {type: object}
            List: {type: array, items: {$ref: '#/components/schemas/Itme'}}
        """)
    assert p.file.endswith("api.yaml") and p.line == 8
    assert "cannot be resolved" in p.message and p.fix == "did you mean '#/components/schemas/Item'?"


def test_a_structure_problem_is_located(tmp_path):
    problems = problems_of(tmp_path, """\
        paths:
          /a:
            get:
              parameters: [{name: q, in: nowhere, schema: {type: string}}]
              responses: {'200': {description: ok}}
        """)
    assert any(p.line == 7 and "invalid OpenAPI 3.1" in p.message for p in problems), problems


def test_a_style_that_does_not_apply_to_the_location(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths:
          /a/{x}:
            get:
              x-no-bind-server: true
              parameters:
                - name: x
                  in: path
                  required: true
                  style: form
                  schema: {type: string}
              responses: {'200': {description: ok}}
        """, version="3.0.3")
    assert p.line == 12 and "invalid OpenAPI 3.0: 'form' is not one of" in p.message
    assert "matrix, label, simple" in p.fix


def test_a_plain_operation_id_without_controller_is_not_bound_and_the_fix_says_how(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths:
          /a:
            get:
              operationId: get_a
              responses: {'200': {description: ok}}
        """, serve=True)
    assert p.line == 6 and "operationId 'get_a' names no function" in p.message
    assert "x-openapi-router-controller" in p.fix


def test_a_controller_whose_module_lacks_the_operation(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths:
          /a:
            x-openapi-router-controller: json
            get:
              operationId: nothing_here
              responses: {'200': {description: ok}}
        """, serve=True)
    assert p.line == 8 and p.where == "GET /a (operationId 'json.nothing_here')"


def test_path_variables_and_path_parameters_must_match(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths:
          /a/{x}:
            get:
              x-no-bind-server: true
              responses: {'200': {description: ok}}
        """)
    assert p.line == 6 and "no 'in: path' parameter named 'x'" in p.message and "schema: {type: string}" in p.fix


def test_an_undeclared_security_scheme(tmp_path):
    (p,) = problems_of(tmp_path, """\
        security: [{jwt: []}]
        paths: {}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
        """)
    assert p.line == 4 and "'jwt', which is not declared" in p.message and "components.securitySchemes" in p.fix


def test_a_mutual_tls_scheme_is_one_problem_not_also_an_undeclared_one(tmp_path):
    """A 3.1 mutualTLS scheme (which PyMacaron cannot check: TLS ends before it) is refused where it is
    declared, with a fix; the requirements naming it are not also said to name an undeclared scheme."""
    (p,) = problems_of(tmp_path, """\
        paths:
          /pets:
            get:
              x-no-bind-server: true
              security: [{cert: [read]}, {oauth: [read]}]
              responses: {'200': {description: ok}}
        components:
          securitySchemes:
            oauth:
              type: oauth2
              flows: {clientCredentials: {tokenUrl: 'https://example.com/token', scopes: {read: r}}}
            cert: {type: mutualTLS}
        """)
    assert p.line == 15 and p.where == "components/securitySchemes/cert", p
    assert "security scheme type 'mutualTLS' is not supported" in p.message
    assert "client certificate" in p.fix


def test_x_body_name_must_be_an_identifier(tmp_path):
    (p,) = problems_of(tmp_path, """\
        paths:
          /a:
            post:
              x-no-bind-server: true
              requestBody:
                x-body-name: not a name
                content: {application/json: {schema: {type: object}}}
              responses: {'200': {description: ok}}
        """)
    assert p.line == 9 and "x-body-name must be a Python identifier" in p.message


def test_external_refs_import_component_schemas(tmp_path):
    (tmp_path / "common.yaml").write_text(textwrap.dedent("""\
        components:
          schemas:
            Money: {type: object, properties: {cents: {type: integer}, unit: {$ref: '#/components/schemas/Unit'}}}
            Unit: {type: string, enum: [EUR, USD]}
        """))
    path = write(tmp_path, """\
        paths: {}
        components:
          schemas:
            Price: {type: object, properties: {amount: {$ref: 'common.yaml#/components/schemas/Money'}}}
        """)
    ApiPool.add("api", yaml_path=path)
    assert set(ApiPool.api.doc.definitions) == {"Price", "Money", "Unit"}
    price = ApiPool.api.model.Price.from_json({"amount": {"cents": 5, "unit": "EUR"}})
    assert isinstance(price.amount, ApiPool.api.model.Money)
    with pytest.raises(ValidationError):
        ApiPool.api.model.Price.from_json({"amount": {"cents": 5, "unit": "XXX"}})
    (tmp_path / "common.yaml").unlink()
    ApiPool.reset()
    path = write(tmp_path, """\
        paths: {}
        components:
          schemas:
            Price: {type: object, properties: {amount: {$ref: 'gone.yaml#/components/schemas/Money'}}}
        """, name="other.yaml")
    with pytest.raises(SpecError) as e:
        ApiPool.add("api", yaml_path=path)
    assert e.value.problems[0].line == 7 and "file 'gone.yaml' not found" in e.value.problems[0].message


def test_lint_reads_3x_specs(tmp_path):
    path = write(tmp_path, """\
        paths:
          /a/{x}:
            get:
              x-no-bind-server: true
              responses: {'200': {description: ok}}
        """)
    (p,) = lint_spec(path)
    assert p.line == 6 and p.severity == "error"

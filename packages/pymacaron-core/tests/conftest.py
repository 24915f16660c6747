import os
import sys

import pytest
from flask import Flask

sys.path.insert(0, os.path.dirname(__file__))

from core_testing import PETSTORE, converted_spec  # noqa: E402

from pymacaron_core import ApiPool  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_pool():
    ApiPool.reset()
    yield
    ApiPool.reset()


@pytest.fixture(params=["2.0", "3.0", "3.1"])
def spec_version(request):
    """The petstore as written (Swagger 2.0), and converted to OpenAPI 3.0 and 3.1 by pymacaron convert."""
    return request.param


@pytest.fixture
def petstore_app(spec_version):
    app = Flask("petstore")
    if spec_version == "2.0":
        ApiPool.add("petstore", yaml_path=PETSTORE, local=True)
    else:
        ApiPool.add("petstore", yaml_str=converted_spec(PETSTORE, spec_version), local=True)
    ApiPool.petstore.spawn_api(app)
    return app


@pytest.fixture
def client(petstore_app):
    return petstore_app.test_client()

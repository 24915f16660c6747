import os
import sys

import pytest
from flask import Flask

sys.path.insert(0, os.path.dirname(__file__))

from core_testing import PETSTORE  # noqa: E402

from pymacaron_core import ApiPool  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_pool():
    ApiPool.reset()
    yield
    ApiPool.reset()


@pytest.fixture
def petstore_app():
    app = Flask("petstore")
    ApiPool.add("petstore", yaml_path=PETSTORE, local=True)
    ApiPool.petstore.spawn_api(app)
    return app


@pytest.fixture
def client(petstore_app):
    return petstore_app.test_client()

"""pymacaron-core: from a Swagger 2.0 spec to a served, validated Flask API and a generated client.

    from pymacaron_core import ApiPool
    ApiPool.add("shop", yaml_path="apis/shop.yaml")
    ApiPool.shop.spawn_api(app)
"""

from pymacaron_core.__about__ import __version__
from pymacaron_core.api import API
from pymacaron_core.apipool import ApiPool
from pymacaron_core.context import get_call_id, get_call_path
from pymacaron_core.exceptions import (
    ClientError,
    MergeApisException,
    Problem,
    PyMacaronCoreException,
    ResponseValidationError,
    SpecError,
    ValidationError,
)
from pymacaron_core.models import PyMacaronModel, get_model
from pymacaron_core.schema.formats import SwaggerFormat
from pymacaron_core.server.params import UploadedFile

__all__ = [
    "API",
    "ApiPool",
    "ClientError",
    "MergeApisException",
    "Problem",
    "PyMacaronCoreException",
    "PyMacaronModel",
    "ResponseValidationError",
    "SpecError",
    "SwaggerFormat",
    "UploadedFile",
    "ValidationError",
    "__version__",
    "get_call_id",
    "get_call_path",
    "get_model",
]

"""Elastic Beanstalk deploys and DynamoDB persistence for PyMacaron services.

Public names (imported lazily, so ``pymacaron aws`` stays quick to start)::

    from pymacaron_aws import BeanstalkTarget           # deploy target 'aws-beanstalk'
    from pymacaron_aws import PersistentSwaggerObject   # base of x-persist classes (DynamoDB)
"""

from __future__ import annotations

import importlib

from pymacaron_aws.__about__ import __version__

_LAZY = {
    "BeanstalkTarget": "pymacaron_aws.beanstalk",
    "DynamoDBError": "pymacaron_aws.dynamodb",
    "DynamoDBItemInvalid": "pymacaron_aws.dynamodb",
    "DynamoDBItemNotFound": "pymacaron_aws.dynamodb",
    "PersistentSwaggerObject": "pymacaron_aws.dynamodb",
    "clean_environments": "pymacaron_aws.cleaner",
    "get_dynamodb": "pymacaron_aws.dynamodb",
}

__all__ = [
    "BeanstalkTarget",
    "DynamoDBError",
    "DynamoDBItemInvalid",
    "DynamoDBItemNotFound",
    "PersistentSwaggerObject",
    "__version__",
    "clean_environments",
    "get_dynamodb",
]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pymacaron_aws' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__

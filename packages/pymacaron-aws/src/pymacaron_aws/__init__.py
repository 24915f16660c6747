"""Elastic Beanstalk deploys and DynamoDB persistence for PyMacaron services."""

from pymacaron_aws.__about__ import __version__

__all__ = ["__version__"]

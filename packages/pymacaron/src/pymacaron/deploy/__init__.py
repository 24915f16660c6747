"""Deploying a service: the pipeline (``pymacaron deploy``) and its pluggable targets.

Targets are plug-ins found through the entry-point group ``pymacaron.deploy_targets``
(``aws-beanstalk`` in pymacaron-aws, ``gcp-cloud-run`` and ``gke`` in pymacaron-gcp);
see :mod:`pymacaron.deploy.targets` for the contract.
"""

from pymacaron.deploy.targets import (
    DeployContext,
    DeployError,
    DeployResult,
    DeployTarget,
    Progress,
    available_targets,
    load_target,
)

__all__ = ["DeployContext", "DeployError", "DeployResult", "DeployTarget", "Progress", "available_targets",
           "load_target"]

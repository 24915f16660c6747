"""``env_secrets`` into Secret Manager, so Cloud Run gets references (secretKeyRef), never values.

For each variable: the secret (``projects/<p>/secrets/<id>``) is created when missing (automatic
replication); the deployer's value becomes a new version unless the latest version already holds it;
the service then references that version by number, so a new value takes effect with the deploy
that brings it (never silently at some later container start). A variable that is not set on the
deployer's machine keeps the latest version already in Secret Manager (an error if there is none).
Values travel only in the Secret Manager calls, and are never printed.
"""

from __future__ import annotations

from pymacaron.deploy.targets import DeployError

LABELS = {"managed-by": "pymacaron"}


def _version_number(version_name):
    return version_name.rsplit("/", 1)[-1]


def _exists(client, name):
    from google.api_core import exceptions as gexc

    try:
        client.get_secret(name=name)
        return True
    except gexc.NotFound:
        return False


def _latest(client, name):
    """(version number, payload bytes) of the latest version, or (None, None) when there is none."""
    from google.api_core import exceptions as gexc

    try:
        answer = client.access_secret_version(name=f"{name}/versions/latest")
    except (gexc.NotFound, gexc.FailedPrecondition):  # no version yet, or the latest is disabled/destroyed
        return None, None
    return _version_number(answer.name), bytes(answer.payload.data)


def sync_secrets(client, refs, values, progress):
    """{VAR: (secret name, version number)} for every ``refs`` entry (VAR -> secret name).

    ``values``: VAR -> the deployer's value ('' or missing: keep what Secret Manager has).
    """
    pinned = {}
    for var, name in refs.items():
        value = values.get(var) or ""
        if not _exists(client, name):
            if not value:
                raise DeployError(f"${var} is not set here and Secret Manager has no secret {name}: export {var} "
                                  f"and deploy again (the deploy stores it in Secret Manager)")
            client.create_secret(parent=name.split("/secrets/")[0], secret_id=name.rsplit("/", 1)[-1],
                                 secret={"replication": {"automatic": {}}, "labels": LABELS})
            progress.info(f"created the secret {name} (for ${var})")
        number, current = _latest(client, name)
        if not value:
            if number is None:
                raise DeployError(f"${var} is not set here and the secret {name} has no enabled version: export "
                                  f"{var} and deploy again")
            progress.info(f"${var} is not set here: using version {number} of {name}, already in Secret Manager")
        elif current != value.encode():
            version = client.add_secret_version(parent=name, payload={"data": value.encode()})
            number = _version_number(version.name)
            progress.info(f"${var}: stored as version {number} of {name}")
        else:
            progress.info(f"${var}: unchanged, version {number} of {name}")
        pinned[var] = (name, number)
    return pinned

"""The Google Cloud settings of a service, read and checked from pym-config (SPEC G4, DESIGN 5).

Common keys::

    name              the service; Cloud Run services <name>-staging / <name>-live, GKE cluster and namespace
    docker_repo       the image registry root: a GCP project id (images gcr.io/<project>/<name>:<version>),
                      or a registry path such as gcr.io/<project> or <region>-docker.pkg.dev/<project>/<repo>
    gcp_project       optional: the GCP project (default: the project of docker_repo)
    gcp_region        default europe-west1
    env_secrets       names of the environment variables shipped to the service as secrets
    gcp_secrets       optional mapping VAR -> Secret Manager secret id (or projects/<p>/secrets/<id>);
                      default: the secret named like the variable, in gcp_project

Works on a :class:`pymacaron.config.PyMacaronConfig` or on the raw yaml mapping (the CLI reads the file
without substituting secrets: no deploy setting is a secret).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_REGION = "europe-west1"
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_DOMAIN_PROJECT = re.compile(r"^[a-z][a-z0-9.-]*:[a-z][a-z0-9-]{4,28}[a-z0-9]$")  # example.com:my-project
_SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_SECRET_NAME = re.compile(r"^projects/([^/]+)/secrets/([A-Za-z0-9_-]{1,255})$")
_QUANTITY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)?$")
_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")


class SettingsError(Exception):
    """A pym-config key needed to deploy on Google Cloud is missing or wrong (the message names it and the fix)."""


def config_value(config, key, default=None):
    """``key`` of a PyMacaronConfig or a plain mapping; None and '' mean unset (-> ``default``)."""
    if config is None:
        return default
    value = config.get(key) if isinstance(config, dict) else config.get(key, None)
    return default if value is None or value == "" else value


def where(config, key=None):
    path = config_value(config, "config_path") or "pym-config.yaml"
    return f"{path}: '{key}'" if key else str(path)


def required(config, key, example, why):
    value = config_value(config, key)
    if value is None or not str(value).strip():
        raise SettingsError(f"{where(config)} has no '{key}' key, needed {why}: add e.g. '{key}: {example}'")
    return str(value).strip()


def integer(config, key, default, low=1, high=None):
    value = config_value(config, key, default)
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise SettingsError(f"{where(config, key)} must be a whole number, got {value!r}")
    number = int(text)
    if number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise SettingsError(f"{where(config, key)} must be {bounds}, got {number}")
    return number


def boolean(config, key, default):
    value = config_value(config, key, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise SettingsError(f"{where(config, key)} must be true or false, got {value!r}")


def quantity(config, key, default, example):
    """A Kubernetes-style quantity (512Mi, 1Gi, 1G, 0.5): what Cloud Run and GKE accept for memory and CPU."""
    value = str(config_value(config, key, default)).strip()
    if not _QUANTITY.match(value):
        raise SettingsError(f"{where(config, key)}: {value!r} is not a quantity Google Cloud accepts: write e.g. "
                            f"'{key}: {example}' (units Mi, Gi, or M, G; no 'B', no space)")
    return value


def secret_names(config):
    """The ``env_secrets`` list (a single string is one name)."""
    names = config_value(config, "env_secrets") or []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise SettingsError(f"{where(config, 'env_secrets')} must be a list of environment variable names, "
                            "e.g. env_secrets: [PYM_JWT_SECRET]")
    return list(names)


def live_host(config):
    """The live domain: ``live_host``, else the host of ``live_url`` (None when neither is set)."""
    host = config_value(config, "live_host")
    if host:
        return str(host).strip()
    url = config_value(config, "live_url")
    if not url:
        return None
    host = urlsplit(str(url)).hostname
    if not host:
        raise SettingsError(f"{where(config, 'live_url')}: {url!r} is not an http(s) URL "
                            "(e.g. live_url: https://api.example.com)")
    return host


def dns_label(text, max_len=63):
    """``text`` as a lowercase DNS label (letters, digits, single hyphens; starts with a letter)."""
    label = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    label = re.sub(r"^[^a-z]+", "", label)
    return label[:max_len].rstrip("-")


class Registry:
    """Where the images are and which GCP project deploys them, from ``docker_repo`` / ``gcp_project``."""

    def __init__(self, config, name):
        self.repo = config_value(config, "docker_repo")
        project = config_value(config, "gcp_project")
        root = str(self.repo).strip().rstrip("/") if self.repo else None
        if root and "/" not in root:
            self.root = f"gcr.io/{root}"  # a bare project id (DESIGN 5): Container Registry path
            derived = root
        else:
            self.root = root
            parts = root.split("/") if root else []
            derived = parts[1] if len(parts) > 1 and (parts[0].endswith("gcr.io")
                                                       or parts[0].endswith("docker.pkg.dev")) else None
        self.project = str(project).strip() if project else derived
        self.name = name
        if not self.project:
            if not root:
                raise SettingsError(f"{where(config)} has neither 'gcp_project' nor 'docker_repo', needed to deploy "
                                    "on Google Cloud: add 'docker_repo: <your-gcp-project-id>'")
            raise SettingsError(f"{where(config, 'docker_repo')} {root!r} does not name a GCP project (not a gcr.io "
                                "or docker.pkg.dev path): add 'gcp_project: <your-gcp-project-id>'")
        if not (_PROJECT.match(self.project) or _DOMAIN_PROJECT.match(self.project)):
            key = "gcp_project" if project else "docker_repo"
            raise SettingsError(f"{where(config, key)}: {self.project!r} is not a GCP project id (6 to 30 lowercase "
                                "letters, digits and hyphens, starting with a letter): set the project id, "
                                "as `gcloud projects list` shows it")

    def image(self, version, config=None):
        if not self.root:
            raise SettingsError(f"{where(config)} has no 'docker_repo': set it to the GCP project id (images "
                                "gcr.io/<project>/<name>:<version>) or pass the image explicitly")
        return f"{self.root}/{self.name}:{version}"


def push_registry(config):
    """Where ``pymacaron deploy`` pushes ``<docker_repo>/<name>:<version>``: gcr.io when docker_repo is a bare
    project id (DESIGN 5), else nowhere extra (docker_repo is already a registry path). Never raises."""
    try:
        repo = str(config_value(config, "docker_repo") or "").strip().rstrip("/")
    except Exception:  # a config object without .get: let the pipeline's other sources decide
        return None
    return "gcr.io" if repo and "/" not in repo else None


def region(config):
    value = str(config_value(config, "gcp_region", DEFAULT_REGION)).strip()
    if not _REGION.match(value):
        raise SettingsError(f"{where(config, 'gcp_region')}: {value!r} is not a Google Cloud region: write e.g. "
                            "'gcp_region: europe-west1' (`gcloud run regions list` lists them)")
    return value


def secret_refs(config, project):
    """{VAR: 'projects/<p>/secrets/<id>'} for every env_secret (gcp_secrets overrides the id)."""
    overrides = config_value(config, "gcp_secrets") or {}
    if not isinstance(overrides, dict):
        raise SettingsError(f"{where(config, 'gcp_secrets')} must map variable names to Secret Manager secret "
                            "ids, e.g. gcp_secrets: {PYM_JWT_SECRET: hello-jwt-secret}")
    names = secret_names(config)
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise SettingsError(f"{where(config, 'gcp_secrets')} names {', '.join(unknown)}, not listed in env_secrets: "
                            "add them to env_secrets, or remove them from gcp_secrets")
    refs = {}
    for var in names:
        target = str(overrides.get(var, var)).strip()
        full = _SECRET_NAME.match(target)
        if full:
            refs[var] = target
        elif _SECRET_ID.match(target):
            refs[var] = f"projects/{project}/secrets/{target}"
        else:
            key = "gcp_secrets" if var in overrides else "env_secrets"
            raise SettingsError(f"{where(config, key)}: {target!r} cannot be a Secret Manager secret id (1 to 255 "
                                f"letters, digits, '-' and '_'): map {var} to a valid id in gcp_secrets")
    return refs

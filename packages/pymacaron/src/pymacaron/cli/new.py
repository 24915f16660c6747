"""``pymacaron new NAME``: write a new service folder that runs and passes its tests as written.

The folder holds the spec (``apis/NAME.yaml``), the handlers and an ``x-parent`` model class
(``<package>/``), ``server.py``, ``pym-config.yaml``, ``.gitignore`` (``.pym/`` included),
``requirements.txt``, unit tests (``test/``, ``python -m pytest``), acceptance tests
(``testaccept/``, ``pymacaron test --local``) and a README. ``--with-async`` adds a task;
``--target`` sets ``deploy_target``. The templates are package data (``pymacaron/templates/new``,
rendered with ``string.Template``). An existing non-empty folder is refused.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import string
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING

from pymacaron.cli._common import CommandError, summary

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11


def requirement_range(version: str | None = None) -> str:
    """'>=3.2.0,<4' for pymacaron 3.2.0: the version that wrote the service, up to its next major."""
    from pymacaron.__about__ import __version__

    version = version or __version__
    match = re.match(r"\d+", version)
    if match is None:
        raise ValueError(f"version {version!r} does not start with a number (e.g. '3.2.0')")
    major = int(match.group(0))
    return f">={version},<{major + 1}"

COMMAND = "new"
OPENAPI_VERSIONS = ("2.0", "3.1")
DEFAULT_OPENAPI = "3.1"
TARGETS = ("aws-beanstalk", "gcp-cloud-run", "gke")
TARGET_EXTRAS = {"aws-beanstalk": "aws", "gcp-cloud-run": "gcp", "gke": "gcp"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# packages the generated service imports, or that its folder already uses
_RESERVED = {"server", "test", "testaccept", "apis", "pymacaron", "flask", "pytest", "yaml", "requests", "celery"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``new`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="write a new service folder (spec, handlers, server.py, config, tests)",
                              description=summary(__doc__))
    p.add_argument("name", metavar="NAME", help="the service's name, also its folder (a path: its last part "
                   "is the name)")
    p.add_argument("--openapi", choices=OPENAPI_VERSIONS, default=DEFAULT_OPENAPI,
                   help=f"the spec's version (default: {DEFAULT_OPENAPI})")
    p.add_argument("--with-async", action="store_true", help="add an asynchronous task (pymacaron-async)")
    p.add_argument("--target", choices=TARGETS, default=None, help="the deploy target written in pym-config.yaml")
    p.set_defaults(func=run)
    return p


def service_names(name: str) -> tuple[str, str]:
    """NAME (a folder path) -> (service name, Python package name); CommandError when unusable."""
    base = os.path.basename(os.path.normpath(name))
    if not _NAME.match(base):
        raise CommandError(f"{base!r} cannot name a service: use letters, digits, '-' and '_', starting with a "
                           "letter (e.g. 'pymacaron new my-service')")
    package = base.replace("-", "_").lower()
    if keyword.iskeyword(package) or package in _RESERVED:
        raise CommandError(f"{base!r} cannot name a service: its package '{package}' would hide a module the "
                           "service imports; pick another name")
    return base, package



def _templates() -> Traversable:
    return resources.files("pymacaron") / "templates" / "new"


def _read(path: Traversable) -> str:
    return path.read_text(encoding="utf-8")


def _render(text: str, values: dict[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(values)
    except (KeyError, ValueError) as e:  # a template bug, not the user's
        raise CommandError(f"pymacaron's template {where} is broken ({type(e).__name__}: {e}); please report it") \
            from None


def render_service(name: str, package: str, openapi: str = DEFAULT_OPENAPI, with_async: bool = False,
                   target: str | None = None) -> dict[str, str]:
    """The files of a new service: {relative path: text}. Pure: nothing is written."""
    root = _templates()
    values = {"name": name, "package": package, "openapi": openapi}

    def fragment(key: str, enabled: bool) -> str:
        return _render(_read(root / "fragments" / key), values, key) if enabled else ""

    extras = ["unit"] + (["async"] if with_async else []) + ([TARGET_EXTRAS[target]] if target else [])
    values.update(
        async_spec=fragment(f"async_spec-{openapi}.yaml.tmpl", with_async),
        async_config=fragment("async_config.yaml.tmpl", with_async),
        async_imports=fragment("async_imports.py.tmpl", with_async),
        async_handlers=fragment("async_handlers.py.tmpl", with_async),
        async_readme=fragment("async_readme.md.tmpl", with_async),
        target_config=fragment(f"target-{target}.yaml.tmpl", bool(target)),
        requirements=f"pymacaron[{','.join(extras)}]{requirement_range()}\n",
    )
    files = {f"apis/{name}.yaml": _render(_read(root / f"spec-{openapi}.yaml.tmpl"), values, "spec")}
    for group in ("base", "async") if with_async else ("base",):
        for rel, item in _walk(root / group):
            target_rel = "/".join(_dest_part(part, name, package) for part in rel)
            files[target_rel[: -len(".tmpl")]] = _render(_read(item), values, "/".join(rel))
    return files


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.is_dir():
            yield from _walk(item, prefix + (item.name,))
        elif item.name.endswith(".tmpl"):
            yield prefix + (item.name,), item


def _dest_part(part: str, name: str, package: str) -> str:
    if part == "PACKAGE":
        return package
    if part.startswith("dot-"):
        part = "." + part[len("dot-"):]
    return part.replace("NAME", name)


def check_can_serve(files: dict[str, str], name: str, openapi: str) -> None:
    """CommandError when the spec written for ``openapi`` does not load (a broken template): nothing is written."""
    from pymacaron_core.exceptions import SpecError
    from pymacaron_core.spec.document import load_document

    from pymacaron.bootstrap import builtin_definitions

    try:  # as the service will load it: Error and Ok are built in
        load_document(yaml_str=files[f"apis/{name}.yaml"], name=name, default_definitions=builtin_definitions())
    except SpecError as e:
        other = "3.1" if openapi == "2.0" else "2.0"
        raise CommandError(f"pymacaron's OpenAPI {openapi} template does not load ({e}); please report it, "
                           f"and use '--openapi {other}' meanwhile") from None


def write_service(folder: str, files: dict[str, str]) -> None:
    """Write ``files`` under ``folder`` (created; it must be missing or empty)."""
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            raise CommandError(f"{folder} exists and is not a folder: pick another NAME")
        if os.listdir(folder):
            raise CommandError(f"{folder} is not empty: pymacaron new only writes into a new or empty folder "
                               "(pick another NAME, or empty it)")
    for rel, text in files.items():
        path = os.path.join(folder, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def run(args: argparse.Namespace) -> int:
    """Write the service folder ``args.name`` and print what to do next; exit code 0."""
    name, package = service_names(args.name)
    files = render_service(name, package, openapi=args.openapi, with_async=args.with_async, target=args.target)
    check_can_serve(files, name, args.openapi)
    folder = os.path.abspath(args.name)
    write_service(folder, files)
    shown = os.path.relpath(folder)
    print(f"wrote {len(files)} files in {shown}/: a PyMacaron service '{name}' (OpenAPI {args.openapi}"
          + (", async tasks" if args.with_async else "") + (f", deploys to {args.target}" if args.target else "")
          + ")")
    print(f"next: cd {shown} && python -m pytest && pymacaron run --reload")
    return 0

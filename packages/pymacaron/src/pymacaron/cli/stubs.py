"""``pymacaron stubs``: write typed stubs (.pyi) of the service's models and clients, for mypy and editors.

The service is loaded as its unit tests load it (``import server``); every model of its specs
gets a class in ``typings/pymacaron-stubs/models.pyi`` (typed properties, ``x-parent`` methods
kept) and every API a typed ``ApiPool.<api>.client`` in ``typings/pymacaron_core-stubs/apipool.pyi``
(partial stub packages, PEP 561). mypy reads them with ``PYTHONPATH=typings mypy .``; run the
command again after changing a spec.
"""

from __future__ import annotations

import argparse
import os

from pymacaron.cli._common import summary

COMMAND = "stubs"
DEFAULT_OUT = "typings"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``stubs`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="write .pyi stubs of the models and clients (for mypy and editors)",
                              description=summary(__doc__))
    p.add_argument("--path", default=None, metavar="DIR", help="the service's folder, holding server.py "
                   "(default: the current folder)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"where to write them, relative to the service's folder (default: {DEFAULT_OUT})")
    p.add_argument("--env", default=None, metavar="E", help="PYM_ENV (selects pym-config.E.yaml)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Load the service in ``args.path`` and write the .pyi stubs of its models and clients under ``args.out``; exit code 0."""
    from pymacaron_core.apipool import ApiPool

    from pymacaron.cli._service import load_app
    from pymacaron.stubs import service_stubs

    folder = os.path.abspath(args.path or os.getcwd())
    load_app(folder, env=args.env)
    apis = dict(ApiPool.all())
    out = os.path.join(folder, args.out)
    files = service_stubs(apis)
    for rel, text in files.items():
        path = os.path.join(out, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    count = sum(len(api.models) for api in apis.values())
    shown = os.path.relpath(out, folder)
    print(f"wrote {shown}/pymacaron-stubs and {shown}/pymacaron_core-stubs: {count} models, {len(apis)} APIs; "
          f"check with: PYTHONPATH={shown} mypy .")
    return 0

"""``pymacaron routes``: every operation the service serves, and what serves it.

For each route: method, path, the handler (``x-bind-server``), its decorators
(``x-decorate-server``) and the security it requires, then the operation's ``summary`` and the
first line of the handler's docstring. The service is loaded as its unit tests load it
(``import server``), so what is listed is what ``python server.py`` serves.
"""

from __future__ import annotations

import argparse
import inspect
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from pymacaron_core.spec.description import Operation

from pymacaron.cli._common import summary

COMMAND = "routes"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``routes`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="list the served operations: method, path, handler, decorators, "
                              "security, summary", description=summary(__doc__))
    p.add_argument("--path", default=None, metavar="DIR", help="the service's folder, holding server.py "
                   "(default: the current folder)")
    p.add_argument("--env", default=None, metavar="E", help="PYM_ENV (selects pym-config.E.yaml)")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=run)
    return p


def _doc_line(dotted: str) -> str:
    from pymacaron_core.imports import ImportProblem, resolve_dotted

    try:
        doc = inspect.getdoc(resolve_dotted(dotted))
    except ImportProblem:
        return ""
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


REQUIRES_AUTH = "pymacaron.auth.requires_auth"


def _security(op: Operation) -> str:
    """The spec's ``security``, else the JWT that pymacaron's requires_auth decorator checks, else 'public'."""
    from pymacaron_core.spec.description import describe_requirement

    if op.security:
        return describe_requirement(op.security)
    return "JWT (requires_auth)" if op.decorate_server == REQUIRES_AUTH else "public"


def operations(app: Flask) -> list[dict[str, Any]]:
    """One dict per served operation, sorted by path then method."""
    from pymacaron.cli._service import served_apis

    found = []
    for api_name, api in served_apis(app).items():
        for op in api.operations:
            if not op.handler:
                continue
            found.append({"api": api_name, "method": op.method, "path": op.full_path, "handler": op.handler,
                          "decorators": [op.decorate_server] if op.decorate_server else [],
                          "security": _security(op), "summary": op.summary.strip(), "doc": _doc_line(op.handler)})
    return sorted(found, key=lambda r: (r["path"], r["method"]))


def table(rows: list[dict[str, Any]]) -> str:
    """The routes as aligned text: one line per route, then its summary and docstring, indented."""
    head = ("METHOD", "PATH", "HANDLER", "DECORATORS", "SECURITY")
    cells = [(r["method"], r["path"], r["handler"], ", ".join(r["decorators"]) or "-", r["security"]) for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    for row, cell in zip(rows, cells, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
        notes = " | ".join(t for t in (row["summary"], row["doc"]) if t)
        if notes:
            lines.append(" " * (widths[0] + 2) + notes)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load the service in ``args.path`` and print its routes (a table, or JSON with ``--json``); exit code 0."""
    import os

    from pymacaron.cli._service import load_app

    app = load_app(os.path.abspath(args.path or os.getcwd()), env=args.env)
    rows = operations(app)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0

"""``pymacaron mock apis/x.yaml``: serve every operation of a spec with example answers.

Consumers can develop against a service that does not exist yet. Each operation answers its
success response from the spec's ``examples``/``example``, else with data generated to fit the
response schema (``pymacaron.mock``); requests are validated as the real service would (400 Error
JSON), the spec's security and decorators are not enforced. ``/ping`` answers too, and the spec is
browsable under ``/doc/<name>``. In a real service, ``pymacaron run --mock-unbound`` mocks only the
operations that have no ``x-bind-server`` yet.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from pymacaron.cli._common import CommandError, summary
from pymacaron.cli.run import _port

if TYPE_CHECKING:
    from flask import Flask

COMMAND = "mock"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``mock`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="serve a spec's operations with example answers (a mock server)",
                              description=summary(__doc__))
    p.add_argument("spec", metavar="SPEC", help="the spec file, e.g. apis/shop.yaml (its name is the API's)")
    p.add_argument("--port", type=_port, default=8080, metavar="P", help="port (default: 8080)")
    p.add_argument("--host", default="127.0.0.1", metavar="H", help="address to listen on (default: 127.0.0.1)")
    p.set_defaults(func=run)
    return p


def build_app(spec: str, port: int = 8080, host: str = "127.0.0.1", serve: bool = True) -> Flask:
    """The mock's Flask app (``serve``: run the development server until stopped)."""
    from flask import Flask
    from pymacaron_core.exceptions import SpecError

    from pymacaron import bootstrap
    from pymacaron.config import ConfigError, load_config

    path = os.path.abspath(spec)
    if not os.path.isfile(path):
        raise CommandError(f"{spec}: no such file (give the spec to mock, e.g. apis/shop.yaml)")
    name = os.path.splitext(os.path.basename(path))[0]
    if name in bootstrap.BUILTIN_APIS:
        raise CommandError(f"{spec}: '{name}' is the name of a built-in API; copy the spec under another name")
    import sys

    for folder in (os.getcwd(), os.path.dirname(os.path.dirname(path))):  # a service's own x-parent classes
        if folder not in sys.path:
            sys.path.insert(0, folder)
    load_config(data={"name": f"{name}-mock", "live_url": f"http://{host}:{port}"})  # the service's own is not read
    bootstrap.runtime.serve, bootstrap.runtime.host = serve, host
    app = Flask("pymacaron_mock")
    try:
        api = bootstrap.API(app, port=port)
        api.apis[name] = path
        api.apis["ping"] = os.path.join(bootstrap.BUILTIN_DIR, "ping.yaml")
        api.mock = "all"  # type: ignore[attr-defined]  # read by API._bind_mocks
        api.publish_apis()
        api.start(serve=name)
    except (SpecError, ConfigError) as e:
        raise CommandError(f"{spec} cannot be mocked:\n{e}") from None
    return app


def run(args: argparse.Namespace) -> int:
    """Serve the mock of ``args.spec`` on ``args.host``:``args.port`` until stopped; exit code 0."""
    from pymacaron.log import setup_logger

    setup_logger()
    build_app(args.spec, port=args.port, host=args.host, serve=True)
    return 0

"""Resolve the dotted paths a spec names (handlers, decorators) with clear errors."""

from __future__ import annotations

import difflib
import importlib
import sys
import sysconfig
import traceback
from typing import Any


class ImportProblem(Exception):
    """Why a dotted path cannot be resolved, and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def resolve_dotted(dotted: str) -> Any:
    """'pkg.mod.func' -> the object; raises ImportProblem."""
    if not isinstance(dotted, str) or "." not in dotted:
        raise ImportProblem(f"{dotted!r} is not a dotted path 'package.module.function'",
                            "write the full import path of the function")
    module_name, _, attr = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        missing = e.name or module_name
        if module_name == missing or module_name.startswith(missing + "."):
            raise ImportProblem(
                f"cannot import module {module_name!r}: No module named {missing!r}",
                f"check the spelling, and that {missing.split('.')[0]!r} is importable from "
                f"{sys.path[0] or '.'} (run the server from the project's root)") from None
        raise ImportProblem(
            f"importing module {module_name!r} failed: {e}", _where_raised(e)) from None
    except Exception as e:
        raise ImportProblem(
            f"importing module {module_name!r} failed: {e.__class__.__name__}: {e}",
            _where_raised(e)) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attr, names, n=1)
        hint = f"did you mean {module_name}.{close[0]}?" if close else \
            f"define {attr}() in {getattr(module, '__file__', module_name)}"
        raise ImportProblem(f"module {module_name!r} has no function {attr!r}", hint) from None


def _where_raised(exc):
    stdlib = sysconfig.get_paths()["stdlib"]
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<") and not f.filename.startswith(stdlib)]
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"fix the syntax error in {exc.filename} line {exc.lineno}"
    if frames:
        f = frames[-1]
        return f"the error was raised in {f.filename} line {f.lineno}: {f.line}"
    return "fix the error raised while importing the module"

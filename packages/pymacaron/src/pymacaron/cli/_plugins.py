"""Finding and loading the subcommands other distributions add (entry points)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Hashable, Iterable
from importlib import metadata

COMMANDS_GROUP = "pymacaron.commands"
DEPLOY_TARGETS_GROUP = "pymacaron.deploy_targets"

_warned: set[Hashable] = set()


def entry_points(group: str) -> list[metadata.EntryPoint]:
    """The installed entry points of ``group``, one per name (first found wins), sorted by name."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=group):
        found.setdefault(ep.name, ep)
    return [found[name] for name in sorted(found)]


def provider(ep: metadata.EntryPoint) -> str:
    """'<distribution> <version>' of an entry point, or its module path when unknown (a test's fake)."""
    dist = getattr(ep, "dist", None)
    name = getattr(dist, "name", None) if dist is not None else None
    if name:
        version = getattr(dist, "version", None)
        return f"{name} {version}" if version else name
    value = getattr(ep, "value", None) or getattr(ep, "module", None)
    return f"the module {value.split(':')[0]}" if value else "an unknown package"


def warn_once(key: Hashable, message: str) -> None:
    """Print ``pymacaron: warning: <message>`` on stderr, once per process for ``key``."""
    if key in _warned:
        return
    _warned.add(key)
    sys.stderr.write(f"pymacaron: warning: {message}\n")


def register_plugins(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                     eps: Iterable[metadata.EntryPoint]) -> list[str]:
    """Call each entry point's ``register(subparsers)``; a broken plug-in is skipped with one warning.

    Returns the names of the plug-ins that registered.
    """
    loaded = []
    for ep in eps:
        name = getattr(ep, "name", "?")
        where = provider(ep)
        if name in subparsers.choices:
            warn_once(("clash", name, where), f"the '{name}' command from {where} is ignored: a command of "
                      "that name already exists (rename the entry point).")
            continue
        try:
            register = ep.load()
        except Exception as e:  # ImportError, SyntaxError, AttributeError, ... in someone else's package
            warn_once(("load", name, where), f"the '{name}' command from {where} cannot be loaded "
                      f"({type(e).__name__}: {e}); reinstall or upgrade that package. Other commands still work.")
            continue
        if not callable(register):
            warn_once(("call", name, where), f"the '{name}' entry point of {where} is not a function "
                      f"(got {type(register).__name__}); it must be register(subparsers). Skipped.")
            continue
        before = set(subparsers.choices)
        try:
            register(subparsers)
        except Exception as e:
            for added in set(subparsers.choices) - before:  # drop what a half-done register() left
                subparsers.choices.pop(added, None)
                subparsers._choices_actions[:] = [a for a in subparsers._choices_actions if a.dest != added]
            warn_once(("register", name, where), f"the '{name}' command from {where} failed to register "
                      f"({type(e).__name__}: {e}); reinstall or upgrade that package. Other commands still work.")
            continue
        loaded.append(name)
    return loaded

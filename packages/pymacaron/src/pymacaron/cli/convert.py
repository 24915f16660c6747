"""``pymacaron convert apis/x.yaml``: write the OpenAPI 3.0 (or ``--to 3.1``) version of a Swagger 2.0 spec.

The PyMacaron extensions (``x-bind-server``, ``x-decorate-server``, ``x-parent``, ...) stay where
they were, so a service can move one file of ``apis/`` at a time. The new file is
``apis/x.yaml.new`` unless ``-o`` names another (``-o -``: standard output); ``--in-place``
replaces ``apis/x.yaml``. An existing file is never overwritten without ``--in-place`` or
``--force``. What could not be carried over exactly is printed as ``file:line: where: note``.
The spec must first be a valid Swagger 2.0 spec, as PyMacaron loads it (its problems are
printed, with their lines, and nothing is written).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from pymacaron.cli._common import CommandError, summary

COMMAND = "convert"
NEW_SUFFIX = ".new"  # apis/x.yaml.new: not a *.yaml file, so load_apis() does not serve it next to x.yaml


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``convert`` subcommand to ``subparsers``; returns its parser."""
    p = subparsers.add_parser(COMMAND, help="write the OpenAPI 3.0/3.1 version of a Swagger 2.0 spec",
                              description=summary(__doc__),
                              epilog="Example: pymacaron convert apis/shop.yaml, review apis/shop.yaml.new, "
                                     "then mv apis/shop.yaml.new apis/shop.yaml (or use --in-place).")
    p.add_argument("spec", metavar="SPEC", help="the Swagger 2.0 yaml file, e.g. apis/shop.yaml")
    p.add_argument("--to", choices=("3.0", "3.1"), default="3.0",
                   help="the OpenAPI version to write (default 3.0)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT",
                       help=f"where to write it ('-' for standard output; default SPEC{NEW_SUFFIX})")
    where.add_argument("--in-place", action="store_true", help="replace SPEC with its converted version")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Convert ``args.spec`` and write it where the flags say, notes on stderr; exit code 0 (CommandError on failure)."""
    spec = args.spec
    text = _read(spec)
    out = spec if args.in_place else (args.output or spec + NEW_SUFFIX)
    if out != "-" and not args.in_place and not args.force and os.path.lexists(out):
        raise CommandError(f"{out} already exists: pass --force to overwrite it, or -o to write elsewhere")

    from pymacaron_core.exceptions import SpecError
    from pymacaron_core.spec.convert import OPENAPI_VERSIONS, convert, to_yaml
    from pymacaron_core.spec.document import load_document
    from pymacaron_core.spec.structure import version_of
    from pymacaron_core.spec.yamlfile import load_yaml

    from pymacaron.bootstrap import builtin_definitions

    try:
        data, locs = load_yaml(text, spec)
    except SpecError as e:
        raise CommandError(f"cannot convert {spec}: {e}") from None
    version = version_of(data)
    if version != "2.0":
        if version is not None:
            raise CommandError(f"{spec} is already OpenAPI {data.get('openapi')}: there is nothing to convert")
        raise CommandError(f"{spec} is not a Swagger 2.0 spec: it has no 'swagger: \"2.0\"' line at the top")
    builtins = builtin_definitions()
    try:  # exactly the checks PyMacaron runs before serving it
        load_document(yaml_path=spec, default_definitions=builtins)
    except SpecError as e:
        problems = "\n".join(f"  {p}".replace("\n", "\n  ") for p in e.problems)
        raise CommandError(f"{spec} is not a valid Swagger 2.0 spec; fix it, then convert it:\n{problems}") from None

    converted, notes = convert(data, to=args.to, known_schemas=builtins)
    header, comments = _comments(text)
    result = "".join(line + "\n" for line in header) + to_yaml(converted)
    for note in sorted(notes, key=lambda n: locs.line(n.path) or 0):
        line = locs.line(note.path)
        sys.stderr.write(f"{spec}:{line}: {note.where}: {note.message}\n" if line else f"{spec}: {note}\n")
        if note.fix:
            sys.stderr.write(f"    fix: {note.fix}\n")
    if comments:
        shown = ", ".join(str(n) for n in comments[:10]) + (", ..." if len(comments) > 10 else "")
        sys.stderr.write(f"{spec}:{comments[0]}: YAML comments inside the spec are not carried over "
                         f"(lines {shown})\n    fix: copy the ones you need into the new file\n")
    count = len(notes) + bool(comments)
    label = f"OpenAPI {OPENAPI_VERSIONS[args.to]}"
    if out == "-":
        sys.stdout.write(result)
        sys.stderr.write(f"converted {spec} to {label} ({_plural(count, 'note')})\n")
        return 0
    same = args.in_place or os.path.abspath(out) == os.path.abspath(spec)
    _write(out, result, like=spec if same else None)
    print(f"wrote {out}: {label} ({_plural(count, 'note')})")
    if not args.in_place:
        print(f"review it, then replace the Swagger 2.0 file: mv {out} {spec}")
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _read(spec: str) -> str:
    try:
        with open(spec, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise CommandError(f"{spec}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{spec} is a folder: name one spec file, e.g. {os.path.join(spec, 'x.yaml')}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{spec} is not UTF-8 text") from None
    except OSError as e:
        raise CommandError(f"cannot read {spec}: {e.strerror}") from None


def _write(path: str, text: str, like: str | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file (never a half-written spec); keep ``like``'s mode."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        if like is not None:
            shutil.copymode(like, tmp)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise CommandError(f"cannot write {path}: {e.strerror}") from None


def _comments(text: str) -> tuple[list[str], list[int]]:
    """(the comment lines that open the file, [line numbers of the other comments])."""
    import yaml

    ends: dict[int, int] = {}
    inside: set[int] = set()
    first = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            start, end = token.start_mark, token.end_mark
            if isinstance(token, (yaml.StreamStartToken, yaml.StreamEndToken)):
                continue
            if first is None:
                first = start.line
            if end.line > start.line:  # a scalar over several lines: '#' in it is text
                inside.update(range(start.line, end.line))
            ends[end.line] = max(ends.get(end.line, 0), end.column)
    except yaml.YAMLError:  # already parsed once: cannot happen, but never fail on comments
        return [], []
    lines = text.splitlines()
    first = len(lines) if first is None else first
    header = lines[:first]
    while header and not header[-1].strip():
        header.pop()
    if not all(line.lstrip().startswith("#") for line in header if line.strip()):
        header = []
    others = [i + 1 for i in range(first, len(lines))
              if i not in inside and "#" in lines[i][ends.get(i, 0):]]
    return header, others

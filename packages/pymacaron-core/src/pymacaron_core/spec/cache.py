"""The start-up cache: a loaded and checked spec, kept on disk between starts.

Stages 1-2 of the pipeline (read the YAML with the line of every node, follow external
``$ref``s, check the structure, the references and the patterns) are pure: their result depends
only on the bytes of the spec and of the files it refers to, the default definitions, and the
code doing the work. :func:`load` keeps that result (the data, the line map and the warnings
tolerated) in ``<cache folder>/spec-<key>.json`` and serves it while every input is unchanged:

- the key is a SHA-256 of the spec's bytes, the default definitions, the Python version, the
  versions passed by the caller (pymacaron's) and pymacaron-core's version and code (name, size
  and modification time of every file of ``spec/``), so a changed spec or an upgraded package
  misses;
- each entry lists the external files the spec referred to with the SHA-256 of their bytes,
  checked on every hit;
- an entry starts with a format marker, the length and the SHA-256 of the rest: a truncated,
  corrupt or foreign file is ignored (and replaced), never trusted; entries are written to a
  temporary file then renamed, so a reader never sees half of one.

Nothing else is cached: handlers, decorators and security verifiers are imported and checked at
every start (stage 5), and a spec with errors is never cached (its errors are reported each time).
A cache that cannot be written (a read-only folder) only costs the next start its speed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pymacaron_core.__about__ import __version__
from pymacaron_core.exceptions import SpecProblem

if TYPE_CHECKING:
    from pymacaron_core.spec.yamlfile import Locations

# A folder path, as str or os.PathLike.
Folder = str | os.PathLike[str]

log = logging.getLogger(__name__)

FORMAT = "pymacaron-spec-cache 2"
_SPEC_DIR = os.path.dirname(os.path.abspath(__file__))


def _code_fingerprint():
    """pymacaron-core's version and the identity of the files that read and check specs."""
    parts = [__version__, sys.implementation.name, "%d.%d.%d" % sys.version_info[:3]]
    for folder in (_SPEC_DIR, os.path.join(_SPEC_DIR, "schemas")):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and entry.name.endswith((".py", ".json")):
                st = entry.stat()
                parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def cache_key(spec_bytes: bytes, default_definitions: dict[str, Any] | None = None,
              versions: Iterable[object] = ()) -> str | None:
    """The key of a spec's entry (hex SHA-256); None when the inputs cannot be keyed."""
    try:
        defaults = json.dumps(default_definitions or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    h = hashlib.sha256()
    for part in (FORMAT, _code_fingerprint(), json.dumps([str(v) for v in versions]), defaults):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    h.update(hashlib.sha256(spec_bytes).digest())
    return h.hexdigest()


def entry_path(folder: Folder, key: str) -> str:
    """The file of the entry of ``key`` in the cache folder ``folder``."""
    return os.path.join(folder, f"spec-{key[:40]}.json")


def _file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# -- reading -------------------------------------------------------------


class Entry:
    """What a hit gives back: the loaded document's parts (``locs_json`` is "" for a JSON spec, whose lines
    are found in its text: :meth:`Locations.from_json_text`)."""

    def __init__(self, data: dict[str, Any], locs_json: str, warnings: list[SpecProblem], data_json: str = "") -> None:
        self.data = data
        self.locs_json = locs_json
        self.warnings = warnings
        self.data_json = data_json  # the data's JSON text, as stored


def read(folder: Folder, key: str, spec_dir: str | os.PathLike[str], file: str) -> Entry | None:
    """The entry for ``key``, or None (missing, stale, truncated or corrupt: the reason is logged).

    ``spec_dir``: the folder of the spec (external files are recorded relative to it);
    ``file``: the spec's name as problems show it (stored warnings are about it).
    """
    path = entry_path(folder, key)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        log.debug("start-up cache: no entry for %s", file)
        return None
    except OSError as e:
        log.debug("start-up cache: cannot read %s: %s", path, e)
        return None
    head, sep, body = raw.partition(b"\n")
    fields = head.decode("ascii", "replace").rsplit(" ", 2)
    if not sep or len(fields) != 3 or fields[0] != FORMAT or fields[1] != str(len(body)) \
            or hashlib.sha256(body).hexdigest() != fields[2]:
        log.info("start-up cache: %s is truncated or corrupt: ignored, rebuilt", path)
        return None
    try:
        meta_line, data_line, locs_line = body.decode("utf-8").split("\n", 2)
        meta = json.loads(meta_line)
        if meta.get("key") != key:
            log.info("start-up cache: %s belongs to another spec: ignored, rebuilt", path)
            return None
        for rel, digest in meta["sources"]:
            source = os.path.join(spec_dir, rel)
            try:
                if _file_digest(source) != digest:
                    log.debug("start-up cache: %s changed: %s is reloaded", rel, file)
                    return None
            except OSError:
                log.debug("start-up cache: %s is gone: %s is reloaded", rel, file)
                return None
        warnings = [SpecProblem(file, w["line"], w["where"], w["message"], w["fix"], w["severity"])
                    for w in meta["warnings"]]
        data = json.loads(data_line)
        locs_json = locs_line.rstrip("\n")
    except (ValueError, KeyError, TypeError) as e:
        log.info("start-up cache: %s cannot be read (%s): ignored, rebuilt", path, e)
        return None
    return Entry(data, locs_json, warnings, data_line)


# -- writing -------------------------------------------------------------


def write(folder: Folder, key: str, spec_dir: str | os.PathLike[str], data: Any, locs: Locations,
          warnings: Iterable[SpecProblem], sources: Iterable[str]) -> str | None:
    """Store an entry (atomically) -> the data's JSON text as stored; None when it cannot be stored (data that
    is not JSON, e.g. a !!binary value; a read-only folder).

    The data is what :func:`load_yaml` reads (strings, numbers, booleans, null, lists, string-keyed mappings:
    dates are ISO strings, !!omap and !!set are a list and a mapping), so JSON gives it back as it is."""
    try:
        meta = {
            "key": key,
            "sources": [[os.path.relpath(s, spec_dir), _file_digest(s)] for s in sources],
            "warnings": [{"line": w.line, "where": w.where, "message": w.message, "fix": w.fix,
                          "severity": w.severity} for w in warnings],
        }
        data_json = json.dumps(data, separators=(",", ":"), allow_nan=True)
        # a JSON spec's lines are found in its text, which the reader has: no map (an empty line)
        locs_json = "" if locs.unparsed else locs.to_json()
        body = "\n".join((json.dumps(meta, separators=(",", ":")), data_json, locs_json)).encode("utf-8") + b"\n"
    except (TypeError, ValueError, OSError, RecursionError) as e:  # e.g. a !!binary value
        log.debug("start-up cache: not cached (%s)", e)
        return None
    head = f"{FORMAT} {len(body)} {hashlib.sha256(body).hexdigest()}\n".encode("ascii")
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".spec-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(head)
                f.write(body)
            os.replace(tmp, entry_path(folder, key))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        log.debug("start-up cache: cannot write into %s: %s", folder, e)
        return None
    return data_json


def clear(folder: Folder) -> int:
    """Remove every entry of the cache in ``folder`` -> how many were removed."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if name.startswith(("spec-", ".spec-")):
            try:
                os.unlink(os.path.join(folder, name))
                removed += 1
            except OSError:
                pass
    return removed

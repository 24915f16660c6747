"""A loaded, checked Swagger 2.0, OpenAPI 3.0 or OpenAPI 3.1 document.

``load_document`` reads the yaml, detects the version (``swagger: "2.0"`` or
``openapi: 3.0.x / 3.1.x``), normalises what old specs commonly got loosely right
(numeric ``info.version``), pulls named schemas referenced from other files into this one
(``definitions`` in 2.0, ``components.schemas`` in 3.x), checks the structure against the
official schema of the version, and checks that every ``$ref`` resolves. Every problem
found is reported at once, with its line.

Whatever the version, ``doc.definitions`` are the named schemas with their references
written ``#/definitions/<Name>`` (a 3.x document's ``#/components/schemas/<Name>`` are
rewritten in that copy; ``doc.data`` keeps the document as written), and ``doc.line``
accepts such a ``("definitions", <Name>, ...)`` path for a 3.x document too.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pymacaron_core.exceptions import SpecError, SpecProblem, format_location
from pymacaron_core.spec.patterns import check_patterns
from pymacaron_core.spec.problems import settle
from pymacaron_core.spec.structure import check_structure, version_of
from pymacaron_core.spec.yamlfile import Locations, load_yaml


# An escape spelling an ASCII character (JSON "\u0024", YAML "\x24" or "\U00000024"): a text with one may hold
# a key or string the plain text does not show (escapes of other characters cannot spell an ASCII word)
_ASCII_ESCAPE = re.compile(r"\\(x[0-7][0-9a-fA-F]|u00[0-7][0-9a-fA-F]|U000000[0-7][0-9a-fA-F])")


class SpecDocument:
    """The spec of one API: its data, the file it came from, line numbers."""

    def __init__(self, data: dict[str, Any], locs: Locations, file: str, name: str | None = None,
                 warnings: Iterable[SpecProblem] = ()) -> None:
        self.data = data
        self.locs = locs
        self.file = file
        self.name = name
        self.warnings = list(warnings)  # SpecProblems tolerated (severity "warning")
        self.sources: list[str] = []  # paths of the external files its $refs pointed into
        self.version = version_of(data) or "2.0"
        self._schemas: dict[str, Any] | None = None
        # texts holding every key and string of the data (the spec's and its external files', or the
        # data as JSON): what may_contain searches; None when unknown
        self.texts: list[str] | None = None
        self.data_json: str | None = None  # the data as JSON text, when the start-up cache made or read it

    def may_contain(self, *words: str) -> bool:
        """False only when none of ``words`` occurs in the document's texts (then no key or string of
        the data contains one: a walk looking for them can be skipped); True when one does, or unknown
        (no texts, or a text spelling an ASCII character with an escape, as in "\\u0024ref")."""
        return self.may_match(*(re.compile(re.escape(word)) for word in words))

    def may_match(self, *patterns: re.Pattern[str]) -> bool:
        """:meth:`may_contain` for regular expressions: False only when no text matches any of them."""
        if self.texts is None or any(_ASCII_ESCAPE.search(text) for text in self.texts):
            return True
        return any(pattern.search(text) for text in self.texts for pattern in patterns)

    @property
    def schemas_path(self) -> tuple[str, ...]:
        """Where the named schemas are: ("definitions",) in 2.0, ("components", "schemas") in 3.x."""
        return SCHEMAS_PATH[self.version]

    @property
    def definitions(self) -> dict[str, Any]:
        """The named schemas, by name, their references written ``#/definitions/<Name>`` whatever the
        version (a 3.x document's are a rewritten copy, each with its ``x-model`` name)."""
        if self.version == "2.0":
            return self.data.get("definitions") or {}
        if self._schemas is None:
            components = self.data.get("components")
            raw = components.get("schemas") if isinstance(components, dict) else None
            self._schemas = rewrite_refs(raw) if isinstance(raw, dict) else {}
            for def_name, schema in self._schemas.items():
                if isinstance(schema, dict):
                    schema.setdefault("x-model", def_name)
        return self._schemas

    def line(self, path: Sequence[str | int]) -> int | None:
        """The line of the node at ``path`` (or of its nearest located ancestor); a ``("definitions",
        <Name>, ...)`` path works for a 3.x document too."""
        if self.version != "2.0" and path and path[0] == "definitions":
            path = ("components", "schemas") + tuple(path[1:])
        return self.locs.line(path)

    def problem(self, path: Sequence[str | int], message: str, fix: str = "",
                where: str | None = None) -> SpecProblem:
        """A SpecProblem located at ``path`` in this file (``where`` defaults to the dotted path)."""
        if where is None:
            where = format_location(path)
        return SpecProblem(self.file, self.line(path), where, message, fix)

    def resolve_pointer(self, ref: str) -> Any:
        """'#/a/b' -> the node, or raise KeyError."""
        if not ref.startswith("#"):
            raise KeyError(ref)
        node = self.data
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            else:
                node = node[part]
        return node


SCHEMAS_PATH = {"2.0": ("definitions",), "3.0": ("components", "schemas"), "3.1": ("components", "schemas")}
_COMPONENT_SCHEMAS = "#/components/schemas/"


def rewrite_refs(node: Any) -> Any:
    """A deep copy of ``node`` whose ``#/components/schemas/X`` references read ``#/definitions/X``."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(_COMPONENT_SCHEMAS):
                out[k] = "#/definitions/" + v[len(_COMPONENT_SCHEMAS):]
            else:
                out[k] = rewrite_refs(v)
        return out
    if isinstance(node, list):
        return [rewrite_refs(v) for v in node]
    return node


def _display_path(path):
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


_cache: dict = {}
_CACHE_SIZE = 64


def load_document(yaml_path: str | os.PathLike[str] | None = None, yaml_str: str | None = None,
                  name: str | None = None, default_definitions: dict[str, Any] | None = None,
                  strict: bool = False, cache_dir: str | os.PathLike[str] | None = None,
                  cache_versions: Iterable[str] = ()) -> SpecDocument:
    """Load and check a spec. ``default_definitions`` fill in definitions the spec
    references but does not define (pymacaron passes its Error and Ok).

    Problems v1 tolerated are logged as warnings (``doc.warnings``), or raised as errors
    when ``strict``. Checked documents are cached by file identity (path, size, mtime)
    and content, so loading the same spec again (tests, reloads) skips the checks.
    ``cache_dir``: also keep the checked spec on disk there, between starts (see
    :mod:`pymacaron_core.spec.cache`; ``cache_versions``: the caller's versions, part of the key).
    """
    key = _cache_key(yaml_path, yaml_str, name, default_definitions)
    cached = _cache.get(key) if key is not None else None
    if cached is not None:
        kept, locs, file, warnings = cached
        settle(warnings, strict)
        data = json.loads(kept) if isinstance(kept, str) else copy.deepcopy(kept)
        doc = SpecDocument(data, locs, file, name, warnings)
        doc.texts = [kept] if isinstance(kept, str) else None
        return doc
    if cache_dir and yaml_path is not None:
        doc = _load_cached(yaml_path, name, default_definitions, strict, cache_dir, cache_versions)
    else:
        doc = _load_document(yaml_path, yaml_str, name, default_definitions, strict)
    if key is not None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        # a copy for the next load: JSON text (the start-up cache's when there is one) is much cheaper to
        # make than a deep copy, and gives the data back as it is (see cache.write)
        kept = doc.data_json
        if kept is None:
            try:
                kept = json.dumps(doc.data)
            except (TypeError, ValueError, RecursionError):
                kept = copy.deepcopy(doc.data)
        _cache[key] = (kept, doc.locs, doc.file, list(doc.warnings))
    return doc


def _load_cached(yaml_path, name, default_definitions, strict, cache_dir, versions):
    """Stages 1-2 from the start-up cache when every input is unchanged, else loaded and stored."""
    from pymacaron_core.spec import cache

    file = _display_path(str(yaml_path))
    try:
        with open(yaml_path, "rb") as f:
            raw = f.read()
        key = cache.cache_key(raw, default_definitions, versions)
    except OSError:
        raw, key = b"", None  # _load_document reports it
    spec_dir = os.path.dirname(os.path.abspath(yaml_path))
    entry = cache.read(cache_dir, key, spec_dir, file) if key else None
    if entry is not None:
        settle(entry.warnings, strict)
        if entry.locs_json:
            locs = Locations.from_json(file, entry.locs_json)
        else:  # a JSON spec: its lines are found in its text (the key covers its bytes) when asked for
            locs = Locations.from_json_text(file, raw.decode("utf-8", "replace"))
        doc = SpecDocument(entry.data, locs, file, name, entry.warnings)
        doc.texts = [entry.data_json]
        doc.data_json = entry.data_json
        return doc
    doc = _load_document(yaml_path, None, name, default_definitions, strict)
    if key:
        doc.data_json = cache.write(cache_dir, key, spec_dir, doc.data, doc.locs, doc.warnings, doc.sources)
    return doc


def _cache_key(yaml_path, yaml_str, name, default_definitions):
    try:
        defaults = repr(sorted((default_definitions or {}).items()))
        if yaml_path is not None:
            st = os.stat(yaml_path)
            return ("path", os.path.abspath(yaml_path), os.path.relpath(yaml_path) if not os.path.isabs(
                str(yaml_path)) else str(yaml_path), st.st_size, st.st_mtime_ns, defaults)
        return ("str", yaml_str, name, defaults)
    except (OSError, TypeError, ValueError):
        return None


def _load_document(yaml_path, yaml_str, name, default_definitions, strict=False):
    if yaml_path is None and yaml_str is None:
        raise SpecError(SpecProblem("", None, "", "no spec given", "pass yaml_path= or yaml_str="))
    if yaml_path is not None:
        file = _display_path(str(yaml_path))
        try:
            with open(yaml_path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            raise SpecError(SpecProblem(file, None, "", "spec file not found",
                                        "check the path (it is relative to the current directory)")) from None
        except (OSError, UnicodeDecodeError) as e:
            raise SpecError(SpecProblem(file, None, "", f"cannot read the spec: {e}", "")) from None
        base_dir = os.path.dirname(os.path.abspath(yaml_path))
    else:
        file = f"<yaml_str {name}>" if name else "<yaml_str>"
        text = yaml_str
        base_dir = os.getcwd()

    data, locs = load_yaml(text, file)
    doc = SpecDocument(data, locs, file, name)
    doc.texts = [text]  # and each external file's text (below)
    _check_version(doc)
    _normalise(doc)
    if default_definitions:
        _add_default_definitions(doc, default_definitions)
        doc.texts.append(json.dumps(default_definitions, default=str))
    problems = []
    imported = {}
    if doc.may_match(_EXTERNAL_REF):  # else every $ref is local: nothing to import, no walk
        _import_external_refs(doc, base_dir, problems, imported)
    doc.sources = sorted(imported)  # the external files read (the start-up cache checks them)
    problems.extend(check_structure(doc.data, locs, doc.version))
    problems.extend(_check_refs(doc))
    if doc.may_contain("pattern"):  # validators are generated lazily: a bad pattern cannot fail later
        problems.extend(check_patterns(doc.data, locs))
    doc.warnings = settle(problems, strict)
    if doc.version == "2.0":
        for def_name, schema in doc.definitions.items():
            if isinstance(schema, dict):
                schema.setdefault("x-model", def_name)
    return doc


def _check_version(doc):
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(doc.problem((), "the spec is not a mapping", "a spec starts with 'swagger: \"2.0\"' or "
                                    "'openapi: 3.1.0'"))
    if "openapi" in data:
        version = version_of(data)
        if version is None:
            raise SpecError(doc.problem(("openapi",), f"OpenAPI {data['openapi']!r} is not supported",
                                        "write 'openapi: 3.0.3' or 'openapi: 3.1.0' (a string), or Swagger 2.0"))
        doc.version = version
        return
    if str(data.get("swagger")) not in ("2.0", "2"):
        raise SpecError(doc.problem(("swagger",), "not a Swagger 2.0 spec: 'swagger: \"2.0\"' is missing",
                                    "add 'swagger: \"2.0\"' at the top of the file"))
    data["swagger"] = "2.0"


def _normalise(doc):
    info = doc.data.get("info")
    if isinstance(info, dict) and isinstance(info.get("version"), (int, float)):
        info["version"] = str(info["version"])


def _schemas_of(doc, create=False):
    """The dict of named schemas (2.0 definitions, 3.x components.schemas); created if asked."""
    node = doc.data
    for key in doc.schemas_path:
        child = node.get(key) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            if not create or not isinstance(node, dict):
                return None
            child = node[key] = {}
        node = child
    return node


def _add_default_definitions(doc, defaults):
    prefix = "#/" + "/".join(doc.schemas_path) + "/"
    wanted = {node["$ref"][len(prefix):] for _, node in _walk_refs(doc.data)
              if isinstance(node["$ref"], str) and node["$ref"].startswith(prefix)}
    defs = _schemas_of(doc)
    for name, schema in defaults.items():
        if name in wanted and (not isinstance(defs, dict) or name not in defs):
            defs = _schemas_of(doc, create=True)
            defs[name] = copy.deepcopy(schema)


def _walk_refs(node, path=()):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield path, node
        for k, v in node.items():
            if k != "$ref":
                yield from _walk_refs(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_refs(v, path + (i,))


# A $ref (key quoted or not) whose value does not start with '#': one into another file. Over-matching is
# harmless (the walk then finds nothing to import); the text of a spec without one never matches.
_EXTERNAL_REF = re.compile(r"""\$ref['"]?\s*:(?!\s*['"]?#)""")


def _import_external_refs(doc, base_dir, problems, _cache=None):
    """Turn 'other.yaml#/definitions/X' into '#/definitions/X', importing X (in 3.x:
    'other.yaml#/components/schemas/X' into '#/components/schemas/X'); other targets are inlined."""
    cache = {} if _cache is None else _cache
    schemas_path = doc.schemas_path
    prefix = "#/" + "/".join(schemas_path) + "/"
    depth = len(schemas_path) + 1
    queue = [(doc.data, (), base_dir, doc)]
    while queue:
        root, root_path, rdir, origin = queue.pop()
        for path, node in list(_walk_refs(root, root_path)):
            ref = node["$ref"]
            if ref.startswith("#"):
                if origin is not doc and ref.startswith(prefix):
                    # a local ref inside an imported file: import its target too
                    ref = f"{os.path.join(rdir, origin.file)}{ref}"
                else:
                    continue
            file_part, _, pointer = ref.partition("#")
            target = os.path.normpath(os.path.join(rdir, file_part))
            other = cache.get(target)
            if other is None:
                try:
                    with open(target, encoding="utf-8") as f:
                        text = f.read()
                    if doc.texts is not None:
                        doc.texts.append(text)
                    data, locs = load_yaml(text, _display_path(target))
                except FileNotFoundError:
                    problems.append(doc.problem(
                        path + ("$ref",), f"$ref {node['$ref']!r}: file {file_part!r} not found",
                        "paths in $ref are relative to the spec that contains them"))
                    continue
                except SpecError as e:
                    problems.extend(e.problems)
                    continue
                other = SpecDocument(data, locs, os.path.basename(target))
                cache[target] = other
            try:
                value = other.resolve_pointer("#" + pointer)
            except (KeyError, IndexError, ValueError, TypeError):
                problems.append(doc.problem(path + ("$ref",), f"$ref {node['$ref']!r} cannot be resolved",
                                            f"check that {file_part} defines #{pointer}"))
                continue
            parts = pointer.split("/")
            if len(parts) == depth + 1 and tuple(parts[1:-1]) == schemas_path:
                def_name = parts[-1]
                defs = _schemas_of(doc, create=True)
                if def_name not in defs:
                    imported = copy.deepcopy(value)
                    defs[def_name] = imported
                    queue.append((imported, schemas_path + (def_name,), os.path.dirname(target), other))
                elif _strip_docs(defs[def_name]) != _strip_docs(value):
                    problems.append(doc.problem(
                        path + ("$ref",),
                        f"$ref {node['$ref']!r}: a different definition named {def_name!r} already exists",
                        "rename one of the two definitions"))
                    continue
                node.clear()
                node["$ref"] = prefix + def_name
            else:
                inlined = copy.deepcopy(value)
                node.clear()
                node.update(inlined)
                queue.append((node, path, os.path.dirname(target), other))


_DOC_KEYS = {"description", "title", "example", "x-scope", "x-model", "externalDocs"}


def _strip_docs(node):
    if isinstance(node, dict):
        return {k: _strip_docs(v) for k, v in node.items() if k not in _DOC_KEYS}
    if isinstance(node, list):
        return [_strip_docs(v) for v in node]
    return node


def strip_docs(node: Any) -> Any:
    """The schema without documentation-only keys (for comparing definitions)."""
    return _strip_docs(node)


def _check_refs(doc):
    problems = []
    for path, node in _walk_refs(doc.data):
        ref = node["$ref"]
        if not ref.startswith("#"):
            continue
        try:
            doc.resolve_pointer(ref)
        except (KeyError, IndexError, ValueError, TypeError):
            fix = "define it, or correct the $ref"
            parts = ref.split("/")
            section = None
            if len(parts) == 3 and parts[1] in ("definitions", "parameters", "responses"):
                section, known = parts[1], list((doc.data.get(parts[1]) or {}).keys())
            elif len(parts) == 4 and parts[1] == "components":
                components = doc.data.get("components")
                group = components.get(parts[2]) if isinstance(components, dict) else None
                section, known = f"components/{parts[2]}", list(group.keys()) if isinstance(group, dict) else []
            if section is not None:
                close = difflib.get_close_matches(parts[-1], known, n=1)
                if close:
                    fix = f"did you mean '#/{section}/{close[0]}'?"
                elif known:
                    fix = f"known {section}: {', '.join(sorted(known)[:20])}"
            problems.append(doc.problem(path + ("$ref",), f"$ref {ref!r} cannot be resolved", fix))
    return problems

"""Warm the start-up cache while the image is built: ``python -m pymacaron.docker.warm [FOLDER]``.

A step of the generated Dockerfile, run in the image itself (so the key's inputs are those of
every container: the same Python, the same pymacaron files): it loads and checks each spec of
``FOLDER/apis`` (default: the current folder) and the built-in one as a start would, which writes
``FOLDER/.pym/cache`` (see :mod:`pymacaron_core.spec.cache`), and compiles the service's Python
files, so a container's first start is a warm one. Handlers are not imported (they are checked at
every start). A spec with errors stops the build with its problems, file and line.
Nothing is written when pym-config.yaml says ``startup_cache: false``.
"""

from __future__ import annotations

import compileall
import os
import re
import sys
from collections.abc import Sequence


def warm(folder: str) -> str | None:
    """Load every spec of ``folder`` into its start-up cache -> the cache folder (None: disabled)."""
    from pymacaron.bootstrap import BUILTIN_DIR, _flag, builtin_definitions, startup_cache_dir
    from pymacaron.config import PyMacaronConfig
    from pymacaron_core.spec.document import load_document

    from pymacaron.__about__ import __version__

    folder = os.path.abspath(folder)
    apis = os.path.join(folder, "apis")
    if not os.path.isdir(apis):
        raise SystemExit(f"pymacaron.docker.warm: {apis} is not a folder: nothing to load")
    config_path = os.path.join(folder, "pym-config.yaml")
    # the keys that shape the cache, read without the secrets (not in the image, not at build time)
    config = PyMacaronConfig._read(config_path) if os.path.exists(config_path) else {}
    config = config if isinstance(config, dict) else {}
    cache_dir = startup_cache_dir(config, folder)
    if cache_dir is None:
        return None
    strict = _flag(config, "strict_spec", False)
    defaults = builtin_definitions(cache_dir)
    specs = [(os.path.join(BUILTIN_DIR, "ping.yaml"), "ping")]  # served by every service, as its APIs are
    for root, dirs, files in os.walk(apis):
        dirs.sort()
        for filename in sorted(files):
            name = filename.rsplit(".", 1)[0]
            if filename.endswith((".yaml", ".yml")) and not filename.startswith(("#", ".#", ".")) \
                    and not name.startswith("pym-config"):
                specs.append((os.path.join(root, filename), name))
    for path, name in specs:
        load_document(yaml_path=path, name=name, default_definitions=defaults, strict=strict, cache_dir=cache_dir,
                      cache_versions=(__version__,))
    return cache_dir


def main(argv: Sequence[str] | None = None) -> int:
    """Warm the cache of the folder ``argv[0]`` (default: the current one) and compile its Python files;
    exit status 1 (the problems on stderr) when a spec has errors."""
    args = sys.argv[1:] if argv is None else argv
    folder = args[0] if args else os.getcwd()
    from pymacaron_core import SpecError

    try:
        cache_dir = warm(folder)
    except SpecError as e:
        sys.stderr.write(f"pymacaron.docker.warm: a spec of the service has errors:\n{e}\n")
        return 1
    compileall.compile_dir(folder, quiet=1, workers=1, rx=re.compile(r"[/\\][.]"))
    if cache_dir is None:
        print("pymacaron.docker.warm: startup_cache is false: no start-up cache written")
    else:
        print(f"pymacaron.docker.warm: start-up cache written in {cache_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

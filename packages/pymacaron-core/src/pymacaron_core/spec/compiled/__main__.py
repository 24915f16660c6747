"""``python -m pymacaron_core.spec.compiled``: write the generated structure validators again."""

import os

from pymacaron_core.spec.structure import VERSIONS, compiled_module_name, compiled_module_text


def main() -> None:
    """Write ``_structure_<version>.py`` for every spec version, next to this file."""
    folder = os.path.dirname(os.path.abspath(__file__))
    for version in VERSIONS:
        path = os.path.join(folder, compiled_module_name(version) + ".py")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(compiled_module_text(version))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

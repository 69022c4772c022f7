"""The site's Jinja templates compiled to Python once, when the layer is built.

A RenderFunction (or SearchFunction) cold start used to lex, parse and compile twelve
templates to Python and then to bytecode: about 75 ms here, every cold start, since
Lambda's disk is read-only and nothing compiled survives the sandbox. The layer's Makefile
runs this file as a script after copying rotativa:

    python -P rendering/precompile.py

which writes `compiled/` beside it: one module per template (Jinja's
`Environment.compile_templates`, with the renderer's own options, so the code is what
`PackageLoader` would have made), then the Makefile's compileall turns them into bytecode
with the rest. The renderer loads them with `ModuleLoader` when `compiled/` exists and its
`SOURCES` names the digest of the templates beside it; otherwise (a checkout, a template
edited after the build) it compiles them from source as before. The pages are the same
bytes either way (tests/unit/test_precompiled_templates.py).

Run as a script it imports only jinja2 and the standard library: never rotativa, whose
dependencies may be wheels for another processor than the build machine's.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
COMPILED = Path(__file__).resolve().parent / "compiled"
SOURCES = "SOURCES"  # the digest of the templates the modules were compiled from

# The renderer's Environment options: the generated code depends on them.
OPTIONS: dict[str, Any] = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "auto_reload": False,
}


def templates_digest(folder: Path = TEMPLATES) -> str:
    """One digest of every template's name and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def environment_options() -> dict[str, Any]:
    """OPTIONS with the objects jinja2 must be imported for."""
    from jinja2 import StrictUndefined

    return {**OPTIONS, "autoescape": True, "undefined": StrictUndefined}


def compile_into(target: Path = COMPILED, templates: Path = TEMPLATES) -> int:
    """Write one module per template into `target` (emptied first) and its SOURCES; the
    number of templates compiled."""
    from jinja2 import Environment, FileSystemLoader

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    environment = Environment(loader=FileSystemLoader(str(templates)), **environment_options())
    names = environment.list_templates()
    environment.compile_templates(str(target), zip=None, ignore_errors=False)
    (target / SOURCES).write_text(templates_digest(templates) + "\n", encoding="utf-8")
    return len(names)


def is_current(compiled: Path = COMPILED, templates: Path = TEMPLATES) -> bool:
    """Whether `compiled` was made from the templates as they are."""
    marker = compiled / SOURCES
    try:
        return marker.read_text(encoding="utf-8").strip() == templates_digest(templates)
    except OSError:
        return False


if __name__ == "__main__":
    count = compile_into()
    print(f"compiled {count} templates into {COMPILED}", file=sys.stderr)

"""Each constant, type and port is defined once.

`PER_PAGE`, `FEED_SIZE`, `NEWS_WINDOW` and `ListingKind` once lived in several modules,
each copy free to drift from the others, `PageQueue` was declared by two services and the
one articles table by Protocols in five. Now a name the runtime defines at the top of a
module (a constant in UPPER_CASE, a class, a CamelCase type alias) is defined in one
module only and imported everywhere else, and a Protocol's name is defined once in the
whole tree (the services' ports live in `rotativa/services/ports.py`).

Two modules giving one name to two different things (`MEDIA_PREFIX` as `/media/` and
as `media/`, a port and the adapter that implements it) fail too: a reader who meets a
name should find one definition, not guess which one is meant.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import ROOT

#: Public module-level names: constants (not `T`, a TypeVar), classes and type aliases.
PUBLIC = re.compile(r"[A-Z][A-Za-z0-9_]+")


def _sources(roots: Iterable[Path]) -> Iterable[tuple[str, ast.Module]]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            yield str(path.relative_to(root)), ast.parse(path.read_text(encoding="utf-8"))


def _defined(tree: ast.Module) -> set[str]:
    """The names a module binds at its top by assignment or by a class statement (an
    `import` binds a name defined elsewhere, and is how the one definition is shared)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if PUBLIC.fullmatch(name)}


def definitions(roots: Iterable[Path]) -> dict[str, list[str]]:
    """Each public top-level name defined by more than one module: those modules."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for module, tree in _sources(roots):
        for name in sorted(_defined(tree)):
            found[name].append(module)
    return {k: v for k, v in found.items() if len(v) > 1}


def protocols(roots: Iterable[Path]) -> dict[str, list[str]]:
    """Each Protocol class name defined more than once (at any depth): where."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for module, tree in _sources(roots):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Name) and b.id == "Protocol")
                or (isinstance(b, ast.Attribute) and b.attr == "Protocol")
                for b in node.bases
            ):
                found[node.name].append(module)
    return {k: v for k, v in found.items() if len(v) > 1}


def _listed(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {', '.join(modules)}" for name, modules in sorted(found.items()))


def test_each_name_of_the_runtime_is_defined_once() -> None:
    twice = definitions([ROOT / "src" / "shared"])
    assert not twice, "defined in more than one module:\n" + _listed(twice)


def test_each_protocol_is_defined_once() -> None:
    twice = protocols([ROOT / "src" / "shared", ROOT / "src" / "tools"])
    assert not twice, "Protocols defined more than once:\n" + _listed(twice)


def test_the_scan_sees_the_ports_and_the_constants() -> None:
    """A scan that saw nothing would pass the tests above."""
    ports = ast.parse((ROOT / "src/shared/rotativa/services/ports.py").read_text("utf-8"))
    assert {"PageSource", "IndexStore", "ArticleLedger", "PageQueue"} <= _defined(ports)
    pages = ast.parse((ROOT / "src/shared/rotativa/domain/pages.py").read_text("utf-8"))
    assert {"PER_PAGE", "FEED_SIZE", "NEWS_WINDOW", "ListingKind"} <= _defined(pages)


def test_the_checks_see_a_second_definition(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pages.py").write_text(
        "from typing import Protocol\nPER_PAGE = 20\nFEED: int = 50\n_PRIVATE = 1\n"
        "T = 1\nclass ListingKind: ...\nclass PageQueue(Protocol): ...\n"
    )
    (tmp_path / "a" / "listing.py").write_text(
        "import typing\nfrom a.pages import FEED\nPER_PAGE = 20\n_PRIVATE = 2\nT = 2\n"
        "ListingKind = typing.Literal['section']\n"
        "def f():\n    FEED = 1\n"
        "class PageQueue(typing.Protocol): ...\n"
    )
    assert definitions([tmp_path]) == {
        "ListingKind": ["a/listing.py", "a/pages.py"],
        "PER_PAGE": ["a/listing.py", "a/pages.py"],
        "PageQueue": ["a/listing.py", "a/pages.py"],
    }
    assert protocols([tmp_path]) == {"PageQueue": ["a/listing.py", "a/pages.py"]}

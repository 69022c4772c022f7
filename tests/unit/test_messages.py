"""The catalogue: every message exists in both languages with the same parameters, and
every code the WordPress import writes is in it."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import rotativa_tools.wordpress
from rotativa.domain.messages import CATALOGUE, LANGUAGES
from rotativa_tools.wordpress.importer import MESSAGE_PREFIX


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_both_languages_take_the_same_parameters(code: str) -> None:
    entry = CATALOGUE[code]
    assert set(entry) == set(LANGUAGES)
    assert fields(entry["it"]) == fields(entry["en"])
    assert entry["it"] != entry["en"] or code.startswith("kind_")


def import_codes() -> set[str]:
    """Every code the WordPress import can write, read from its source: the literal first
    argument of `note`/`notice`/`import_message`/`Note`, and each `_skip` reason."""
    package = Path(rotativa_tools.wordpress.__file__).parent
    codes: set[str] = set()
    for module in ("importer.py", "html_to_markdown.py"):
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
            texts = [value for value in literals if isinstance(value, str)]
            if name in ("note", "notice", "import_message", "Note") and texts:
                codes.add(texts[0])
            elif name == "_skip" and texts:
                reason = texts[-1]
                codes |= {f"skip_{reason}", f"skipped_{reason}_one", f"skipped_{reason}_many"}
    return codes


def test_the_wordpress_import_speaks_from_the_catalogue() -> None:
    codes = import_codes()
    # The importer's notes, its skip reasons and its summary are all found by the scan.
    assert {"slug_renamed", "html_kept", "skip_page", "skipped_empty_many", "summary"} <= codes
    missing = sorted(code for code in codes if MESSAGE_PREFIX + code not in CATALOGUE)
    assert not missing
    # Prefixed, they cannot shadow the validation's codes that the report also carries.
    assert all(not code.startswith(MESSAGE_PREFIX) for code in codes)
    # And no import message is left in the catalogue that nothing says any more.
    catalogued = {code for code in CATALOGUE if code.startswith(MESSAGE_PREFIX)}
    assert catalogued - {MESSAGE_PREFIX + code for code in codes} == set()

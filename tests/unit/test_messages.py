"""The catalogue: every message exists in both languages with the same parameters, and
every code the WordPress import writes is in it."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import rotativa_tools.wordpress
from rotativa.domain.messages import CATALOGUE, LANGUAGES, Counted, render_message
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
            elif name == "Counted" and texts and texts[0].startswith(MESSAGE_PREFIX):
                counted = texts[0].removeprefix(MESSAGE_PREFIX)  # a number's words, agreed
                codes |= {f"{counted}_one", f"{counted}_many"}
            elif name == "_skip" and texts:
                reason = texts[-1]
                codes |= {f"skip_{reason}", f"skipped_{reason}_one", f"skipped_{reason}_many"}
    return codes


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 file controllati: 0 validi, 0 non validi e 0 avvisi"),
     (1, "1 file controllato: 1 valido, 1 non valido e 1 avviso"),
     (2, "2 file controllati: 2 validi, 2 non validi e 2 avvisi")],
)  # fmt: skip
def test_counts_agree_with_their_number_in_italian(count: int, expected: str) -> None:
    # GIVEN the summary of a check, WHEN each count is one or many, THEN its words agree
    said = render_message(
        "check_summary",
        "it",
        files=Counted(count, "check_files"),
        valid=Counted(count, "check_valid"),
        invalid=Counted(count, "check_invalid"),
        warnings=Counted(count, "check_warnings"),
    )
    assert said == expected


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

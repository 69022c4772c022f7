"""Which characters a published text may carry, and how to show the others harmlessly.

Every text an upload brings ends up in HTML pages, in XML feeds and sitemaps and in the
table as UTF-8. Some code points cannot travel that far: a lone surrogate cannot be encoded
in UTF-8 at all (JSON's `"\\ud800"` and YAML's `"\\ud800"` escapes make one), XML 1.0 forbids
C0 controls and noncharacters, HTML calls C1 controls and noncharacters parse errors, and
bidirectional overrides make a headline read other than it is (Trojan Source). They are
refused at the upload, with the field and line, instead of crashing a serialiser later (and
landing the upload in a dead-letter queue without a report).

`visible` is the other half: when a text is *shown* (on an editor's terminal, in a report)
whatever could drive the terminal or hide itself is written as an escape.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class CharacterClass(StrEnum):
    """Why a character cannot be published; the value is the catalogue code to report."""

    CONTROL = "control_characters"  # C0 (but TAB/LF/CR in long text), DEL, C1, bidi controls
    INVALID = "character_invalid"  # lone surrogates and noncharacters


# Bidirectional embeddings, overrides and isolates: no headline or paragraph needs them, and
# they can make text read differently from what it is. (LRM/RLM/ALM marks stay allowed:
# right-to-left text uses them.)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_CONTROLS = frozenset("\t\n\r")


@dataclass(frozen=True)
class BadCharacter:
    """The first character of a text that cannot be published, and where it is."""

    index: int  # position in the text
    char: str
    kind: CharacterClass
    line: int  # 1-based line of the text it is on

    @property
    def codepoint(self) -> str:
        """`U+0007`: how the editor's message names it (the character itself is invisible)."""
        return f"U+{ord(self.char):04X}"


def character_class(char: str, *, multiline: bool = False) -> CharacterClass | None:
    """Why `char` cannot be published, or None when it can. `multiline` texts (the body)
    may hold TAB, LF and CR as line ends; one-line texts (title, tags, …) may not."""
    code = ord(char)
    if code < 0x20:
        return None if multiline and char in _LINE_CONTROLS else CharacterClass.CONTROL
    if code < 0x7F:
        return None
    if code <= 0x9F:  # DEL and the C1 controls
        return CharacterClass.CONTROL
    if 0xD800 <= code <= 0xDFFF:
        return CharacterClass.INVALID
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return CharacterClass.INVALID  # the 66 noncharacters: U+FDD0–FDEF, U+xFFFE/xFFFF
    if char in BIDI_CONTROLS:
        return CharacterClass.CONTROL
    return None


def first_unpublishable(text: str, *, multiline: bool = False) -> BadCharacter | None:
    """The first character of `text` that HTML, XML or UTF-8 cannot carry, or None.

    One pass, no allocation for the common case: a 200 KB body is checked in linear time.
    """
    for index, char in enumerate(text):
        if " " <= char <= "~":
            continue  # printable ASCII, the bulk of any text
        kind = character_class(char, multiline=multiline)
        if kind is not None:
            return BadCharacter(index, char, kind, text.count("\n", 0, index) + 1)
    return None


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    # Cc controls, Cf format (bidi, zero-width), Cs surrogates, Co private use, Cn
    # unassigned and noncharacters, Zl/Zp line and paragraph separators.
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def visible(text: str) -> str:
    """`text` with every control, format, surrogate, unassigned or separator character written
    as an escape (`\\x1b`, `\\u202e`), so showing an upload's text or name cannot move the
    cursor, recolour a terminal, reorder a line, or fail to encode."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(c) if _hidden(c) else c for c in text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, with `…` when cut: what a report repeats of an input."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"

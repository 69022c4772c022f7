"""URL slugs and the accent-insensitive identity of names.

Editors write `Città metropolitana` and `citta  Metropolitana`; both are the same tag and
both live at `/tag/citta-metropolitana/`. Folding happens here and only here.
"""

from __future__ import annotations

import re
import unicodedata

SLUG_MAX_LENGTH = 120
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII form of `text`: accents removed, compatibility forms unified."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """`Carrera a Mosca – Spartak` → `carrera-a-mosca-spartak`; may return ''."""
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length]
        # Cut at a word boundary when there is one, so a slug never ends mid-word.
        if "-" in slug:
            slug = slug.rsplit("-", 1)[0]
        slug = slug.strip("-")
    return slug


def is_valid_slug(text: str) -> bool:
    return len(text) <= SLUG_MAX_LENGTH and SLUG_PATTERN.fullmatch(text) is not None

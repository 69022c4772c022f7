"""Two uploads of one name: `articles/x.md` and `articles/x.json`.

They would claim the same default address, and which came first is an accident of timing.
The rule is fixed instead: while the Markdown file is in the inbox, it wins, and the JSON
file of the same name is not published (its report says why). When the Markdown file is
deleted, the JSON file is looked at again and published without a new upload.
"""

from __future__ import annotations

from pathlib import PurePosixPath

TWIN_WINNER, TWIN_LOSER = ".md", ".json"

__all__ = ["TWIN_LOSER", "TWIN_WINNER", "name_address", "twin_of"]


def twin_of(key: str) -> str | None:
    """The other file of the same name (`x.md` ↔ `x.json`). The Markdown file wins: while
    it is in the inbox, the JSON file of the same name is not published."""
    path = PurePosixPath(key)
    suffix = path.suffix.lower()
    if suffix == TWIN_WINNER:
        return str(path.with_suffix(TWIN_LOSER))
    if suffix == TWIN_LOSER:
        return str(path.with_suffix(TWIN_WINNER))
    return None


def name_address(key: str) -> str:
    """What a JSON upload waits for while its Markdown twin holds the name."""
    return f"name:{PurePosixPath(key).with_suffix('')}"

"""What a section, tag or author page shows.

How a listing is cut into pages (a front page, then stable buckets counted from the
oldest) is the domain's (`domain.pages`), and which articles each page holds is the
`PageRenderer`'s, for the cloud and the laptop alike; here is only the view of one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import PAGED_KINDS as PAGE_KINDS


@dataclass(frozen=True)
class Listing:
    """One page of a section, tag or author: its articles, newest first (at most 20)."""

    kind: str  # a `ListingKind` of `PAGE_KINDS` (its value, as a template reads it)
    name: str
    path: str
    articles: tuple[ArticleTeaser, ...]
    page: int = 1
    newer_path: str | None = None
    older_path: str | None = None
    feed_path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in PAGE_KINDS:
            raise ValueError(f"a {self.kind!r} listing has no pages")


def sort_newest_first(articles: Sequence[ArticleTeaser]) -> list[ArticleTeaser]:
    """Newest first; equal dates by key, so that the order is total and stable."""
    by_key = sorted(articles, key=lambda a: a.key)
    return sorted(by_key, key=lambda a: a.date, reverse=True)

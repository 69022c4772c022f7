"""What a section, tag or author page shows.

How a listing is cut into pages (a front page, then stable buckets counted from the
oldest) is the domain's (`domain.pages`), and which articles each page holds is the
`PageRenderer`'s, for the cloud and the laptop alike; here is only the view of one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.frontpage import SectionBlock as SectionBlock

PER_PAGE = 20
FEED_SIZE = 50

ListingKind = Literal["section", "tag", "author"]


@dataclass(frozen=True)
class Listing:
    """One page of a section, tag or author: its articles, newest first (at most 20)."""

    kind: ListingKind
    name: str
    path: str
    articles: tuple[ArticleTeaser, ...]
    page: int = 1
    newer_path: str | None = None
    older_path: str | None = None
    feed_path: str | None = None


def sort_newest_first(articles: Sequence[ArticleTeaser]) -> list[ArticleTeaser]:
    """Newest first; equal dates by key, so that the order is total and stable."""
    by_key = sorted(articles, key=lambda a: a.key)
    return sorted(by_key, key=lambda a: a.date, reverse=True)

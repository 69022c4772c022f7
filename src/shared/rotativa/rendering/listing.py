"""What a section, tag or author page shows, and how its articles are cut into pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import FEED_SIZE as FEED_SIZE  # for rendering/folder.py, until it goes
from rotativa.domain.pages import PER_PAGE, ListingKind
from rotativa.domain.site import SectionSettings
from rotativa.rendering.paths import listing_page_path

#: The listings that have pages (the pinned stories and the months have none).
PAGE_KINDS = frozenset({ListingKind.SECTION, ListingKind.TAG, ListingKind.AUTHOR})


@dataclass(frozen=True)
class SectionBlock:
    """One section on the homepage: its latest articles, newest first, already cut."""

    section: SectionSettings
    articles: tuple[ArticleTeaser, ...]


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


@dataclass(frozen=True)
class Pagination:
    """Page `page` of `total` articles, `per_page` to a page; pages are numbered from 1."""

    total: int
    page: int
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        if self.per_page < 1 or self.total < 0:
            raise ValueError("pagination needs per_page >= 1 and total >= 0")
        if not 1 <= self.page <= self.pages:
            raise ValueError(f"page {self.page} is outside 1..{self.pages}")

    @property
    def pages(self) -> int:
        """How many pages there are; an empty listing still has its first page."""
        return max(1, -(-self.total // self.per_page))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def stop(self) -> int:
        return min(self.start + self.per_page, self.total)

    @property
    def newer_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def older_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def pagination(total: int, page: int, per_page: int = PER_PAGE) -> Pagination:
    return Pagination(total, page, per_page)


def sort_newest_first(articles: Sequence[ArticleTeaser]) -> list[ArticleTeaser]:
    """Newest first; equal dates by key, so that the order is total and stable."""
    by_key = sorted(articles, key=lambda a: a.key)
    return sorted(by_key, key=lambda a: a.date, reverse=True)


def paginate(
    kind: str,
    name: str,
    first_page: str,
    articles: Sequence[ArticleTeaser],
    *,
    feed_path: str | None = None,
    per_page: int = PER_PAGE,
) -> Iterator[Listing]:
    """Every page of a listing, from articles already sorted newest first."""
    total = len(articles)
    for number in range(1, pagination(total, 1, per_page).pages + 1):
        cut = pagination(total, number, per_page)
        yield Listing(
            kind=kind,
            name=name,
            path=listing_page_path(first_page, number),
            articles=tuple(articles[cut.start : cut.stop]),
            page=number,
            newer_path=(listing_page_path(first_page, cut.newer_page) if cut.newer_page else None),
            older_path=(listing_page_path(first_page, cut.older_page) if cut.older_page else None),
            feed_path=feed_path,
        )

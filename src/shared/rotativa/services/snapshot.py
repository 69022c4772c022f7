"""The articles table as one render batch reads it: each item read at most once.

A RenderFunction invocation renders up to a hundred pages, and they read the same things:
the homepage, the fronts' sitemap and the sitemap index each walk the section fronts, every
article page asks for its related teasers, the month listings are asked for their newest
article by four pages. `Snapshot` answers a repeated read from what the batch already read,
and `prefetch` reads what the batch's pages will need in a few batched round trips (the
listings' sizes, the related boxes, their teasers) instead of one call per page.

A batch renders the table as it was when the batch began; a change made meanwhile sends its
own render requests, which a later batch answers (the renderer converges as before).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import PER_PAGE, ListingId, PageKind, PageRef
from rotativa.domain.records import StoredArticle
from rotativa.services.ports import PageSource

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Snapshot:
    """A read-through memo over a `PageSource`, for the length of one render batch."""

    def __init__(self, source: PageSource) -> None:
        self.source = source
        self._articles: dict[str, StoredArticle | None] = {}
        self._owners: dict[str, str | None] = {}
        self._redirects: dict[str, str | None] = {}
        self._counts: dict[ListingId, int] = {}
        self._teasers: dict[str, ArticleTeaser | None] = {}
        self._related: dict[str, list[str]] = {}
        self._months: list[str] | None = None
        self._members: dict[ListingId, list[ArticleTeaser]] = {}
        # The newest members of a listing: (how many were asked for, what came back).
        self._newest: dict[ListingId, tuple[int, list[ArticleTeaser]]] = {}
        self._slices: dict[tuple[ListingId, int, int, bool], list[ArticleTeaser]] = {}

    def prefetch(self, refs: Iterable[PageRef]) -> None:
        """Read in a few round trips what these pages will ask for one by one."""
        refs = list(refs)
        listings = [ListingId.parse(r.ref) for r in refs if r.kind is PageKind.LISTING]
        if listings:
            self.counts(listings)
        articles = [r.ref for r in refs if r.kind is PageKind.ARTICLE]
        if articles:
            boxes = self.related_boxes(articles)
            self.teasers([k for keys in boxes.values() for k in keys])

    # --- ArticleReader ---------------------------------------------------------------------

    def get(self, key: str) -> StoredArticle | None:
        return _once(self._articles, key, self.source.get)

    # --- ListingSizes ----------------------------------------------------------------------

    def count(self, listing: ListingId) -> int:
        return self.counts([listing])[listing]

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        missing = [listing for listing in dict.fromkeys(listings) if listing not in self._counts]
        if missing:
            self._counts.update(self.source.counts(missing))
        return {listing: self._counts[listing] for listing in listings}

    # --- Teasers ---------------------------------------------------------------------------

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]:
        missing = [key for key in dict.fromkeys(keys) if key not in self._teasers]
        if missing:
            found = self.source.teasers(missing)
            self._teasers.update({key: found.get(key) for key in missing})
        return {key: t for key in keys if (t := self._teasers[key]) is not None}

    def related(self, key: str) -> list[str]:
        keys: list[str] = _once(self._related, key, self.source.related)
        return list(keys)

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        missing = [key for key in dict.fromkeys(keys) if key not in self._related]
        if missing:
            found = self.source.related_boxes(missing)
            self._related.update({key: list(found.get(key, [])) for key in missing})
        return {key: list(self._related[key]) for key in keys if self._related[key]}

    # --- SiteIndex -------------------------------------------------------------------------

    def months(self) -> list[str]:
        if self._months is None:
            self._months = self.source.months()
        return list(self._months)

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        members: list[ArticleTeaser] = _once(self._members, listing, self.source.members)
        return list(members)

    # --- PageSource ------------------------------------------------------------------------

    def path_owner(self, path: str) -> str | None:
        return _once(self._owners, path, self.source.path_owner)

    def redirect_owner(self, path: str) -> str | None:
        return _once(self._redirects, path, self.source.redirect_owner)

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]:
        if take <= 0:
            return []
        if listing in self._members:  # the whole listing, newest first, is already read
            every = self._members[listing]
            if newest_first:
                return every[skip_newest : skip_newest + take]
            end = max(0, len(every) - skip_newest)  # skipping the oldest, from the end
            return every[max(0, end - take) : end]
        if skip_newest == 0 and newest_first:
            # The newest few of a listing are asked for by many pages with different sizes
            # (1 for the site's latest, a block's handful, a page's 20, a feed's 50): one
            # read of the largest, a page at least, answers every smaller one.
            asked, newest = self._newest.get(listing, (0, []))
            if take > asked:
                asked = max(take, PER_PAGE)
                newest = self.source.slice(listing, skip_newest=0, take=asked)
                self._newest[listing] = (asked, newest)
            return newest[:take]
        key = (listing, skip_newest, take, newest_first)
        if key not in self._slices:
            self._slices[key] = self.source.slice(
                listing, skip_newest=skip_newest, take=take, newest_first=newest_first
            )
        return list(self._slices[key])


def _once(memo: dict[K, V], key: K, read: Callable[[K], V]) -> V:
    """`read(key)`, asked of the table the first time only."""
    if key not in memo:
        memo[key] = read(key)
    return memo[key]

"""What the IndexFunction does with one change of the articles table.

From the old and the new state of one upload it works out which listings (section, tags,
authors, pinned, month) gain, lose or refresh the article, keeps each article's related
box, and names exactly the pages whose content changed. Every query it makes is bounded by
the page size, the box size or K, never by the size of the site.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import (
    FEED_SIZE,
    PER_PAGE,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    bucket_of,
    pages_changed_by,
)
from rotativa.domain.records import StoredArticle, memberships
from rotativa.domain.related import RELATED_BOX_SIZE, TagStatistics, related_articles, score
from rotativa.domain.site import SiteSettings

CANDIDATES_PER_LISTING = 20
NEWS_WINDOW = timedelta(hours=48)


class IndexStore(Protocol):
    """The listings, teasers and related boxes in the articles table."""

    def get(self, key: str) -> StoredArticle | None: ...

    def count(self, listing: ListingId) -> int: ...

    def newer_than(self, listing: ListingId, position: str) -> int:
        """How many members sort after `position` (cheap for recent articles)."""
        ...

    def newest(self, listing: ListingId, limit: int) -> list[ArticleTeaser]: ...

    def add_member(self, listing: ListingId, position: str, teaser: ArticleTeaser) -> bool:
        """Add or refresh a membership; True when it was not there before."""
        ...

    def remove_member(self, listing: ListingId, position: str, key: str) -> bool:
        """Remove a membership; True when it was there."""
        ...

    def put_teaser(self, teaser: ArticleTeaser) -> None: ...

    def delete_teaser(self, key: str) -> None: ...

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]: ...

    def related(self, key: str) -> list[str]: ...

    def put_related(self, key: str, keys: Sequence[str]) -> None: ...

    def set_month(self, month: str, present: bool) -> None:
        """Record which months have articles, for the sitemap index."""
        ...


class PageQueue(Protocol):
    def send(self, pages: Iterable[PageRef]) -> None: ...


@dataclass(frozen=True)
class IndexSettings:
    related_update_limit: int = 10  # K: other articles' boxes revisited per change


class Indexer:
    def __init__(
        self,
        site: SiteSettings,
        store: IndexStore,
        pages: PageQueue,
        settings: IndexSettings | None = None,
    ) -> None:
        self.site = site
        self.store = store
        self.queue = pages
        self.settings = settings or IndexSettings()

    def apply(
        self, old: StoredArticle | None, new: StoredArticle | None, now: datetime
    ) -> set[PageRef]:
        """Bring the indexes in line with one change and enqueue the pages it affects."""
        pages = self._index(old, new, now)
        if pages:
            self.queue.send(sorted(pages))
        return pages

    def _index(
        self, old: StoredArticle | None, new: StoredArticle | None, now: datetime
    ) -> set[PageRef]:
        before = memberships(old, now) if old is not None else {}
        after = memberships(new, now) if new is not None else {}
        old_teaser = old.teaser() if before and old is not None else None
        new_teaser = new.teaser() if after and new is not None else None
        if not before and not after:
            return set()  # a draft, a tombstone of a draft, an unchanged invisible article
        key = (new or old).key  # type: ignore[union-attr]
        pages: set[PageRef] = set()
        content_changed = old_teaser != new_teaser or _body(old) != _body(new)

        for listing in sorted(before.keys() | after.keys()):
            pages |= self._relist(
                listing, before.get(listing), after.get(listing), key, new_teaser, content_changed
            )

        if new_teaser is not None:
            self.store.put_teaser(new_teaser)
            box = self._box(new_teaser, new.article.related if new and new.article else ())
            if box != self.store.related(key) or content_changed:
                self.store.put_related(key, box)
                pages.add(PageRef.article(key, new_teaser.path))
        else:
            self.store.delete_teaser(key)
            self.store.put_related(key, [])
        if old_teaser is not None and (new_teaser is None or new_teaser.path != old_teaser.path):
            pages.add(PageRef.article(key, old_teaser.path))  # the page that must go

        if content_changed:
            pages |= self._neighbours(old_teaser, new_teaser)
            for teaser in (old_teaser, new_teaser):
                if teaser is not None and now - teaser.date <= NEWS_WINDOW:
                    pages.add(PageRef.of(PageKind.NEWS_SITEMAP))
        return pages

    # --- listings -------------------------------------------------------------------------

    def _relist(
        self,
        listing: ListingId,
        before: str | None,
        after: str | None,
        key: str,
        teaser: ArticleTeaser | None,
        content_changed: bool,
    ) -> set[PageRef]:
        if before == after and not content_changed:
            return set()
        total_before = self.store.count(listing)
        pages: set[PageRef] = set()
        newer: list[int] = []
        if before is not None and before != after:
            newer.append(self.store.newer_than(listing, before))
            rank = total_before - 1 - newer[-1]
            self.store.remove_member(listing, before, key)
            pages |= self._listing_pages(listing, rank, total_before, total_before - 1)
            if listing.kind is ListingKind.MONTH and total_before == 1:
                self.store.set_month(listing.slug, present=False)
        if after is not None and teaser is not None:
            created = self.store.add_member(listing, after, teaser)
            total_after = self.store.count(listing)
            newer.append(self.store.newer_than(listing, after))
            rank = total_after - 1 - newer[-1]
            if created:
                pages |= self._listing_pages(listing, rank, total_after - 1, total_after)
                if listing.kind is ListingKind.MONTH and total_after == 1:
                    self.store.set_month(listing.slug, present=True)
            elif listing.has_pages:  # refreshed in place: its bucket, and the front if shown there
                pages.add(PageRef.listing(listing, bucket_of(rank)))
                if newer[-1] < PER_PAGE:
                    pages.add(PageRef.listing(listing, 0))
        pages |= self._derived_pages(listing, min(newer, default=0))
        return pages

    def _listing_pages(
        self, listing: ListingId, rank: int, total_before: int, total_after: int
    ) -> set[PageRef]:
        if not listing.has_pages:
            return set()
        return {
            PageRef.listing(listing, p) for p in pages_changed_by(rank, total_before, total_after)
        }

    def _derived_pages(self, listing: ListingId, newer: int) -> set[PageRef]:
        """Pages built from the top of a listing: homepage blocks, feeds, sitemaps."""
        pages: set[PageRef] = set()
        if listing.kind is ListingKind.PINNED:
            pages.add(PageRef.of(PageKind.HOME))
        elif listing.kind is ListingKind.SECTION:
            section = next((s for s in self.site.sections if s.slug == listing.slug), None)
            shown = section.homepage_count if section else RELATED_BOX_SIZE
            if newer < shown:
                pages.add(PageRef.of(PageKind.HOME))
            if newer < FEED_SIZE:
                pages.add(PageRef.feed(listing))
        elif listing.kind is ListingKind.MONTH:
            pages.add(PageRef.sitemap(listing.slug))
            pages.add(PageRef.of(PageKind.SITEMAP_INDEX))
            if newer < FEED_SIZE:
                pages.add(PageRef.feed())
        return pages

    # --- related boxes --------------------------------------------------------------------

    def _pool(self, teaser: ArticleTeaser) -> dict[str, ArticleTeaser]:
        stats = self._stats(teaser)
        listings = [ListingId(ListingKind.SECTION, teaser.section.slug)] + [
            ListingId(ListingKind.TAG, t.slug) for t in teaser.tags if stats.is_distinctive(t.slug)
        ]
        pool: dict[str, ArticleTeaser] = {}
        for listing in listings:
            for candidate in self.store.newest(listing, CANDIDATES_PER_LISTING):
                pool.setdefault(candidate.key, candidate)
        pool.pop(teaser.key, None)
        return pool

    def _stats(self, teaser: ArticleTeaser) -> TagStatistics:
        total = sum(
            self.store.count(ListingId(ListingKind.SECTION, s.slug)) for s in self.site.sections
        )
        counts = {t.slug: self.store.count(ListingId(ListingKind.TAG, t.slug)) for t in teaser.tags}
        return TagStatistics(counts, total)

    def _box(
        self,
        teaser: ArticleTeaser,
        pinned: Sequence[str],
        pool: Mapping[str, ArticleTeaser] | None = None,
    ) -> list[str]:
        candidates = self._pool(teaser) if pool is None else pool
        chosen = related_articles(teaser, candidates.values(), self._stats(teaser), pinned=pinned)
        return [c.key for c in chosen]

    def _neighbours(self, old: ArticleTeaser | None, new: ArticleTeaser | None) -> set[PageRef]:
        """The related boxes of at most K other articles that should now show, or stop
        showing, this one: re-scored with this article added to (or taken from) their box."""
        limit = self.settings.related_update_limit
        subject = new or old
        if subject is None or limit <= 0:
            return set()
        pool = self._pool(subject)
        if old is not None and new is not None and old != new:
            pool.update({k: v for k, v in self._pool(old).items() if k not in pool})
        stats = self._stats(subject)
        ranked = sorted(
            pool.values(), key=lambda c: (score(c, subject, stats), c.date, c.key), reverse=True
        )
        pages: set[PageRef] = set()
        for other in ranked[:limit]:
            current_keys = self.store.related(other.key)
            current = self.store.teasers(current_keys)
            current.pop(subject.key, None)
            if new is not None:
                current[new.key] = new
            chosen = related_articles(
                other, current.values(), self._stats(other), pinned=other.related
            )
            box = [c.key for c in chosen]
            if box != current_keys:
                self.store.put_related(other.key, box)
                pages.add(PageRef.article(other.key, other.path))
        return pages


def _body(stored: StoredArticle | None) -> str | None:
    return stored.article.body if stored is not None and stored.article is not None else None

"""What the IndexFunction does with one change of the articles table.

From the old and the new state of one upload it works out which listings (section, tags,
authors, pinned, month) gain, lose or refresh the article, keeps each article's related
box, and names exactly the pages whose content changed. Every query it makes is bounded by
the page size, the box size or K, never by the size of the site.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.frontpage import home_depth
from rotativa.domain.pages import (
    FEED_SIZE,
    NEWS_WINDOW,
    PER_PAGE,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    bucket_of,
    pages_changed_by,
)
from rotativa.domain.records import ArticleState, StoredArticle, memberships
from rotativa.domain.related import (
    CANDIDATES_PER_LISTING,
    TagStatistics,
    pool_listings,
    related_articles,
    score,
)
from rotativa.domain.site import SiteSettings
from rotativa.domain.twins import TWIN_WINNER, name_address
from rotativa.services.ports import (
    ArticleChanges,
    IndexStore,
    PageQueue,
    Rechecks,
    SearchHints,
    WaitingList,
)

if TYPE_CHECKING:
    from rotativa.services.scheduling import Timetable


#: Rendered whenever the homepage is: see `_index`.
HOME_GROUP = (
    PageKind.ASSETS,
    PageKind.NOT_FOUND,
    PageKind.SEARCH,
    PageKind.ROBOTS,
    PageKind.NEWS_SITEMAP,
    PageKind.FRONTS_SITEMAP,
)


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
        timetable: Timetable | None = None,
        waiting: tuple[WaitingList, Rechecks] | None = None,
        changes: ArticleChanges | None = None,
        search: SearchHints | None = None,
    ) -> None:
        self.site = site
        self.search = search  # told when an article page changes: the search index is stale
        self.changes = changes  # reads the table's stream records (the IndexFunction's)
        self.waiting = waiting  # who waits for an address this change lets go
        self.store = store
        self.queue = pages
        self.settings = settings or IndexSettings()
        self.timetable = timetable  # embargoes and expiries; None where none can occur
        # Per change and per thread: listing sizes and candidate pools already read, so
        # that one change never reads the same counter or listing twice.
        self._memo = threading.local()

    def apply(self, key: str, old: StoredArticle | None, now: datetime) -> set[PageRef]:
        """Index one change and enqueue the pages it affects (see `index`)."""
        pages = self.index(key, old, now)
        self.enqueue(pages)
        return pages

    def index_record(self, record: Mapping[str, Any], now: datetime) -> set[PageRef]:
        """Index the change one stream record of the articles table carries; the pages it
        affects (none for a record about another item: a teaser, a membership, a counter).
        The record is read by the `ArticleChanges` port: its item format is the adapter's."""
        if self.changes is None:
            raise RuntimeError("this Indexer was given no stream to read records with")
        change = self.changes.change_of(record)
        return set() if change is None else self.index(change.key, change.old, now)

    def index(self, key: str, old: StoredArticle | None, now: datetime) -> set[PageRef]:
        """Bring the indexes in line with one change of `key`; the pages it affects.

        `old` is the state the change replaced (the stream's old image); the new state is
        read from the table, so that a retried or reordered stream record converges on the
        current article instead of restoring the one it carried.
        """
        self._memo.sizes = {}
        self._memo.pools = {}
        new = self.store.get(key)
        if self.timetable is not None:
            # A change made here (a moment already past) comes back as its own record.
            self.timetable.follow(old, new, now)
        self._wake(key, old, new)
        return self._index(key, old, new, now)

    def _wake(self, key: str, old: StoredArticle | None, new: StoredArticle | None) -> None:
        """An address let go (a delete, a move) or a Markdown file deleted: the uploads that
        were refused for it are looked at again, so the editor need not upload them again.
        Sent before they are forgotten: a retried record sends them twice, never zero times."""
        if self.waiting is None:
            return
        freed = []
        if old is not None and old.path is not None and old.path != (new.path if new else None):
            freed.append(old.path)
        gone = new is None or new.state is ArticleState.DELETED
        if gone and key.lower().endswith(TWIN_WINNER):  # a Markdown file: its twin may wait
            freed.append(name_address(key))
        waiting, rechecks = self.waiting
        for address in freed:
            keys = [k for k in waiting.waiting_for(address) if k != key]
            if keys:
                rechecks.send(keys)
                waiting.forget_waiting(address, keys)

    def enqueue(self, pages: Iterable[PageRef]) -> None:
        """Queue each page once, however many changes of a batch named it."""
        unique = sorted(set(pages))
        if unique:
            self.queue.send(unique)
        if self.search is not None and any(page.kind is PageKind.ARTICLE for page in unique):
            # One hint per batch: the SearchFunction rebuilds once per window however many
            # arrive. An article's page is rendered whenever what the index holds of it
            # (its words, headline, picture, visibility) may have changed.
            self.search.mark_stale()

    def _index(
        self, key: str, old: StoredArticle | None, new: StoredArticle | None, now: datetime
    ) -> set[PageRef]:
        # `key` is the change's, not read from a state: a record about an article the table
        # no longer holds (deleted since, or a sample event on a fresh stack) has neither.
        before = memberships(old) if old is not None else {}
        after = memberships(new) if new is not None else {}
        old_teaser = old.teaser() if before and old is not None else None
        new_teaser = new.teaser() if after and new is not None else None
        pages = self._redirects(key, old, new, old_teaser, new_teaser)
        if not before and not after:
            return pages  # a draft, a tombstone of a draft, an unchanged invisible article
        content_changed = old_teaser != new_teaser or _body(old) != _body(new)

        pages |= self._relist(key, before, after, new_teaser, content_changed)

        if new_teaser is not None:
            # An unchanged re-upload is a no-op: its box is kept current by the changes of
            # the articles in it (see _neighbours), not recomputed from a site that has
            # grown since, which would rewrite a page nobody touched.
            if content_changed or old_teaser is None:
                self.store.put_teaser(new_teaser)
                box = self._box(new_teaser, new.article.related if new and new.article else ())
                self.store.put_related(key, box)
                pages.add(PageRef.article(key, new_teaser.path))
        else:
            self.store.delete_teaser(key)
            self.store.put_related(key, [])
        if old_teaser is not None and (new_teaser is None or new_teaser.path != old_teaser.path):
            pages.add(PageRef.article(key, old_teaser.path))  # the page that must go

        if PageRef.of(PageKind.HOME) in pages:
            # The site's chrome (stylesheet, 404 page) and its crawlers' files go with the
            # homepage: rendering them costs a hash comparison when unchanged, a template
            # change reaches them, and the news sitemap drops what aged past 48 hours.
            pages |= {PageRef.of(kind) for kind in HOME_GROUP}
            # linked from every page's footer, so it exists before the first correction
            pages.add(PageRef.listing(ListingId(ListingKind.CORRECTIONS)))
        if any(_section_front(page) for page in pages):
            pages.add(PageRef.of(PageKind.FRONTS_SITEMAP))  # dated by what the fronts show
        if content_changed:
            pages |= self._neighbours(old_teaser, new_teaser)
            for teaser in (old_teaser, new_teaser):
                if teaser is not None and now - teaser.date <= NEWS_WINDOW:
                    pages.add(PageRef.of(PageKind.NEWS_SITEMAP))
        return pages

    # --- old addresses --------------------------------------------------------------------

    def _redirects(
        self,
        key: str,
        old: StoredArticle | None,
        new: StoredArticle | None,
        old_teaser: ArticleTeaser | None,
        new_teaser: ArticleTeaser | None,
    ) -> set[PageRef]:
        """Keep the article's old addresses (its `aliases`, and the address it had before
        a move) and name the ones whose answer changed. A redirect leads to the upload, not
        to an address, so a second move re-points every old address at once: chains never
        form. Each old address is rendered later, from the table, never over a live page."""
        old_aliases = set(old.article.aliases) if old is not None and old.article else set()
        new_aliases = set(new.article.aliases) if new is not None and new.article else set()
        added, dropped = new_aliases - old_aliases, old_aliases - new_aliases
        if added:
            # An alias is never a live article's address, nor another upload's alias: the
            # first holder keeps it (the upload's report names the holder).
            owners = self.store.path_owners(sorted(added))
            free = sorted(p for p in added if owners.get(p, key) == key)
            added = set(self.store.put_redirects(key, free)) if free else set()
        if dropped:
            self.store.delete_redirects(key, sorted(dropped))
        pages = {PageRef.redirect(path) for path in added | dropped}
        old_path = old_teaser.path if old_teaser is not None else None
        new_path = new_teaser.path if new_teaser is not None else None
        if old_path != new_path:  # moved, published or unpublished: every old address too
            if old_path is not None and new_path is not None:
                # The page that moves away becomes a redirect (its removal renders it).
                self.store.put_redirects(key, [old_path], replace=True)
            if old is not None:  # an upload's first version has no old address but aliases
                pages |= {PageRef.redirect(path) for path in self.store.redirects_of(key)}
            pages.discard(PageRef.redirect(old_path or ""))  # rendered as the old page's removal
        return pages

    # --- listings -------------------------------------------------------------------------

    def _relist(
        self,
        key: str,
        before: Mapping[ListingId, str],
        after: Mapping[ListingId, str],
        teaser: ArticleTeaser | None,
        content_changed: bool,
    ) -> set[PageRef]:
        """Move the article between listings in one write, then name the pages that moved."""
        listings = sorted(
            listing
            for listing in before.keys() | after.keys()
            if before.get(listing) != after.get(listing) or content_changed
        )
        removals = {
            listing: before[listing]
            for listing in listings
            if listing in before and before[listing] != after.get(listing)
        }
        additions = (
            {listing: after[listing] for listing in listings if listing in after}
            if teaser is not None
            else {}
        )
        if not removals and not additions:
            return set()
        self._prefetch(listings)
        newer_before = {
            listing: self.store.newer_than(listing, position)
            for listing, position in removals.items()
        }
        removed, created = self.store.move_member(key, teaser, removals, additions)
        # A retried change finds its move already made by the attempt that failed after it
        # (`removed`/`created` then say "nothing to do"): it must still name the same pages
        # and keep the months, or the retry converges on a stale listing.
        pages: set[PageRef] = set()
        for listing in listings:
            total = self._sizes[listing]  # read before the move
            newer: list[int] = []
            if listing in newer_before:
                newer.append(newer_before[listing])
                if listing in removed:
                    total -= 1
                rank = total - newer_before[listing]  # its rank while still a member
                pages |= self._listing_pages(listing, rank, total + 1, total)
                if listing.kind is ListingKind.MONTH and total == 0:
                    self.store.set_month(listing.slug, present=False)
            if listing in additions:
                newer.append(self.store.newer_than(listing, additions[listing]))
                if listing in created or listing not in before:
                    total += listing in created
                    rank = total - 1 - newer[-1]
                    pages |= self._listing_pages(listing, rank, total - 1, total)
                    first = total == 1 and listing in created
                    if listing.kind is ListingKind.MONTH and (first or listing not in created):
                        self.store.set_month(listing.slug, present=True)
                elif listing.has_pages:  # refreshed in place: its bucket, and the front if shown
                    pages.add(PageRef.listing(listing, bucket_of(total - 1 - newer[-1])))
                    if newer[-1] < PER_PAGE:
                        pages.add(PageRef.listing(listing, 0))
            self._sizes[listing] = total
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
            # Outside the homepage's sections, an article still leads it when newest.
            shown = home_depth(section) if section else 1
            if newer < shown:
                pages.add(PageRef.of(PageKind.HOME))
            if newer < FEED_SIZE:
                pages.add(PageRef.feed(listing))
        elif listing.kind is ListingKind.AUTHOR:
            if newer < FEED_SIZE:
                pages.add(PageRef.feed(listing))
        elif listing.kind is ListingKind.MONTH:
            pages.add(PageRef.sitemap(listing.slug))
            pages.add(PageRef.of(PageKind.SITEMAP_INDEX))
            if newer < FEED_SIZE:
                pages.add(PageRef.feed())
        return pages

    # --- related boxes --------------------------------------------------------------------

    @property
    def _sizes(self) -> dict[ListingId, int]:
        sizes: dict[ListingId, int] = self._memo.sizes
        return sizes

    @property
    def _pools(self) -> dict[tuple[str, str, tuple[str, ...]], dict[str, ArticleTeaser]]:
        pools: dict[tuple[str, str, tuple[str, ...]], dict[str, ArticleTeaser]] = self._memo.pools
        return pools

    def _size(self, listing: ListingId) -> int:
        if listing not in self._sizes:
            self._sizes[listing] = self.store.count(listing)
        return self._sizes[listing]

    def _prefetch(self, listings: Iterable[ListingId]) -> None:
        missing = sorted({listing for listing in listings if listing not in self._sizes})
        if missing:
            self._sizes.update(self.store.counts(missing))

    def _pool(self, teaser: ArticleTeaser) -> dict[str, ArticleTeaser]:
        identity = (teaser.key, teaser.section.slug, tuple(t.slug for t in teaser.tags))
        if identity not in self._pools:
            self._pools[identity] = self._read_pool(teaser)
        return dict(self._pools[identity])

    def _read_pool(self, teaser: ArticleTeaser) -> dict[str, ArticleTeaser]:
        pool: dict[str, ArticleTeaser] = {}
        for listing in pool_listings(teaser, self._stats(teaser)):
            for candidate in self.store.newest(listing, CANDIDATES_PER_LISTING):
                pool.setdefault(candidate.key, candidate)
        pool.pop(teaser.key, None)
        return pool

    def _stats(self, teaser: ArticleTeaser) -> TagStatistics:
        sections = [ListingId(ListingKind.SECTION, s.slug) for s in self.site.sections]
        tags = {t.slug: ListingId(ListingKind.TAG, t.slug) for t in teaser.tags}
        self._prefetch([*sections, *tags.values()])
        total = sum(self._sizes[s] for s in sections)
        return TagStatistics({slug: self._sizes[t] for slug, t in tags.items()}, total)

    def _box(self, teaser: ArticleTeaser, pinned: Sequence[str]) -> list[str]:
        candidates = self._pool(teaser)
        if pinned:  # the editor's choices may live in any section: find them by address
            paths = [f"/{s.slug}/{slug}/" for slug in pinned for s in self.site.sections]
            owners = [k for k in self.store.path_owners(paths).values() if k != teaser.key]
            candidates.update(self.store.teasers(owners))
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
        self._prefetch(
            ListingId(ListingKind.TAG, t.slug) for other in ranked[:limit] for t in other.tags
        )
        others = ranked[:limit]
        boxes = self.store.related_boxes([other.key for other in others])
        known = self.store.teasers(sorted({k for keys in boxes.values() for k in keys}))
        for other in others:
            current_keys = boxes.get(other.key, [])
            current = {k: known[k] for k in current_keys if k in known}
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
            elif new is not None and new.key in box and old != new:
                # The same box, but it shows this article's title, date or address, which
                # changed: the page must be rendered again (found by the reordering soak).
                pages.add(PageRef.article(other.key, other.path))
        return pages


def _section_front(page: PageRef) -> bool:
    return (
        page.kind is PageKind.LISTING
        and page.page == 0
        and ListingId.parse(page.ref).kind is ListingKind.SECTION
    )


def _body(stored: StoredArticle | None) -> tuple[Any, ...] | None:
    """What the article's own page shows beyond its teaser: the body, its live updates, and
    the pictures it is rendered with (a body's photo made or replaced re-renders the page)."""
    if stored is None or stored.article is None:
        return None
    return stored.article.body, stored.article.updates, stored.pictures

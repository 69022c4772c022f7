"""What the RenderFunction does with a batch of page requests.

Each page is rendered from the table as it is now (so duplicated and reordered requests
converge), written only when its bytes differ from the stored object, and removed when
what it showed is gone. The changed paths go on to the invalidate queue.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rotativa.domain import frontpage
from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import (
    FEED_PATH,
    FEED_SIZE,
    FRONTS_SITEMAP_PATH,
    HOME_PATH,
    NEWS_SITEMAP_LIMIT,
    NEWS_SITEMAP_MONTHS,
    NEWS_SITEMAP_PATH,
    NEWS_WINDOW,
    NOT_FOUND_PATH,
    PER_PAGE,
    ROBOTS_PATH,
    SITEMAP_INDEX_PATH,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    SiteWrite,
    StoreResult,
    bucket_count,
    bucket_is_front,
    bucket_range,
    feed_path,
    front_older_page,
    is_site_page,
    month_sitemap_path,
    newer_page,
    object_key,
    site_owns,
)
from rotativa.domain.records import StoredArticle
from rotativa.domain.search import SEARCH_PATH
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering import Listing, SitemapEntry, SiteRenderer, media_type
from rotativa.services.ports import BatchStorage, Invalidations, PageSource, SiteStorage
from rotativa.services.snapshot import Snapshot

WITH_FEEDS = (ListingKind.SECTION, ListingKind.AUTHOR)  # the listings with a feed of their own
HTML_CACHE = "public, max-age=300, s-maxage=31536000"  # the CDN keeps it until invalidated
# A live article changes every few minutes: a browser keeps it no longer than CloudFront
# takes to invalidate (typically under a minute), so a reload shows the newest update.
LIVE_CACHE = "public, max-age=30, s-maxage=31536000"
ASSET_CACHE = "public, max-age=31536000, immutable"  # content-hashed names never change
XML = "application/xml; charset=utf-8"  # feeds aside, what crawlers read: the sitemaps
TEXT = "text/plain; charset=utf-8"  # robots.txt


@dataclass(frozen=True)
class Output:
    path: str
    body: bytes | None  # None: the page must not exist
    content_type: str = "text/html; charset=utf-8"
    cache_control: str = HTML_CACHE
    redirect: str | None = None  # an old address: the path it answers 301 with
    site_made: bool = True  # False: an upload's object (its page, or an old address of it)


@dataclass
class Batch:
    """What one render batch did: the changed paths (with their change ids), and the pages
    that failed (each is retried on its own; the rest of the batch is stored and sent)."""

    changes: list[tuple[str, str]] = field(default_factory=list)
    failed: dict[PageRef, Exception] = field(default_factory=dict)


class OwnershipRefused(RuntimeError):
    """An output would write or delete an object its owner is not: a page the site makes
    under an upload's name, or an upload's page or redirect over a page the site makes."""


class PageRenderer:
    def __init__(
        self,
        site: SiteSettings,
        source: PageSource,
        storage: SiteStorage,
        invalidations: Invalidations,
        renderer: SiteRenderer | None = None,
    ) -> None:
        self.site = site
        self.source = source
        self.storage = storage
        self.invalidations = invalidations
        self.renderer = renderer or SiteRenderer(site)

    def render(self, refs: Iterable[PageRef], now: datetime) -> list[tuple[str, str]]:
        """Render each distinct page once; returns (path, change id) of what changed, or
        raises the first page's failure once the others are out."""
        batch = self.render_batch(refs, now)
        failures = list(batch.failed.values())
        unexpected = [exc for exc in failures if not isinstance(exc, OwnershipRefused)]
        if unexpected:
            raise unexpected[0]
        if failures:
            raise OwnershipRefused("; ".join(str(exc) for exc in failures))
        return batch.changes

    def render_batch(self, refs: Iterable[PageRef], now: datetime) -> Batch:
        """Render each distinct page once, reading the table once for the whole batch
        (`Snapshot`), store every output together (`store_all`: the S3 bucket learns their
        stored hashes in one read), and send every change in one message. A page that fails
        is reported in `failed`; the others are stored and their invalidations still go out."""
        pages = sorted(set(refs), key=_widest_first)
        snapshot = Snapshot(self.source)
        reader = copy.copy(self)
        reader.source = snapshot
        batch = Batch()
        snapshot.prefetch(pages)  # (when it fails, nothing was stored: the batch retries)
        writes: list[tuple[PageRef, str, SiteWrite]] = []  # the page, its path, the write
        for ref in pages:
            try:
                outputs = reader.outputs(ref, now)
            except Exception as exc:  # the page is retried, the batch goes on
                batch.failed[ref] = exc
                continue
            for output in outputs:
                try:
                    writes.append((ref, output.path, self._write(output)))
                except OwnershipRefused as exc:  # as below: reported, retried
                    batch.failed.setdefault(ref, exc)
        stored = store_all(self.storage, [write for _, _, write in writes])
        for (ref, path, _), result in zip(writes, stored, strict=True):
            if isinstance(result, Exception):  # as above: reported, retried
                batch.failed.setdefault(ref, result)
            elif result is not None:
                batch.changes.append((path, result))
        self.invalidations.send(batch.changes)
        return batch

    def _write(self, output: Output) -> SiteWrite:
        key = object_key(output.path)
        if site_owns(key, self.site.section_slugs) != output.site_made:
            # Validation and the claims keep this from happening; this is the last guard
            # between a bad record and the site's own pages, and it fails loudly.
            raise OwnershipRefused(
                f"{key!r} is not {'the site' if output.site_made else 'an upload'}'s"
            )
        return SiteWrite(
            key, output.body, output.content_type, output.cache_control, output.redirect
        )

    def outputs(self, ref: PageRef, now: datetime) -> list[Output]:
        if ref.kind is PageKind.ARTICLE:
            return self._article(ref)
        if ref.kind is PageKind.HOME:
            return [Output(HOME_PATH, self._home())]
        if ref.kind is PageKind.LISTING:
            return [self._listing(ListingId.parse(ref.ref), ref.page)]
        if ref.kind is PageKind.FEED:
            return [self._feed(ListingId.parse(ref.ref) if ref.ref else None)]
        if ref.kind is PageKind.SITEMAP:
            return [self._month_sitemap(ref.ref)]
        if ref.kind is PageKind.SITEMAP_INDEX:
            return [self._sitemap_index()]
        if ref.kind is PageKind.NEWS_SITEMAP:
            return [self._news_sitemap(now)]
        if ref.kind is PageKind.FRONTS_SITEMAP:
            return [self._fronts_sitemap()]
        if ref.kind is PageKind.ROBOTS:
            return [Output(ROBOTS_PATH, self.renderer.robots_txt(), TEXT)]
        if ref.kind is PageKind.NOT_FOUND:
            return [Output(NOT_FOUND_PATH, self.renderer.not_found_page())]
        if ref.kind is PageKind.SEARCH:
            return [Output(SEARCH_PATH, self.renderer.search_page())]
        if ref.kind is PageKind.REDIRECT:
            return self._redirect(ref.ref)
        assets = self.renderer.asset_files()
        return [
            Output(path, body, media_type(path), ASSET_CACHE)
            for path, body in sorted(assets.items())
        ]

    # --- pages ----------------------------------------------------------------------------

    def _article(self, ref: PageRef) -> list[Output]:
        stored = self.source.get(ref.ref)
        outputs = []
        live = stored is not None and stored.visible and stored.article is not None
        if live and stored is not None and stored.article is not None:
            body = self.article_page(stored)
            cache = LIVE_CACHE if stored.article.live else HTML_CACHE
            outputs.append(Output(stored.article.path, body, cache_control=cache, site_made=False))
        stale = ref.path and (not live or stored is None or stored.path != ref.path)
        if stale and self.source.path_owner(ref.path) in (None, ref.ref):
            # Unpublished, or moved to a new address: what remains is a redirect or nothing.
            outputs.append(self._old_address(ref.path))
        return outputs

    def article_page(self, stored: StoredArticle, *, at: str | None = None) -> bytes:
        """An article's page with its related box as the table keeps it; `at` is where the
        page is written when it is not its own address (a preview writes it at `/`)."""
        assert stored.article is not None
        related = self.source.teasers(self.source.related(stored.key))
        return self.renderer.article_page(
            stored.article,
            published=stored.published,
            updated=stored.updated,
            related=list(related.values()),
            pictures=stored.pictures,
            at=at,
            body_html=stored.body_html,
        )

    def _redirect(self, path: str) -> list[Output]:
        """An old address: a redirect to where its article is now, unless the address is
        the site's own or a live article's (a redirect never shadows a page)."""
        if is_site_page(path, self.site.section_slugs):
            return []
        owner = self.source.path_owner(path)
        if owner is not None:
            claimant = self.source.get(owner)
            if claimant is not None and claimant.visible:
                return []
        return [self._old_address(path)]

    def _old_address(self, path: str) -> Output:
        owner = self.source.redirect_owner(path)
        stored = self.source.get(owner) if owner is not None else None
        if stored is None or not stored.visible or stored.path in (None, path):
            return Output(path, None, site_made=False)  # nothing to lead to: the address is gone
        target = stored.path
        assert target is not None
        return Output(path, self.renderer.moved_page(target), redirect=target, site_made=False)

    def _home(self) -> bytes:
        front = self.front_page()
        return self.renderer.home_page(lead=front.lead, blocks=front.blocks)

    def front_page(self) -> frontpage.FrontPage:
        """What the homepage shows now (`domain.frontpage`), read from the table."""
        pinned = self.source.slice(ListingId(ListingKind.PINNED), skip_newest=0, take=1)
        return frontpage.front_page(
            pinned=pinned[0] if pinned else None,
            latest=self._latest_of_site,
            sections=self.site.sections,
            newest=lambda section, n: self.source.slice(
                ListingId(ListingKind.SECTION, section.slug), skip_newest=0, take=n
            ),
        )

    def _latest_of_site(self) -> ArticleTeaser | None:
        for month in self.source.months():
            found = self.source.slice(ListingId(ListingKind.MONTH, month), skip_newest=0, take=1)
            if found:
                return found[0]
        return None

    def _listing(self, listing: ListingId, page: int) -> Output:
        path = listing.page_path(page)
        total = self.source.count(listing)
        if page == 0:
            articles = self.source.slice(listing, skip_newest=0, take=PER_PAGE)
            older = front_older_page(total)
            newer_path = None
            older_path = listing.page_path(older) if older else None
        else:
            if page > bucket_count(total):
                return Output(path, None)  # the bucket emptied: its page goes
            if bucket_is_front(page, total):
                # The front's own list under a second address: an old address of the front.
                front = listing.base_path
                return Output(path, self.renderer.moved_page(front), redirect=front)
            start, end = bucket_range(page, total)
            skip_newest = total - end
            if skip_newest <= start:
                articles = self.source.slice(listing, skip_newest=skip_newest, take=end - start)
            else:
                articles = self.source.slice(
                    listing, skip_newest=start, take=end - start, newest_first=False
                )
            newer_path = listing.page_path(newer_page(page, total))
            older_path = listing.page_path(page - 1) if page > 1 else None
        corrections = listing.kind is ListingKind.CORRECTIONS
        if not articles and not (corrections and page == 0):
            return Output(path, None)  # (the corrections' front says "none so far" instead)
        view = Listing(
            kind=listing.kind,
            name="" if corrections else self._listing_name(listing, articles),
            path=path,
            articles=tuple(articles),
            page=page or 1,
            newer_path=newer_path,
            older_path=older_path,
            feed_path=feed_path(listing) if listing.kind in WITH_FEEDS else None,
        )
        render = self.renderer.corrections_page if corrections else self.renderer.listing_page
        return Output(path, render(view))

    def _listing_name(self, listing: ListingId, articles: Sequence[ArticleTeaser]) -> str:
        sample = articles[0]
        if listing.kind is ListingKind.SECTION:
            return sample.section.name
        if listing.kind is ListingKind.TAG:
            return next((t.name for t in sample.tags if t.slug == listing.slug), listing.slug)
        return next((a for a in sample.authors if slugify(a) == listing.slug), listing.slug)

    def _feed(self, listing: ListingId | None) -> Output:
        if listing is None:
            articles = self._newest_of_site(FEED_SIZE)
            title, page = self.site.name, HOME_PATH
        else:
            articles = self.source.slice(listing, skip_newest=0, take=FEED_SIZE)
            if not articles:  # the section or author has no article left: its feed goes
                return Output(feed_path(listing), None, "application/rss+xml; charset=utf-8")
            title = f"{self.site.name} – {self._listing_name(listing, articles)}"
            page = listing.base_path
        path = FEED_PATH if listing is None else feed_path(listing)
        body = self.renderer.feed(title=title, page_path=page, feed_path=path, articles=articles)
        return Output(path, body, "application/rss+xml; charset=utf-8")

    def _newest_of_site(self, limit: int) -> list[ArticleTeaser]:
        found: list[ArticleTeaser] = []
        for month in self.source.months():
            found += self.source.slice(
                ListingId(ListingKind.MONTH, month), skip_newest=0, take=limit - len(found)
            )
            if len(found) >= limit:
                break
        return found

    def _month_sitemap(self, month: str) -> Output:
        members = self.source.members(ListingId(ListingKind.MONTH, month))
        path = month_sitemap_path(month)
        if not members:
            return Output(path, None, XML)
        entries = [SitemapEntry(a.path, a.modified) for a in members]
        return Output(path, self.renderer.sitemap(entries), XML)

    def _sitemap_index(self) -> Output:
        """The month sitemaps (the articles) and the fronts' sitemap (home and sections):
        every canonical page the site wants found, never a bucket page or an old address."""
        months = self.source.months()
        entries = [SitemapEntry(month_sitemap_path(m), _month_end(m)) for m in months[1:]]
        if months:  # the current month: its newest article, so the index does not lie ahead
            newest = self.source.slice(
                ListingId(ListingKind.MONTH, months[0]), skip_newest=0, take=1
            )
            last = newest[0].modified if newest else _month_end(months[0])
            entries.insert(0, SitemapEntry(month_sitemap_path(months[0]), last))
        fronts = self._front_entries()
        if fronts:
            newest_front = max(entry.last_modified for entry in fronts)
            entries.append(SitemapEntry(FRONTS_SITEMAP_PATH, newest_front))
        return Output(SITEMAP_INDEX_PATH, self.renderer.sitemap_index(entries), XML)

    def _fronts_sitemap(self) -> Output:
        """`/sitemaps/pagine.xml`: the homepage and each section front that shows articles,
        dated by the newest change among what it shows. O(sections) reads; it goes with the
        homepage and with any change of a section front (see indexing)."""
        entries = self._front_entries()
        if not entries:
            return Output(FRONTS_SITEMAP_PATH, None, XML)
        return Output(FRONTS_SITEMAP_PATH, self.renderer.sitemap(entries), XML)

    def _front_entries(self) -> list[SitemapEntry]:
        front = self.front_page()
        shown = [front.lead] if front.lead is not None else []
        shown += [teaser for block in front.blocks for teaser in block.articles]
        if not shown:
            return []  # an empty site: no page worth indexing yet
        entries = [SitemapEntry(HOME_PATH, max(teaser.modified for teaser in shown))]
        for section in self.site.sections:
            listing = ListingId(ListingKind.SECTION, section.slug)
            articles = self.source.slice(listing, skip_newest=0, take=PER_PAGE)
            if articles:
                newest = max(teaser.modified for teaser in articles)
                entries.append(SitemapEntry(listing.base_path, newest))
        return entries

    def _news_sitemap(self, now: datetime) -> Output:
        recent: list[ArticleTeaser] = []
        for month in self.source.months()[:NEWS_SITEMAP_MONTHS]:
            for teaser in self.source.slice(
                ListingId(ListingKind.MONTH, month), skip_newest=0, take=NEWS_SITEMAP_LIMIT
            ):
                if now - teaser.date <= NEWS_WINDOW:
                    recent.append(teaser)
        body = self.renderer.news_sitemap(recent[:NEWS_SITEMAP_LIMIT], now=now)
        return Output(NEWS_SITEMAP_PATH, body, XML)


#: The pages that read whole months go first in a batch, the widest first (a month's sitemap
#: reads all of it, the news sitemap the newest 1,000 of three): the news sitemap's, the
#: feeds' and the latest's smaller reads of the same months are then answered from what
#: they read (`Snapshot`).
_WIDE_READERS = (PageKind.SITEMAP, PageKind.NEWS_SITEMAP)


def store_each(storage: SiteStorage, writes: Sequence[SiteWrite]) -> list[StoreResult]:
    """`writes` stored one by one (what a storage without `store_many` does)."""
    results: list[StoreResult] = []
    for write in writes:
        try:
            if write.body is None:
                results.append(f"deleted:{write.key}" if storage.delete(write.key) else None)
            else:
                results.append(
                    storage.put_if_changed(
                        write.key,
                        write.body,
                        content_type=write.content_type,
                        cache_control=write.cache_control,
                        redirect=write.redirect,
                    )
                )
        except Exception as exc:  # that write fails alone
            results.append(exc)
    return results


def store_all(storage: SiteStorage, writes: Sequence[SiteWrite]) -> list[StoreResult]:
    """`writes` stored together where the storage can, else one by one."""
    if isinstance(storage, BatchStorage):
        return storage.store_many(writes)
    return store_each(storage, writes)


def _widest_first(ref: PageRef) -> tuple[int, PageRef]:
    wide = _WIDE_READERS.index(ref.kind) if ref.kind in _WIDE_READERS else len(_WIDE_READERS)
    return (wide, ref)


def _month_end(month: str) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    return datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC) - timedelta(seconds=1)

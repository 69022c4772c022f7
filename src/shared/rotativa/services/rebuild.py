"""Rebuild: every page of the site rendered again, after a template or stylesheet change.

Publishing renders only the pages one change affects; a new template affects them all.
A rebuild names every page the site has (`site_pages`: the articles, each page of every
section, tag and author, the feeds, the sitemaps, the homepage, the 404, robots.txt and
the assets) and renders them with the same `PageRenderer` the RenderFunction uses, so the
bytes are exactly the cloud's. Two ways to run it:

- in process (`Rebuild.run`): from the articles table, or from its in-memory twin
  (`adapters.memory.MemoryTable`) filled from a folder of uploads, into the site bucket or
  a folder; unchanged bytes are not written, and the changed paths are handed on once, at
  the end;
- on AWS (`fan_out`): every page goes to the render queue, where RenderFunctions render
  them in parallel batches and the InvalidateFunction coalesces the changed paths.

A folder of uploads becomes a table the way the cloud makes one (`index_uploads`): each
file, in folder order, handled by the ValidateFunction's own `Ingest` (over the folder as
the inbox and the table's in-memory twin as the ledger), and each change it makes indexed
by the IndexFunction's own `Indexer`: the same addresses, states, listings, teasers,
redirects and related boxes, so the pages are the cloud's, and there is no second site
builder and no second ingest.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any

from rotativa.domain.inbox import Change, FileUpload, InboxEvent, IngestOutcome, IngestResult
from rotativa.domain.pages import (
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    SiteWrite,
    StoreResult,
    bucket_count,
)
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering import SiteRenderer
from rotativa.services.indexing import Indexer
from rotativa.services.ingest import Ingest
from rotativa.services.ports import (
    ChangeLog,
    FolderTable,
    Invalidations,
    MediaSite,
    PageQueue,
    PageSource,
    SiteIndex,
    SiteStorage,
    UploadFolder,
)
from rotativa.services.rendering import WITH_FEEDS, PageRenderer, store_all
from rotativa.services.scheduling import Timetable

Progress = Callable[[int, int], None]


# --- every page of the site ---------------------------------------------------------------


def site_pages(index: SiteIndex, site: SiteSettings) -> list[PageRef]:
    """Every page the site has now, in a stable order (articles first, newest first).

    The visible articles are the members of the months; the listings are the sections,
    tags and authors they name, each with its front page and its stable buckets."""
    teasers = [
        teaser
        for month in index.months()
        for teaser in index.members(ListingId(ListingKind.MONTH, month))
    ]
    listings: set[ListingId] = {ListingId(ListingKind.SECTION, s.slug) for s in site.sections}
    listings.add(ListingId(ListingKind.CORRECTIONS))  # its front exists with none yet
    for teaser in teasers:
        listings.add(ListingId(ListingKind.SECTION, teaser.section.slug))
        listings.update(ListingId(ListingKind.TAG, tag.slug) for tag in teaser.tags)
        listings.update(
            ListingId(ListingKind.AUTHOR, slugify(name)) for name in teaser.authors if slugify(name)
        )
    counts = index.counts(sorted(listings))
    refs = [PageRef.article(teaser.key, teaser.path) for teaser in teasers]
    for listing in sorted(listings):
        total = counts.get(listing, 0)
        if listing.kind is ListingKind.CORRECTIONS and not total:
            refs.append(PageRef.listing(listing))
        elif total:
            refs.extend(PageRef.listing(listing, page) for page in range(bucket_count(total) + 1))
    with_feeds = sorted(
        listing for listing in listings if listing.kind in WITH_FEEDS and counts.get(listing, 0)
    )
    refs.append(PageRef.feed())
    refs.extend(PageRef.feed(listing) for listing in with_feeds)
    months = index.months()
    refs.extend(PageRef.sitemap(month) for month in months)
    refs.extend(
        PageRef.of(kind)
        for kind in (
            PageKind.SITEMAP_INDEX,
            PageKind.NEWS_SITEMAP,
            PageKind.FRONTS_SITEMAP,
            PageKind.HOME,
            PageKind.NOT_FOUND,
            PageKind.SEARCH,
            PageKind.ROBOTS,
            PageKind.ASSETS,
        )
    )
    return refs


def fan_out(refs: Sequence[PageRef], queue: PageQueue, *, progress: Progress | None = None) -> int:
    """Send every page to the render queue (the RenderFunction renders and invalidates);
    returns how many were sent."""
    chunk = 1000
    for start in range(0, len(refs), chunk):
        queue.send(refs[start : start + chunk])
        if progress is not None:
            progress(min(start + chunk, len(refs)), len(refs))
    return len(refs)


# --- rendering them in process ------------------------------------------------------------


@dataclass
class RebuildReport:
    pages: int = 0  # page requests rendered
    files: int = 0  # outputs (an asset request gives several files)
    written: int = 0  # files whose bytes changed (written)
    removed: int = 0  # pages that must no longer exist (deleted)
    bytes: int = 0  # bytes rendered
    seconds: float = 0.0
    changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def add(self, other: RebuildReport) -> None:
        self.pages += other.pages
        self.files += other.files
        self.written += other.written
        self.removed += other.removed
        self.bytes += other.bytes
        self.changes.extend(other.changes)


REBUILD_CHUNK = 100  # pages rendered as one batch by a rebuild in process


class _Tally:
    """The storage seen through a counter: what was rendered, written and removed."""

    def __init__(self, storage: SiteStorage, report: RebuildReport) -> None:
        self.storage = storage
        self.report = report

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        self.report.files += 1
        self.report.bytes += len(body)
        change = self.storage.put_if_changed(
            key, body, content_type=content_type, cache_control=cache_control, redirect=redirect
        )
        self.report.written += change is not None
        return change

    def delete(self, key: str) -> bool:
        self.report.files += 1
        removed = self.storage.delete(key)
        self.report.removed += removed
        return removed

    def store_many(self, writes: Sequence[SiteWrite]) -> list[StoreResult]:
        """A chunk's writes stored together where the storage can (the bucket's ledger)."""
        results = store_all(self.storage, writes)
        for write, result in zip(writes, results, strict=True):
            self.report.files += 1
            self.report.bytes += len(write.body or b"")
            if isinstance(result, str):
                deleted = result.startswith("deleted:")
                self.report.removed += deleted
                self.report.written += not deleted
        return results


class _Collect:
    """Changed paths, kept until the rebuild ends: one hand-over, not one per page."""

    def __init__(self, report: RebuildReport) -> None:
        self.report = report

    def send(self, changes: Sequence[tuple[str, str]]) -> None:
        self.report.changes.extend(changes)


class Rebuild:
    """Render a list of pages in this process, as the RenderFunction would, page by page."""

    def __init__(
        self,
        site: SiteSettings,
        source: PageSource,
        storage: SiteStorage,
        invalidations: Invalidations | None = None,
        renderer: SiteRenderer | None = None,
    ) -> None:
        self.site = site
        self.source = source
        self.storage = storage
        self.invalidations = invalidations
        self.renderer = renderer or SiteRenderer(site)

    def run(
        self,
        refs: Sequence[PageRef],
        now: datetime,
        *,
        progress: Progress | None = None,
        jobs: int = 1,
    ) -> RebuildReport:
        """Render every page of `refs`; with `jobs` > 1, in that many forked processes
        (each takes every jobs-th page). Changed paths go to the invalidations once."""
        started = time.perf_counter()
        if jobs > 1 and len(refs) > jobs and "fork" in multiprocessing.get_all_start_methods():
            report = self._parallel(refs, now, jobs, progress)
        else:
            report = self._render(refs, now, progress)
        report.seconds = time.perf_counter() - started
        if self.invalidations is not None and report.changes:
            self.invalidations.send(report.changes)
        return report

    def _render(
        self, refs: Sequence[PageRef], now: datetime, progress: Progress | None
    ) -> RebuildReport:
        report = RebuildReport()
        pages = PageRenderer(
            self.site, self.source, _Tally(self.storage, report), _Collect(report), self.renderer
        )
        # In chunks: each is one render batch (its outputs stored together, a bucket's
        # ledger read once for them), small enough for the progress bar to move.
        chunk = max(1, min(REBUILD_CHUNK, len(refs) // 200))
        for start in range(0, len(refs), chunk):
            part = refs[start : start + chunk]
            pages.render(part, now)
            report.pages += len(part)
            if progress is not None:
                progress(start + len(part), len(refs))
        return report

    def _parallel(
        self, refs: Sequence[PageRef], now: datetime, jobs: int, progress: Progress | None
    ) -> RebuildReport:
        # Forked workers inherit the source and the renderer (templates compiled once);
        # each renders its share and sends back its tally.
        context = multiprocessing.get_context("fork")
        done = context.Value("i", 0)
        shares = [list(refs[i::jobs]) for i in range(jobs)]
        global _WORKER  # the forked children find their job here
        _WORKER = (self, now, done)
        try:
            with context.Pool(jobs) as pool:
                pending = pool.map_async(_render_share, shares)
                while not pending.ready():
                    pending.wait(0.2)
                    if progress is not None:
                        progress(min(done.value, len(refs)), len(refs))
                parts = pending.get()
        finally:
            _WORKER = None
        report = RebuildReport()
        for part in parts:
            report.add(part)
        if progress is not None:
            progress(len(refs), len(refs))
        return report


_WORKER: tuple[Rebuild, datetime, Any] | None = None


class _SharedProgress:
    """A worker's progress, added into the counter the parent process reads."""

    def __init__(self, counter: Any) -> None:
        self.counter = counter
        self.reported = 0

    def __call__(self, done: int, _total: int) -> None:
        with self.counter.get_lock():
            self.counter.value += done - self.reported
        self.reported = done


def _render_share(share: list[PageRef]) -> RebuildReport:
    assert _WORKER is not None, "only called in a forked worker"
    rebuild, now, counter = _WORKER
    return rebuild._render(share, now, _SharedProgress(counter))


# --- a folder of uploads, indexed as the cloud indexes it -----------------------------------


class _Unsent:
    """The render queue of a site rendered afterwards, page by page: nothing to send."""

    def send(self, pages: Iterable[PageRef]) -> None:
        del pages


class _Unfired:
    """The scheduler of a site built once, at `now`: a schedule still ahead is never
    reached, and one already past is fired by `Timetable.follow` itself."""

    def put(self, name: str, at: datetime, message: str) -> None:
        del name, at, message

    def delete(self, name: str) -> None:
        del name


class _Uncounted:
    def count(self, name: str, value: int = 1) -> None:
        del name, value


class _NoMedia:
    """A folder published without its media: they are the caller's to copy as they are."""

    def handle(self, event: InboxEvent) -> IngestResult:
        return IngestResult(event, IngestOutcome.IGNORED)


@dataclass(frozen=True)
class Rejected:
    """An upload the cloud would refuse, and the report ingest wrote beside it."""

    key: str
    path: PurePath
    report: Mapping[str, Any]


def index_uploads(
    site: SiteSettings,
    table: FolderTable,
    inbox: UploadFolder,
    uploads: Sequence[FileUpload],
    now: datetime,
    *,
    shown: str | None = None,
    media: MediaSite | None = None,
) -> list[Rejected]:
    """Publish a folder's article files (`uploads`, which `inbox` holds) into `table` as
    the cloud would: one event per file, in folder order, handled by the ValidateFunction's
    `Ingest` (so the first upload keeps an address, `x.md` beats `x.json`, state and dates
    are ingest's), and each change of the table indexed, as its stream record would be, by
    the IndexFunction's `Indexer` at `now` (embargoes and expiries whose moment has passed
    by then fire as their schedules would). Returns the uploads whose report says rejected.

    `shown` is a preview's article: shown among the others even while a draft, embargoed
    or expired (`shown_published`), right after ingest has stored it.

    With `media` (the site's media, in memory or a folder), media uploads among `uploads`
    are published as the ValidateFunction publishes them, pictures as their variants, and
    the articles are stored with the pictures they show (`services.picture_desk`), in
    whichever order the two come; without it, media uploads are ignored."""
    ingest = _ingest(site, table, inbox, media)
    indexer = Indexer(site, table, _Unsent(), timetable=Timetable(table, _Unfired()))
    for upload in uploads:
        # A hint naming no version, as a recheck is: ingest reads the file as the inbox
        # holds it, and orders it by the file's time.
        ingest.handle(InboxEvent(inbox.name, upload.key, Change.PUT, upload.arrived))
        _index_changes(indexer, table, now)
        stored = table.get(upload.key) if upload.key == shown else None
        if stored is not None and not stored.visible:
            table.transition(stored, shown_published(stored))
            # Indexed with no timetable: an expiry already past must not hide it again.
            _index_changes(Indexer(site, table, _Unsent()), table, now)
    return [
        Rejected(upload.key, upload.path, report)
        for upload in uploads
        if (report := inbox.read_report(upload.key)) is not None
        and report.get("status") == "rejected"
    ]


def _ingest(
    site: SiteSettings, table: FolderTable, inbox: UploadFolder, media: MediaSite | None
) -> Ingest:
    if media is None:
        return Ingest(site, inbox, _NoMedia(), table, _Uncounted())
    from rotativa.services.media import MediaUploads
    from rotativa.services.picture_desk import PictureDesk

    desk = PictureDesk(inbox, media, table, table, remember=True)
    uploads = MediaUploads(inbox, media, _Uncounted(), site.locale, desk)
    return Ingest(site, inbox, uploads, table, _Uncounted(), desk)


def shown_published(stored: StoredArticle) -> StoredArticle:
    """A preview's one liberty with the cloud: its article is published whatever its state,
    dated as it would be when it comes out (an embargo at its end, else when it arrived)."""
    article = stored.article
    embargo = article.publish_at if article is not None else None
    return replace(
        stored,
        state=ArticleState.PUBLISHED,
        first_published=stored.first_published or embargo or stored.received_at,
    )


def _index_changes(indexer: Indexer, table: ChangeLog, now: datetime) -> None:
    """Index every change the table's stream holds, and those indexing makes (a schedule
    whose moment has passed), until there are none."""
    while changes := table.take_changes():
        for change in changes:
            indexer.index(change.key, change.old, now)


def index_articles(
    site: SiteSettings, table: FolderTable, articles: Iterable[StoredArticle], now: datetime
) -> None:
    """Write each article item into `table` and index it, one change after another, with
    the IndexFunction's `Indexer`: as a table would be after the articles were published
    in this order (items another table holds, indexed again)."""
    indexer = Indexer(site, table, _Unsent(), timetable=Timetable(table, _Unfired()))
    for stored in articles:
        table.put(stored)
        _index_changes(indexer, table, now)

"""Rebuild: every page of the site rendered again, after a template or stylesheet change.

Publishing renders only the pages one change affects; a new template affects them all.
A rebuild names every page the site has (`site_pages`: the articles, each page of every
section, tag and author, the feeds, the sitemaps, the homepage, the 404 and the assets)
and renders them with the same `PageRenderer` the RenderFunction uses, so the bytes are
exactly the cloud's. Two ways to run it:

- in process (`Rebuild.run`): from the articles table, or from its in-memory twin
  (`adapters.memory.MemoryTable`) filled from a folder of uploads, into the site bucket or
  a folder; unchanged bytes are not written, and the changed paths are handed on once, at
  the end;
- on AWS (`fan_out`): every page goes to the render queue, where RenderFunctions render
  them in parallel batches and the InvalidateFunction coalesces the changed paths.

A folder of uploads becomes a table the way the cloud makes one (`index_uploads`): each
file validated as ingest validates it, stored as ingest stores it, and indexed, in upload
order, by the IndexFunction's own `Indexer`: the same listings, teasers, redirects and
related boxes, so the pages are the cloud's, and there is no second site builder.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from rotativa.domain.inbox import FileUpload
from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef, bucket_count
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.schedules import lifecycle_state
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.domain.twins import TWIN_WINNER, twin_of
from rotativa.rendering import SiteRenderer
from rotativa.services.indexing import Indexer
from rotativa.services.ports import (
    ArticleItems,
    Invalidations,
    PageQueue,
    PageSource,
    SiteIndex,
    SiteStorage,
)
from rotativa.services.rendering import WITH_FEEDS, PageRenderer
from rotativa.services.validation import ValidationReport, validate_upload

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
        if total:
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
            PageKind.HOME,
            PageKind.NOT_FOUND,
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
        every = max(1, len(refs) // 200)
        for done, ref in enumerate(refs, start=1):
            pages.render([ref], now)
            report.pages += 1
            if progress is not None and (done % every == 0 or done == len(refs)):
                progress(done, len(refs))
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


@dataclass(frozen=True)
class Rejected:
    """An upload the cloud would refuse, and why."""

    key: str
    path: PurePath
    report: ValidationReport


def stored_upload(
    key: str,
    report: ValidationReport,
    received_at: datetime,
    now: datetime,
    *,
    order: int,
    publish: bool = False,
) -> StoredArticle:
    """A valid upload as ingest stores it: its state at `now` (drafts kept, invisible;
    embargoes and expiries judged at `now`), or published whatever it says (`publish`);
    it counts as published at its date, its embargo's end, or when it arrived."""
    article = report.article
    assert article is not None, "only a valid upload is stored"
    state = ArticleState.PUBLISHED if publish else lifecycle_state(article, now)
    published = article.date or article.publish_at or received_at
    return StoredArticle(
        key=key,
        order=f"{order:032X}",
        state=state,
        received_at=published,
        article=article,
        first_published=published if state is ArticleState.PUBLISHED else None,
    )


def index_uploads(
    site: SiteSettings,
    table: ArticleItems,
    uploads: Iterable[FileUpload],
    now: datetime,
    *,
    shown: str | None = None,
) -> list[Rejected]:
    """Validate, store and index the article files `uploads` (read from disk, in the
    order they are sent) into `table`, as ingest and the IndexFunction would; `shown` is
    an upload published whatever its state (a preview shows a draft among the articles
    around it). Returns the uploads refused."""
    rejected: list[Rejected] = []
    stored: list[StoredArticle] = []
    read = list(uploads)
    reports = [(u.key, u.path, validate_upload(u.key, u.data, site)) for u in read]
    keys = {key for key, _, _ in reports}
    # An address is held by the first upload that takes it, and the shown one holds its own;
    # `x.json` beside `x.md` holds nothing: the Markdown file wins (domain.twins).
    holders: dict[str, str] = {}
    for key, _, report in sorted(reports, key=lambda upload: upload[0] != shown):
        twin = twin_of(key)
        beaten = key != shown and twin is not None and twin.endswith(TWIN_WINNER) and twin in keys
        if report.article is not None and not beaten:
            holders.setdefault(report.article.path, key)
    for number, ((key, path, report), upload) in enumerate(zip(reports, read, strict=True), 1):
        if report.article is None or holders.get(report.article.path) != key:
            rejected.append(Rejected(key, path, report))
            continue
        stored.append(
            stored_upload(key, report, upload.arrived, now, order=number, publish=key == shown)
        )
    index_articles(site, table, stored, now)
    return rejected


def index_articles(
    site: SiteSettings, table: ArticleItems, articles: Iterable[StoredArticle], now: datetime
) -> None:
    """Write each article item into `table` and index it, one change after another, with
    the IndexFunction's `Indexer`: as a table would be after the articles were published
    in this order."""
    indexer = Indexer(site, table, _Unsent())
    for stored in articles:
        table.put(stored)
        indexer.index(stored.key, None, now)

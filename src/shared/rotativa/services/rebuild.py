"""Rebuild: every page of the site rendered again, after a template or stylesheet change.

Publishing renders only the pages one change affects; a new template affects them all.
A rebuild names every page the site has (`site_pages`: the articles, each page of every
section, tag and author, the feeds, the sitemaps, the homepage, the 404 and the assets)
and renders them with the same `PageRenderer` the RenderFunction uses, so the bytes are
exactly the cloud's. Two ways to run it:

- in process (`Rebuild.run`): from the articles table, or from articles held in memory
  (`MemorySite`, e.g. a folder of uploads), into the site bucket or a folder; unchanged
  bytes are not written, and the changed paths are handed on once, at the end;
- on AWS (`fan_out`): every page goes to the render queue, where RenderFunctions render
  them in parallel batches and the InvalidateFunction coalesces the changed paths.

`MemorySite` is the table's read side for pages, over articles in memory. Without stored
related boxes it works them out the way the IndexFunction does, from a bounded pool: the
articles nearest in time in the article's section and in each of its distinctive tags
(`domain.related` scores them), so a rebuild of 10,000 articles costs O(N), not O(N²).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import (
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    bucket_count,
    object_key,
)
from rotativa.domain.records import StoredArticle, memberships
from rotativa.domain.related import TagStatistics, related_articles
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering import SiteRenderer
from rotativa.services.ports import Invalidations, PageQueue, PageSource, SiteIndex, SiteStorage
from rotativa.services.rendering import PageRenderer

#: articles nearest in time taken from each listing into a related pool, on either side:
#: the IndexFunction's pool is the newest 20 of each listing when an article is published,
#: and newer articles then push themselves into its box (services/indexing.py).
RELATED_WINDOW = 20

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
    sections = sorted(
        listing
        for listing in listings
        if listing.kind is ListingKind.SECTION and counts.get(listing, 0)
    )
    refs.append(PageRef.feed())
    refs.extend(PageRef.feed(section) for section in sections)
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


# --- the site's pages from articles in memory ---------------------------------------------


class MemorySite:
    """The articles table as pages and rebuilds read it (`PageSource`, `SiteIndex`), over
    articles held in memory: the same listings, positions, teasers and related boxes the
    IndexFunction keeps in DynamoDB, without DynamoDB."""

    def __init__(
        self,
        site: SiteSettings,
        articles: Iterable[StoredArticle],
        *,
        related: Mapping[str, Sequence[str]] | None = None,
        window: int = RELATED_WINDOW,
    ) -> None:
        self.site = site
        self._stored = {stored.key: stored for stored in articles}
        self._owners = {
            stored.path: stored.key for stored in self._stored.values() if stored.path is not None
        }
        self._aliases = {
            alias: stored.key
            for stored in self._stored.values()
            if stored.article is not None
            for alias in stored.article.aliases
        }
        listed: dict[ListingId, list[tuple[str, ArticleTeaser]]] = defaultdict(list)
        self._teasers: dict[str, ArticleTeaser] = {}
        for stored in self._stored.values():
            joined = memberships(stored)
            if not joined:
                continue
            teaser = stored.teaser()
            self._teasers[stored.key] = teaser
            for listing, position in joined.items():
                listed[listing].append((position, teaser))
        # Oldest first, as the table sorts a listing's positions.
        self._listings = {
            listing: [teaser for _, teaser in sorted(members, key=lambda m: m[0])]
            for listing, members in listed.items()
        }
        self._months = sorted(
            (listing.slug for listing in self._listings if listing.kind is ListingKind.MONTH),
            reverse=True,
        )
        self._related = (
            {key: list(keys) for key, keys in related.items()}
            if related is not None
            else self.related_boxes(window)
        )

    # --- PageSource and SiteIndex ---------------------------------------------------------

    def get(self, key: str) -> StoredArticle | None:
        return self._stored.get(key)

    def path_owner(self, path: str) -> str | None:
        return self._owners.get(path)

    def redirect_owner(self, path: str) -> str | None:
        """From the articles' aliases (a folder has no history of former addresses)."""
        return self._aliases.get(path)

    def count(self, listing: ListingId) -> int:
        return len(self._listings.get(listing, ()))

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        return {listing: self.count(listing) for listing in listings}

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]:
        members = self._listings.get(listing, [])
        if take <= 0:
            return []
        if newest_first:
            end = len(members) - skip_newest
            return members[max(0, end - take) : max(0, end)][::-1]
        return members[skip_newest : skip_newest + take][::-1]

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        return self._listings.get(listing, [])[::-1]

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]:
        return {key: self._teasers[key] for key in dict.fromkeys(keys) if key in self._teasers}

    def related(self, key: str) -> list[str]:
        return list(self._related.get(key, ()))

    def months(self) -> list[str]:
        return list(self._months)

    # --- related boxes, as the IndexFunction would keep them ------------------------------

    def related_boxes(self, window: int = RELATED_WINDOW) -> dict[str, list[str]]:
        """Each visible article's box: `domain.related` over the `window` articles before
        and after it in its section and in each of its distinctive tags, plus the slugs its
        editor pinned."""
        tag_counts = Counter(
            tag.slug
            for listing, members in self._listings.items()
            if listing.kind is ListingKind.SECTION
            for teaser in members
            for tag in teaser.tags
        )
        stats = TagStatistics(tag_counts, len(self._teasers))
        places: dict[ListingId, dict[str, int]] = {
            listing: {teaser.key: i for i, teaser in enumerate(members)}
            for listing, members in self._listings.items()
            if listing.kind in (ListingKind.SECTION, ListingKind.TAG)
        }
        by_slug: dict[str, list[ArticleTeaser]] = defaultdict(list)
        for teaser in self._teasers.values():
            by_slug[teaser.slug].append(teaser)
        boxes: dict[str, list[str]] = {}
        for teaser in self._teasers.values():
            listings = [ListingId(ListingKind.SECTION, teaser.section.slug)] + [
                ListingId(ListingKind.TAG, tag.slug)
                for tag in teaser.tags
                if stats.is_distinctive(tag.slug)
            ]
            pool: dict[str, ArticleTeaser] = {}
            for listing in listings:
                members = self._listings[listing]
                at = places[listing][teaser.key]
                for candidate in members[max(0, at - window) : at + window + 1]:
                    pool.setdefault(candidate.key, candidate)
            for slug in teaser.related:
                for candidate in by_slug.get(slug, ()):
                    pool.setdefault(candidate.key, candidate)
            pool.pop(teaser.key, None)
            chosen = related_articles(teaser, pool.values(), stats, pinned=teaser.related)
            boxes[teaser.key] = [c.key for c in chosen]
        return boxes


# --- a folder as the site bucket ----------------------------------------------------------


class FolderStorage:
    """The site bucket's part in a rebuild, played by a folder (object key → file)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        # A folder keeps bytes only: an old address is its "page moved" page, with a link.
        del content_type, cache_control, redirect
        target = self.root / key
        if target.is_file() and target.read_bytes() == body:
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return hashlib.sha256(body).hexdigest()

    def delete(self, key: str) -> bool:
        target = self.root / key
        if not target.is_file():
            return False
        target.unlink()
        return True


def page_file(root: Path, path: str) -> Path:
    """Where a site path's bytes are in a folder written by `FolderStorage`."""
    return root / object_key(path)

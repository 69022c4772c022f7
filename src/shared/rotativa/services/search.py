"""Search: the index of every visible article, rebuilt when the newsroom changes it.

The IndexFunction marks the index stale (one message on the search queue) whenever a batch
of changes touched an article page; the SearchFunction reads the queue after a batching
window (`SearchIndexWindow`, five minutes by default), so a burst of a thousand uploads
costs one rebuild, or a few, never one per upload. A rebuild (`SearchIndexer.refresh`):

1. reads the visible articles, exactly the months' members (the site's own list of what
   it shows: never a draft, a scheduled, an expired or an unpublished article), and their
   bodies in batches;
2. has pagefind make the bundle of their records (`rendering.search_record`, built with
   `adapters.pagefind`);
3. compares it with what the site bucket holds under `cerca/pagefind/` (one listing, whose
   ETags are the MD5 of the bytes) and writes only the files that are new or changed: the
   fragments, index chunks and filters have content-hashed names, so an article that did
   not change costs nothing, and those files are cached for a year;
4. writes the unhashed files (`pagefind-entry.json`, which names the current meta file,
   pagefind's library and WebAssembly) last, so a reader never gets an entry that names
   files not yet written, and hands the changed ones to the invalidate queue;
5. deletes the files the new bundle no longer has (an unpublished article's fragment goes
   at once: nothing of it stays readable from the site).

Two rebuilds may overlap (a retried batch, two windows closing together): each claims the
index with the moment it started reading before it writes the entry, and again before it
deletes (`SearchBuilds`); an older rebuild that lost the claim writes and deletes nothing
more, so it can never put back an index older than one already published, nor remove a
file the newer one's entry names.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.search import SEARCH_BUNDLE_PREFIX, SearchRecord
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SiteRenderer
from rotativa.services.ports import (
    ArticleBatches,
    BundleFiles,
    Invalidations,
    SearchBuilds,
    SiteIndex,
)
from rotativa.services.rendering import ASSET_CACHE, HTML_CACHE

#: Builds the bundle of some records in a language: `adapters.pagefind.build_bundle`.
BundleBuilder = Callable[[Sequence[SearchRecord], str], Mapping[str, bytes]]

#: pagefind's content-hashed files (`fragment/it_1a2b3c4.pf_fragment`,
#: `pagefind.it_1a2b3c4d5e.pf_meta`): a name that changes whenever the bytes do.
_HASHED = re.compile(r"_[0-9a-f]{6,}\.pf_[a-z]+$")
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
}
_BINARY = "application/octet-stream"  # pagefind's own (compressed) data and WebAssembly
BODY_BATCH = 100  # article items read per round trip
ENTRY = SEARCH_BUNDLE_PREFIX + "pagefind-entry.json"  # names the index's current files


def content_type(name: str) -> str:
    for suffix, value in _TYPES.items():
        if name.endswith(suffix):
            return value
    return _BINARY


def is_hashed(name: str) -> bool:
    return _HASHED.search(name) is not None


@dataclass
class SearchRefresh:
    """What one rebuild did."""

    articles: int = 0
    files: int = 0  # in the bundle
    written: list[str] = field(default_factory=list)  # site bucket keys
    bytes_written: int = 0
    deleted: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)  # site paths
    superseded: bool = False  # a newer rebuild had published first: this one wrote no entry
    unchanged: bool = False  # the published index was made from the same records


def records_digest(records: Sequence[SearchRecord]) -> str:
    """What identifies an index's input: the same records, in the same order, same digest."""
    canonical = json.dumps(
        [[r.url, r.content, r.meta, r.filters, r.sort] for r in records],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class SearchIndexer:
    def __init__(
        self,
        site: SiteSettings,
        source: SiteIndex,
        bodies: ArticleBatches,
        files: BundleFiles,
        invalidations: Invalidations | None,
        build: BundleBuilder,
        builds: SearchBuilds | None = None,
        renderer: SiteRenderer | None = None,
    ) -> None:
        self.site = site
        self.source = source
        self.bodies = bodies
        self.files = files
        self.invalidations = invalidations
        self.build = build
        self.builds = builds
        self.renderer = renderer or SiteRenderer(site)

    def records(self) -> list[SearchRecord]:
        """One record per visible article, newest first (pagefind ranks; this keeps the
        bundle's bytes the same for the same site)."""
        teasers = {
            teaser.key: teaser
            for month in self.source.months()
            for teaser in self.source.members(ListingId(ListingKind.MONTH, month))
        }
        keys = sorted(teasers, key=lambda k: (teasers[k].date, k), reverse=True)
        records = []
        for start in range(0, len(keys), BODY_BATCH):
            chunk = keys[start : start + BODY_BATCH]
            stored = self.bodies.get_many(chunk)
            for key in chunk:
                item = stored.get(key)
                if item is None or not item.visible or item.article is None:
                    continue  # unpublished since the months were read: not searchable
                records.append(
                    self.renderer.search_record(item.teaser(), item.article.body, item.body_html)
                )
        return records

    def refresh(self, now: datetime, *, force: bool = False) -> SearchRefresh:
        """Rebuild the index from the table and publish what changed of it (see above).
        `force`: build and compare with the bucket even when the records are the ones
        already published (a rebuild of the whole site repairs a damaged bundle so)."""
        started = now
        records = self.records()
        digest = records_digest(records)
        if not force and self.builds is not None and self.builds.published_records() == digest:
            # pagefind's filter and meta files differ from one run to the next for the same
            # records: the same records publish nothing, and invalidate nothing.
            return SearchRefresh(articles=len(records), unchanged=True)
        bundle = {
            SEARCH_BUNDLE_PREFIX + name: body
            for name, body in self.build(records, self.site.locale).items()
        }
        result = SearchRefresh(articles=len(records), files=len(bundle))
        made = {key: hashlib.md5(body).hexdigest() for key, body in bundle.items()}
        held = self.files.digests(SEARCH_BUNDLE_PREFIX)
        changed = [key for key, digest in made.items() if held.get(key) != digest]
        hashed = [key for key in changed if is_hashed(key)]
        entry = [key for key in changed if not is_hashed(key)]
        for key in hashed:
            self._put(key, bundle[key], ASSET_CACHE, result)
        if self.builds is not None and not self.builds.claim(started):
            result.superseded = True  # its hashed files are named by no entry: harmless
            return result
        for key in entry:
            self._put(key, bundle[key], HTML_CACHE, result)
        # The entry is invalidated even when the bucket has its bytes already: a rebuild of
        # these records that wrote it and failed before its invalidation left the CDN
        # serving the one before.
        purge = sorted({*entry, ENTRY} & set(bundle))
        if self.invalidations is not None and purge:
            self.invalidations.send([("/" + key, made[key]) for key in purge])
            result.invalidated = ["/" + key for key in purge]
        stale = sorted(set(held) - set(bundle))
        if stale and self.builds is not None and not self.builds.claim(started):
            # A newer rebuild claimed the index while this one wrote: what this one listed
            # as stale may be what the newer one's entry names. It deletes, not this one.
            result.superseded = True
            return result
        if stale:
            self.files.delete_keys(stale)
            result.deleted = stale
        if self.builds is not None:
            # Only now: a rebuild that failed half-way is done again in full by the next.
            self.builds.finish(started, digest)
        return result

    def _put(self, key: str, body: bytes, cache: str, result: SearchRefresh) -> None:
        self.files.put_file(key, body, content_type(key), cache)
        result.written.append(key)
        result.bytes_written += len(body)

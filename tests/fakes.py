"""In-memory stand-ins for the adapters, type-checked against the services' Protocols."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rotativa.adapters.memory import MemoryBucket
from rotativa.domain.article import ArticleTeaser
from rotativa.domain.inbox import InboxEvent, InboxObject, IngestOutcome, IngestResult
from rotativa.domain.pages import ListingId, PageRef
from rotativa.domain.records import Commit, CommitOutcome, StoredArticle
from rotativa.services.ports import (
    ArticleLedger,
    Inbox,
    IndexStore,
    Invalidations,
    PageQueue,
    PageSource,
    ScheduleBook,
    SiteMedia,
    SiteStorage,
    StateLedger,
    Telemetry,
    WaitingList,
)


class MemoryIndex:
    """The articles table's listings, counters, teasers and boxes, in dictionaries."""

    def __init__(self) -> None:
        self.articles: dict[str, StoredArticle] = {}
        self.listings: dict[ListingId, dict[str, ArticleTeaser]] = {}
        self.teaser_items: dict[str, ArticleTeaser] = {}
        self.boxes: dict[str, list[str]] = {}
        self.month_set: set[str] = set()
        self.redirect_items: dict[str, str] = {}  # old address → upload key

    def get(self, key: str) -> StoredArticle | None:
        return self.articles.get(key)

    def count(self, listing: ListingId) -> int:
        return len(self.listings.get(listing, {}))

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        return {listing: self.count(listing) for listing in listings}

    def newer_than(self, listing: ListingId, position: str) -> int:
        return sum(1 for p in self.listings.get(listing, {}) if p > position)

    def newest(self, listing: ListingId, limit: int) -> list[ArticleTeaser]:
        members = self.listings.get(listing, {})
        return [members[p] for p in sorted(members, reverse=True)[:limit]]

    def move_member(
        self,
        key: str,  # noqa: ARG002 - the table shards its counters by it; memory needs no shards
        teaser: ArticleTeaser | None,
        removals: Mapping[ListingId, str],
        additions: Mapping[ListingId, str],
    ) -> tuple[set[ListingId], set[ListingId]]:
        removed = {l for l, p in removals.items() if self.listings.get(l, {}).pop(p, None)}  # noqa: E741
        created = set()
        for listing, position in additions.items():
            if teaser is None:
                continue
            members = self.listings.setdefault(listing, {})
            if position not in members:
                created.add(listing)
            members[position] = teaser
        return removed, created

    def put_teaser(self, teaser: ArticleTeaser) -> None:
        self.teaser_items[teaser.key] = teaser

    def delete_teaser(self, key: str) -> None:
        self.teaser_items.pop(key, None)

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]:
        return {k: self.teaser_items[k] for k in keys if k in self.teaser_items}

    def path_owners(self, paths: Sequence[str]) -> dict[str, str]:
        owners = {a.article.path: k for k, a in self.articles.items() if a.article is not None}
        return {p: owners[p] for p in paths if p in owners}

    def related(self, key: str) -> list[str]:
        return list(self.boxes.get(key, []))

    def put_redirects(self, key: str, paths: Sequence[str], *, replace: bool = False) -> list[str]:
        held = []
        for path in dict.fromkeys(paths):
            if replace or self.redirect_items.get(path, key) == key:
                self.redirect_items[path] = key
                held.append(path)
        return held

    def delete_redirects(self, key: str, paths: Sequence[str]) -> None:
        for path in paths:
            if self.redirect_items.get(path) == key:
                del self.redirect_items[path]

    def redirects_of(self, key: str) -> list[str]:
        return sorted(p for p, owner in self.redirect_items.items() if owner == key)

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        return {k: list(self.boxes[k]) for k in keys if k in self.boxes}

    def put_related(self, key: str, keys: Sequence[str]) -> None:
        self.boxes[key] = list(keys)

    def set_month(self, month: str, present: bool) -> None:
        (self.month_set.add if present else self.month_set.discard)(month)


class MemoryPages(MemoryIndex):
    """The same table, read as the RenderFunction reads it."""

    def path_owner(self, path: str) -> str | None:
        return self.path_owners([path]).get(path)

    def redirect_owner(self, path: str) -> str | None:
        return self.redirect_items.get(path)

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]:
        members = self.listings.get(listing, {})
        order = sorted(members, reverse=newest_first)[skip_newest : skip_newest + take]
        found = [members[p] for p in order]
        return found if newest_first else found[::-1]

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        return self.slice(listing, skip_newest=0, take=10**9)

    def months(self) -> list[str]:
        return sorted(self.month_set, reverse=True)


class MemorySite(MemoryBucket):
    """The in-memory site bucket (adapters.memory), counting the writes it lets through."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        changed = super().put_if_changed(
            key, body, content_type=content_type, cache_control=cache_control, redirect=redirect
        )
        if changed is not None:
            self.writes += 1
        return changed


class RecordingInvalidations:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, str]]] = []

    def send(self, changes: Sequence[tuple[str, str]]) -> None:
        if changes:
            self.batches.append(list(changes))


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[PageRef] = []

    def send(self, pages: Iterable[PageRef]) -> None:
        self.sent.extend(pages)


def _conforms(
    store: MemoryIndex, queue: RecordingQueue, pages: MemoryPages, site: MemorySite
) -> tuple[IndexStore, PageQueue, PageSource, SiteStorage, Invalidations]:
    return store, queue, pages, site, RecordingInvalidations()  # mypy checks the fakes here


class MemorySchedules:
    """EventBridge Scheduler's schedules by name: (moment, message)."""

    def __init__(self) -> None:
        self.schedules: dict[str, tuple[datetime, str]] = {}
        self.calls: list[str] = []

    def put(self, name: str, at: datetime, message: str) -> None:
        self.calls.append(f"put {name}")
        self.schedules[name] = (at, message)

    def delete(self, name: str) -> None:
        self.calls.append(f"delete {name}")
        self.schedules.pop(name, None)


class MemoryLedger:
    """The article items, with the conditional state change of `ArticlesTable.transition`."""

    def __init__(self, *articles: StoredArticle) -> None:
        self.articles = {a.key: a for a in articles}

    def get(self, key: str) -> StoredArticle | None:
        return self.articles.get(key)

    def transition(self, before: StoredArticle, after: StoredArticle) -> bool:
        current = self.articles.get(before.key)
        if current is None or (current.order, current.state) != (before.order, before.state):
            return False
        self.articles[after.key] = after
        return True


def _schedules_conform(
    schedules: MemorySchedules, ledger: MemoryLedger
) -> tuple[ScheduleBook, StateLedger]:
    return schedules, ledger  # mypy checks the fakes here


class MemoryInbox:
    """The inbox bucket: versioned objects, reports, with S3's last word on each key."""

    def __init__(self, name: str = "inbox") -> None:
        self.name = name
        self.objects: dict[str, InboxObject] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self._versions = 0

    def upload(self, key: str, data: bytes, at: datetime) -> InboxObject:
        self._versions += 1
        found = InboxObject(data, f"v{self._versions}", f'"e{self._versions}"', at)
        self.objects[key] = found
        return found

    def remove(self, key: str) -> None:
        self.objects.pop(key, None)

    def current(self, key: str, limit: int) -> InboxObject | None:
        found = self.objects.get(key)
        if found is None:
            return None
        return InboxObject(
            found.data[: limit + 1], found.version_id, found.etag, found.last_modified
        )

    def exists(self, key: str) -> bool:
        return key in self.objects

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        return self.reports.get(key)

    def write_report(self, key: str, report: Mapping[str, Any]) -> None:
        self.reports[key] = dict(report)

    def delete_report(self, key: str) -> None:
        self.reports.pop(key, None)


class MemoryMedia:
    def __init__(self, inbox: MemoryInbox) -> None:
        self.inbox = inbox
        self.objects: set[str] = set()

    def handle(self, event: InboxEvent) -> IngestResult:
        if event.key in self.inbox.objects:
            self.objects.add(event.key)
            return IngestResult(event, IngestOutcome.MEDIA_COPIED)
        self.objects.discard(event.key)
        return IngestResult(event, IngestOutcome.MEDIA_REMOVED)


class MemoryArticleLedger:
    """The article items and address claims, with the table's conditional commit."""

    def __init__(self) -> None:
        self.articles: dict[str, StoredArticle] = {}
        self.claims: dict[str, str] = {}  # path → upload key
        self.redirects: dict[str, str] = {}
        self.waiting: dict[str, set[str]] = {}
        self.commits = 0

    def get(self, key: str) -> StoredArticle | None:
        return self.articles.get(key)

    def commit(
        self, stored: StoredArticle, *, release_path: str | None, seen: str | None
    ) -> Commit:
        current = self.articles.get(stored.key)
        if (current.order if current else None) != seen:
            return Commit(CommitOutcome.STALE)
        path = stored.path
        if path is not None and self.claims.get(path, stored.key) != stored.key:
            return Commit(CommitOutcome.PATH_TAKEN, self.claims[path])
        self.articles[stored.key] = stored
        if path is not None:
            self.claims[path] = stored.key
        if release_path not in (None, path) and self.claims.get(release_path or "") == stored.key:
            del self.claims[release_path or ""]
        self.commits += 1
        return Commit(CommitOutcome.COMMITTED)

    def address_holders(self, paths: Sequence[str]) -> dict[str, str]:
        found = {p: self.redirects[p] for p in paths if p in self.redirects}
        found.update({p: self.claims[p] for p in paths if p in self.claims})
        return found

    def wait_for(self, path: str, key: str) -> None:
        self.waiting.setdefault(path, set()).add(key)

    def waiting_for(self, address: str) -> list[str]:
        return sorted(self.waiting.get(address, ()))

    def forget_waiting(self, address: str, keys: Sequence[str]) -> None:
        self.waiting.get(address, set()).difference_update(keys)


class CountingTelemetry:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def _ingest_fakes_conform(
    inbox: MemoryInbox,
    media: MemoryMedia,
    ledger: MemoryArticleLedger,
    telemetry: CountingTelemetry,
) -> tuple[Inbox, SiteMedia, ArticleLedger, Telemetry, WaitingList]:
    return inbox, media, ledger, telemetry, ledger  # mypy checks the fakes here

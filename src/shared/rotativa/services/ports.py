"""The ports: every Protocol a service speaks through, each defined once.

A service names what it needs of the world here; an adapter (`rotativa.adapters`), an
in-memory twin or a test's fake satisfies it structurally, without importing it, so that
dependencies point inward (tests/unit/test_import_graph.py keeps them so). The values
that cross the ports live in `rotativa.domain` (`StoredArticle`, `Commit`, `MediaHead`,
`ObjectHistory`, `IngestResult`…), where the adapters can reach them too.

One articles table, several views: `adapters.articles_table.ArticlesTable` implements all
of them, and each service asks for the smallest view it uses (ingest commits through the
`ArticleLedger`, schedules change state through the `StateLedger`, the indexer keeps the
`IndexStore`, pages read the `PageSource`, a rebuild names pages from the `SiteIndex`).
Each method is declared once, in the smallest view that has it, and the larger views are
made of the smaller ones, so a method's meaning is written in one place.

The domain types are imported for the type checker only: a function loads the domain
modules its own code uses (cold starts, tests/unit/test_cold_start.py), not every type a
port names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from rotativa.domain.article import ArticleTeaser
    from rotativa.domain.history import ObjectHistory
    from rotativa.domain.inbox import InboxEvent, InboxObject, IngestResult
    from rotativa.domain.media import MediaHead, MediaType
    from rotativa.domain.pages import ListingId, PageRef, SiteWrite, StoreResult
    from rotativa.domain.pictures import Focus, PictureRecord
    from rotativa.domain.records import ArticleChange, Commit, StoredArticle

# --- the articles table ---------------------------------------------------------------------


class ArticleReader(Protocol):
    """The article items: what the table holds about one upload, read consistently."""

    def get(self, key: str) -> StoredArticle | None: ...


class ArticleBatches(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, StoredArticle]:
        """The article items of `keys` that exist, read consistently, in as few round trips
        as the store allows (the search index reads every visible article)."""
        ...


class SearchBuilds(Protocol):
    """Which rebuild of the search index publishes, and what the published one was made of."""

    def published_records(self) -> str | None:
        """The digest of the records the published index was made from; None when none is
        published, or a rebuild has claimed the index and not finished."""
        ...

    def claim(self, started: datetime) -> bool:
        """Claim the index for the rebuild that began reading at `started`; False when one
        that began later already claimed it (then this one must publish nothing)."""
        ...

    def finish(self, started: datetime, records: str) -> None:
        """The rebuild that claimed at `started` published every file of the index of the
        records whose digest is `records` (nothing, if another has claimed since)."""
        ...


class ListingSizes(Protocol):
    def count(self, listing: ListingId) -> int: ...

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        """The sizes of several listings in one round trip."""
        ...


class Teasers(Protocol):
    """What lists and related boxes show of articles."""

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]: ...

    def related(self, key: str) -> list[str]:
        """The keys in the article's related box, as the IndexFunction last chose them."""
        ...


class SiteIndex(ListingSizes, Protocol):
    """What a rebuild reads to name every page: the articles table or a site in memory."""

    def months(self) -> list[str]: ...

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        """Every member, newest first (a month of the site, for its sitemap)."""
        ...


class ArticleLedger(ArticleReader, Protocol):
    """The articles table, as the ValidateFunction writes it."""

    def commit(
        self, stored: StoredArticle, *, release_path: str | None, seen: str | None
    ) -> Commit:
        """Write `stored` if the upload's item is still the one read (order `seen`; None:
        there was none), claiming its address and releasing `release_path`."""
        ...

    def address_holders(self, paths: Sequence[str]) -> dict[str, str]:
        """Who holds each of these addresses (an article's page or an old address)."""
        ...

    def wait_for(self, path: str, key: str) -> None:
        """Remember that `key` wants `path`: when its holder lets it go, `key` is tried again."""
        ...


class PictureShelf(Protocol):
    """The table's pictures: each media picture's record (size, focuses, variants) and
    the articles that show it, with the focus each asks for (`services.media`)."""

    def picture(self, key: str) -> PictureRecord | None: ...

    def keep_picture(self, record: PictureRecord, *, replacing: PictureRecord | None) -> bool:
        """Write `record` if the table still holds `replacing` (None: no record); False
        when another write got in between (read again and redo)."""
        ...

    def drop_picture(self, key: str) -> None: ...

    def picture_users(self, key: str) -> dict[str, Focus]:
        """The uploads that showed or show the picture, each with the focus it asked for."""
        ...

    def use_picture(self, key: str, article_key: str, focus: Focus) -> None: ...

    def forget_use(self, key: str, article_key: str) -> None: ...


class StateLedger(ArticleReader, Protocol):
    """The articles table, as far as state changes (embargoes, expiries) need it."""

    def transition(self, before: StoredArticle, after: StoredArticle) -> bool:
        """Replace `before` with `after` unless the item moved on since it was read."""
        ...


class WaitingList(Protocol):
    """Uploads refused because another upload held their address (the table)."""

    def waiting_for(self, address: str) -> list[str]: ...

    def forget_waiting(self, address: str, keys: Sequence[str]) -> None: ...


class IndexStore(ArticleReader, ListingSizes, Teasers, Protocol):
    """The listings, teasers and related boxes in the articles table."""

    def newer_than(self, listing: ListingId, position: str) -> int:
        """How many members sort after `position` (cheap for recent articles)."""
        ...

    def newest(self, listing: ListingId, limit: int) -> list[ArticleTeaser]: ...

    def move_member(
        self,
        key: str,
        teaser: ArticleTeaser | None,
        removals: Mapping[ListingId, str],
        additions: Mapping[ListingId, str],
    ) -> tuple[set[ListingId], set[ListingId]]:
        """Remove and add (or refresh) one article's memberships, keeping every listing's
        size exact; returns the listings it really left and really joined."""
        ...

    def put_teaser(self, teaser: ArticleTeaser) -> None: ...

    def delete_teaser(self, key: str) -> None: ...

    def path_owners(self, paths: Sequence[str]) -> dict[str, str]:
        """The uploads that own these site addresses (the ones that have an owner)."""
        ...

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """Several articles' related keys in one round trip."""
        ...

    def put_related(self, key: str, keys: Sequence[str]) -> None: ...

    def set_month(self, month: str, present: bool) -> None:
        """Record which months have articles, for the sitemap index."""
        ...

    def put_redirects(self, key: str, paths: Sequence[str], *, replace: bool = False) -> list[str]:
        """Lead old addresses to the upload `key`, each only while no other upload holds
        it (`replace`: the article's own former address, taken back); the ones it holds."""
        ...

    def delete_redirects(self, key: str, paths: Sequence[str]) -> None:
        """Forget old addresses of `key` (not ones another upload has taken since)."""
        ...

    def redirects_of(self, key: str) -> list[str]: ...


class ArticleItems(IndexStore, Protocol):
    """A table the article items can be written into (ingest's commit, without claims)."""

    def put(self, stored: StoredArticle) -> None: ...


class PageSource(ArticleReader, SiteIndex, Teasers, Protocol):
    """The articles table, as pages read it."""

    def path_owner(self, path: str) -> str | None: ...

    def redirect_owner(self, path: str) -> str | None:
        """The upload an old address leads to, if it is one."""
        ...

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """Several articles' related keys in one round trip."""
        ...

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]: ...


class ChangeLog(Protocol):
    """A table in one process, read as its stream: the article changes written since the
    last reading (the in-memory twin's; DynamoDB's stream reaches `ArticleChanges`)."""

    def take_changes(self) -> list[ArticleChange]: ...


class FolderTable(ArticleLedger, StateLedger, ArticleItems, ChangeLog, PictureShelf, Protocol):
    """The articles table a folder of uploads is published into, in one process
    (`services.rebuild.index_uploads`): ingest commits, schedules fire, the indexer reads
    what changed, as the functions would."""


class ArticleChanges(Protocol):
    """The articles table's stream: its records, in whatever form the stream sends them,
    read as changes of article items (decoding items is the adapter's business)."""

    def change_of(self, record: Mapping[str, Any]) -> ArticleChange | None:
        """The article change `record` carries; None for any other item (teasers,
        memberships, counters, claims)."""
        ...


# --- the inbox --------------------------------------------------------------------------------


class ReportReader(Protocol):
    """Where reports are read: the inbox (a media report, for an article's image too)."""

    def read_report(self, key: str) -> Mapping[str, Any] | None: ...


class Reports(ReportReader, Protocol):
    """The editors' reports beside their uploads, by the upload's key."""

    def write_report(self, key: str, report: Mapping[str, Any]) -> None: ...

    def delete_report(self, key: str) -> None: ...


class Inbox(Reports, Protocol):
    """The inbox bucket, as the ValidateFunction uses it."""

    name: str

    def current(self, key: str, limit: int) -> InboxObject | None:
        """The object as S3 holds it now (at most `limit` + 1 bytes of it, with its version,
        ETag and time, all from one read), or None when there is none."""
        ...

    def exists(self, key: str) -> bool: ...


class MediaInbox(Reports, Protocol):
    """The inbox bucket, as media uploads need it."""

    def head_media(self, key: str, limit: int) -> MediaHead | None:
        """The current version of `key` with at most `limit` of its first bytes; None
        when there is no such object."""
        ...

    def version_of(self, key: str) -> str | None:
        """The current version (as `MediaHead.version`), or None when it is gone."""
        ...


class MediaFiles(MediaInbox, Protocol):
    """The inbox as the picture desk reads it: a whole version, to decode."""

    def read_media(self, key: str, source: MediaHead, limit: int) -> bytes | None:
        """Every byte of `key` at `source`'s version (None: that version is gone), read
        only when the size is within `limit`."""
        ...


class UploadFolder(Inbox, MediaFiles, Protocol):
    """A folder of uploads played as the inbox (`adapters.folder.FolderInbox`): what
    ingest reads of articles and the picture desk of media."""


class SiteMedia(Protocol):
    def handle(self, event: InboxEvent) -> IngestResult:
        """Publish, refuse or remove the media file `event` is about (services/media.py)."""
        ...


class Telemetry(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


# --- the site bucket, the CDN, the queues, the scheduler --------------------------------------


class SiteStorage(Protocol):
    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        """Store `body` unless unchanged; `redirect` marks the object as a permanent
        redirect to that path (S3's WebsiteRedirectLocation, which the CDN turns into a 301)."""
        ...

    def delete(self, key: str) -> bool: ...


@runtime_checkable
class BatchStorage(SiteStorage, Protocol):
    """A site storage that stores a render batch's outputs together (the S3 bucket, which
    learns their stored hashes in one read instead of one `HeadObject` each)."""

    def store_many(self, writes: Sequence[SiteWrite]) -> list[StoreResult]:
        """Store each write unless unchanged; per write, in order: its change id (the new
        hash, or `deleted:<key>`), None when nothing changed, or the exception that failed
        it (the others are still stored)."""
        ...


class BundleFiles(Protocol):
    """A part of the site bucket written as a whole bundle (the search index's files)."""

    def digests(self, prefix: str) -> dict[str, str]:
        """Every key below `prefix` with the MD5 (hex) of its bytes, in one listing; a key
        whose digest is unknown maps to ''."""
        ...

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None: ...

    def delete_keys(self, keys: Sequence[str]) -> None: ...


class MediaSite(Protocol):
    """The site bucket's `media/` part, as the ValidateFunction writes it."""

    def publish(self, key: str, source: MediaHead, media_type: MediaType, cache: str) -> None:
        """Copy inbox `key` at `source.version` to the same key of the site bucket, with
        `media_type`'s Content-Type (and Content-Disposition), never the uploader's."""
        ...

    def remove(self, key: str) -> None: ...

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        """Write bytes the site made (a picture's variant) at `key` of the site bucket."""
        ...


class SiteHistory(Protocol):
    """The site bucket's kept versions (a rollback)."""

    def history(self, key: str) -> ObjectHistory:
        """Every version and delete marker of exactly `key` (not of keys it prefixes)."""
        ...

    def restore(self, key: str, version_id: str) -> str:
        """Copy `version_id` of `key` over its current version, with that version's
        headers, metadata and redirect; the id of the new current version."""
        ...


class Cdn(Protocol):
    def invalidate(self, paths: Sequence[str], caller_reference: str) -> str:
        """Create (or find, for a known reference) the invalidation; returns its id."""
        ...


class PathInvalidation(Protocol):
    def invalidate(self, path: str, reason: str) -> str:
        """Have the CDN forget `path`; `reason` tells this invalidation from another of
        the same path. Returns what was done, for the operator."""
        ...


class PageQueue(Protocol):
    """Pages to render (the render queue)."""

    def send(self, pages: Iterable[PageRef]) -> None: ...


class SearchHints(Protocol):
    """Tells the SearchFunction that the visible articles changed (the search queue)."""

    def mark_stale(self) -> None: ...


class Invalidations(Protocol):
    """Changed paths, with the hash of what changed (the invalidate queue)."""

    def send(self, changes: Sequence[tuple[str, str]]) -> None: ...


class Rechecks(Protocol):
    """Asks ingest to look at uploads again (the ingest queue)."""

    def send(self, keys: Sequence[str]) -> None: ...


class ScheduleBook(Protocol):
    """EventBridge Scheduler, as far as articles need it."""

    def put(self, name: str, at: datetime, message: str) -> None: ...

    def delete(self, name: str) -> None: ...

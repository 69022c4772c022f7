"""In-memory twins of the articles table and of the site bucket.

`rotativa preview` and `rotativa rebuild FOLDER` build a site on a laptop the way the cloud
builds it: the real `Ingest` makes the uploads article items, the real `Indexer`
(services/indexing.py) keeps their listings, teasers, redirects and related boxes, and the
real `PageRenderer` (services/rendering.py) renders every page from them. Only where the
items live changes: here, in dictionaries and sorted lists, instead of DynamoDB and S3. So
a page a preview shows is the page the cloud would publish, and a rule changed in one
place (the homepage, the related pool, a listing, a feed) changes both.

`MemoryTable` is also the table as ingest writes it: the ValidateFunction's `Ingest`
(services/ingest.py) commits into it with `ArticlesTable.commit`'s conditions (stale unless
the item is the one read, refused while another upload claims the address), schedules
change states with `ArticlesTable.transition`'s, and each write of an article item waits in
its stream (`take_changes`) for the indexer, as a DynamoDB stream record would. It answers
the table's readings (the indexer's, the renderer's and the rebuild's); each listing is a
sorted list of positions, so that counting the members newer than a position, or slicing
the newest, costs a bisection, not a scan.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import ListingId, PageRef
from rotativa.domain.pictures import Focus, PictureRecord
from rotativa.domain.records import ArticleChange, Commit, CommitOutcome, StoredArticle


class MemoryTable:
    """The articles table (article items, address claims, waiting uploads, listings,
    teasers, related boxes, months and redirects) in memory, with its stream: every write
    of an article item is kept as an `ArticleChange` until `take_changes` reads it."""

    def __init__(self, articles: Iterable[StoredArticle] = ()) -> None:
        self._articles: dict[str, StoredArticle] = {}
        self._claims: dict[str, str] = {}  # site address → the upload that holds it
        self._waiting: dict[str, set[str]] = {}  # address → uploads refused for it
        self._stream: list[ArticleChange] = []
        # The search index: the newest rebuild's start, and its records once it finished.
        self._search_build: tuple[datetime, str | None] | None = None
        self._positions: dict[ListingId, list[str]] = {}  # oldest first, as the table sorts
        self._members: dict[ListingId, dict[str, ArticleTeaser]] = {}
        self._teasers: dict[str, ArticleTeaser] = {}
        self._boxes: dict[str, list[str]] = {}
        self._months: set[str] = set()
        self._redirects: dict[str, str] = {}  # old address → upload key
        self._pictures: dict[str, PictureRecord] = {}
        self._uses: dict[str, dict[str, Focus]] = {}  # media key → upload → its focus
        for stored in articles:
            self.put(stored)

    def put(self, stored: StoredArticle) -> None:
        """Write an article item whatever the table held (its address claimed unless
        another upload holds it, its former one let go)."""
        before = self._articles.get(stored.key)
        self._write(stored, before.path if before is not None else None)

    def _write(self, stored: StoredArticle, release_path: str | None) -> None:
        self._stream.append(ArticleChange(stored.key, self._articles.get(stored.key)))
        self._articles[stored.key] = stored
        path = stored.path
        if release_path not in (None, path) and self._claims.get(release_path or "") == stored.key:
            del self._claims[release_path or ""]
        if path is not None:
            self._claims.setdefault(path, stored.key)

    def articles(self) -> list[StoredArticle]:
        """Every article item, in the order they were first written."""
        return list(self._articles.values())

    def take_changes(self) -> list[ArticleChange]:
        """The article changes written since the last call, oldest first (the stream)."""
        changes, self._stream = self._stream, []
        return changes

    # --- the ledger: conditional commits and state changes, as `ArticlesTable` makes them --

    def commit(
        self, stored: StoredArticle, *, release_path: str | None, seen: str | None
    ) -> Commit:
        """`ArticlesTable.commit`'s transaction: stale unless the item is still the one read
        (order `seen`; None: no item), refused while another upload claims the address; the
        old address is let go only if this upload held it."""
        current = self._articles.get(stored.key)
        if (current.order if current is not None else None) != seen:
            return Commit(CommitOutcome.STALE)
        path = stored.path
        if path is not None and self._claims.get(path, stored.key) != stored.key:
            return Commit(CommitOutcome.PATH_TAKEN, self._claims[path])
        self._write(stored, release_path)
        return Commit(CommitOutcome.COMMITTED)

    def transition(self, before: StoredArticle, after: StoredArticle) -> bool:
        """`ArticlesTable.transition`: only while the item has `before`'s order and state."""
        current = self._articles.get(before.key)
        if current is None or (current.order, current.state) != (before.order, before.state):
            return False
        self._stream.append(ArticleChange(after.key, current))
        self._articles[after.key] = after
        return True

    def address_holders(self, paths: Sequence[str]) -> dict[str, str]:
        holders = {path: self._redirects[path] for path in paths if path in self._redirects}
        holders.update({path: self._claims[path] for path in paths if path in self._claims})
        return holders

    def wait_for(self, path: str, key: str) -> None:
        self._waiting.setdefault(path, set()).add(key)

    def waiting_for(self, address: str) -> list[str]:
        return sorted(self._waiting.get(address, ()))

    def forget_waiting(self, address: str, keys: Sequence[str]) -> None:
        self._waiting.get(address, set()).difference_update(keys)

    # --- pictures, as `ArticlesTable` keeps them -----------------------------------------

    def picture(self, key: str) -> PictureRecord | None:
        return self._pictures.get(key)

    def keep_picture(self, record: PictureRecord, *, replacing: PictureRecord | None) -> bool:
        if self._pictures.get(record.source_key) != replacing:
            return False
        self._pictures[record.source_key] = record
        return True

    def drop_picture(self, key: str) -> None:
        self._pictures.pop(key, None)

    def picture_users(self, key: str) -> dict[str, Focus]:
        return dict(self._uses.get(key, {}))

    def use_picture(self, key: str, article_key: str, focus: Focus) -> None:
        self._uses.setdefault(key, {})[article_key] = focus

    def forget_use(self, key: str, article_key: str) -> None:
        self._uses.get(key, {}).pop(article_key, None)

    # --- article items --------------------------------------------------------------------

    def get(self, key: str) -> StoredArticle | None:
        return self._articles.get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, StoredArticle]:
        return {key: self._articles[key] for key in keys if key in self._articles}

    def published_records(self) -> str | None:
        return None if self._search_build is None else self._search_build[1]

    def claim(self, started: datetime) -> bool:
        if self._search_build is not None and self._search_build[0] > started:
            return False
        self._search_build = (started, None)
        return True

    def finish(self, started: datetime, records: str) -> None:
        if self._search_build is not None and self._search_build[0] == started:
            self._search_build = (started, records)

    def path_owners(self, paths: Sequence[str]) -> dict[str, str]:
        return {path: self._claims[path] for path in paths if path in self._claims}

    def path_owner(self, path: str) -> str | None:
        return self._claims.get(path)

    # --- listings -------------------------------------------------------------------------

    def count(self, listing: ListingId) -> int:
        return len(self._positions.get(listing, ()))

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        return {listing: self.count(listing) for listing in listings}

    def newer_than(self, listing: ListingId, position: str) -> int:
        positions = self._positions.get(listing, [])
        return len(positions) - bisect.bisect_right(positions, position)

    def newest(self, listing: ListingId, limit: int) -> list[ArticleTeaser]:
        return self.slice(listing, skip_newest=0, take=limit)

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]:
        """`take` members after skipping `skip_newest` from the newest end (`newest_first`)
        or from the oldest end, in the order the table returns them (newest first)."""
        positions = self._positions.get(listing, [])
        if take <= 0:
            return []
        if newest_first:
            end = max(0, len(positions) - skip_newest)
            chosen = positions[max(0, end - take) : end]
        else:
            chosen = positions[skip_newest : skip_newest + take]
        members = self._members[listing] if chosen else {}
        return [members[position] for position in reversed(chosen)]

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        return self.slice(listing, skip_newest=0, take=self.count(listing))

    def move_member(
        self,
        key: str,  # noqa: ARG002 - the table shards its counters by it; memory needs none
        teaser: ArticleTeaser | None,
        removals: Mapping[ListingId, str],
        additions: Mapping[ListingId, str],
    ) -> tuple[set[ListingId], set[ListingId]]:
        removed: set[ListingId] = set()
        for listing, position in removals.items():
            members = self._members.get(listing, {})
            if members.pop(position, None) is not None:
                positions = self._positions[listing]
                del positions[bisect.bisect_left(positions, position)]
                removed.add(listing)
        created: set[ListingId] = set()
        if teaser is not None:
            for listing, position in additions.items():
                members = self._members.setdefault(listing, {})
                if position not in members:
                    bisect.insort(self._positions.setdefault(listing, []), position)
                    created.add(listing)
                members[position] = teaser
        return removed, created

    def months(self) -> list[str]:
        return sorted(self._months, reverse=True)

    def set_month(self, month: str, present: bool) -> None:
        (self._months.add if present else self._months.discard)(month)

    # --- teasers and related boxes --------------------------------------------------------

    def put_teaser(self, teaser: ArticleTeaser) -> None:
        self._teasers[teaser.key] = teaser

    def delete_teaser(self, key: str) -> None:
        self._teasers.pop(key, None)

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]:
        return {key: self._teasers[key] for key in dict.fromkeys(keys) if key in self._teasers}

    def related(self, key: str) -> list[str]:
        return list(self._boxes.get(key, ()))

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        return {key: list(self._boxes[key]) for key in keys if key in self._boxes}

    def put_related(self, key: str, keys: Sequence[str]) -> None:
        self._boxes[key] = list(keys)

    # --- old addresses --------------------------------------------------------------------

    def put_redirects(self, key: str, paths: Sequence[str], *, replace: bool = False) -> list[str]:
        held = []
        for path in dict.fromkeys(paths):
            if replace or self._redirects.get(path, key) == key:
                self._redirects[path] = key
                held.append(path)
        return held

    def delete_redirects(self, key: str, paths: Sequence[str]) -> None:
        for path in paths:
            if self._redirects.get(path) == key:
                del self._redirects[path]

    def redirects_of(self, key: str) -> list[str]:
        return sorted(path for path, owner in self._redirects.items() if owner == key)

    def redirect_owner(self, path: str) -> str | None:
        return self._redirects.get(path)


class MemoryBucket:
    """The site bucket in memory: object key → bytes, and the keys that answer a 301."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}  # key → the path it answers 301 with
        self.headers: dict[str, tuple[str, str]] = {}  # key → Content-Type, Cache-Control

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        if self.objects.get(key) == body and self.redirects.get(key) == redirect:
            return None
        self.objects[key] = body
        self.headers[key] = (content_type, cache_control)
        if redirect is None:
            self.redirects.pop(key, None)
        else:
            self.redirects[key] = redirect
        return hashlib.sha256(body).hexdigest()

    def delete(self, key: str) -> bool:
        self.redirects.pop(key, None)
        self.headers.pop(key, None)
        return self.objects.pop(key, None) is not None

    def digests(self, prefix: str) -> dict[str, str]:
        return {
            key: hashlib.md5(body).hexdigest()
            for key, body in self.objects.items()
            if key.startswith(prefix)
        }

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        self.put_if_changed(key, body, content_type=content_type, cache_control=cache)

    def delete_keys(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.delete(key)


class MemoryQueue:
    """A page queue that keeps what it was sent (the render queue of an in-memory site)."""

    def __init__(self) -> None:
        self.sent: list[PageRef] = []

    def send(self, pages: Iterable[PageRef]) -> None:
        self.sent.extend(pages)


class NoInvalidations:
    """A site with no CDN in front of it: changed paths are not handed on."""

    def send(self, changes: Sequence[tuple[str, str]]) -> None:
        del changes

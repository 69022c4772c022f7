"""The search index as `services.search` keeps it: what is in it, what a rebuild writes,
deletes and invalidates, and what two rebuilds that overlap, or one that fails half-way,
leave behind. The bundle here is made by a stand-in for pagefind that names each file by a
hash of its bytes as pagefind does (the real binary: tests/unit/test_pagefind.py and the
browser tests); the articles are published by the ValidateFunction's and IndexFunction's
own code into the table's in-memory twin."""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import PurePath

import pytest

from rotativa.adapters.folder import FolderInbox
from rotativa.adapters.memory import MemoryBucket, MemoryTable
from rotativa.domain.inbox import FileUpload
from rotativa.domain.pages import PageKind, PageRef
from rotativa.domain.search import SearchRecord
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.rebuild import index_uploads
from rotativa.services.search import SearchIndexer, is_hashed
from tests.integration.pipeline_helpers import article

NOW = datetime(2024, 5, 10, tzinfo=UTC)
PREFIX = "cerca/pagefind/"


def fake_bundle(records: Sequence[SearchRecord], language: str) -> dict[str, bytes]:
    """One fragment per record, named by its bytes' hash; an index chunk of every url;
    the unhashed entry naming the chunk; the library, the same bytes every time."""
    files: dict[str, bytes] = {"pagefind.js": b"// library"}
    for record in records:
        body = json.dumps([record.url, record.content, dict(record.meta)]).encode()
        files[f"fragment/{language}_{hashlib.md5(body).hexdigest()[:7]}.pf_fragment"] = body
    chunk = json.dumps(sorted(r.url for r in records)).encode()
    chunk_name = f"index/{language}_{hashlib.md5(chunk).hexdigest()[:7]}.pf_index"
    files[chunk_name] = chunk
    files["pagefind-entry.json"] = json.dumps({"index": chunk_name}).encode()
    return files


class Invalidations:
    def __init__(self) -> None:
        self.sent: list[list[tuple[str, str]]] = []

    def send(self, changes: Sequence[tuple[str, str]]) -> None:
        self.sent.append(list(changes))


def upload(key: str, text: str, at: datetime = NOW) -> FileUpload:
    return FileUpload(key, PurePath(key), text.encode(), at)


@pytest.fixture
def settings() -> SiteSettings:
    return SiteSettings(
        name="Il Giornale", base_url="https://example.it/", sections=["Sport", "Cronaca"]
    )


#: Every table's uploads so far, in order (forgotten with the table).
_SENT: weakref.WeakKeyDictionary[MemoryTable, list[FileUpload]] = weakref.WeakKeyDictionary()


def publish(
    settings: SiteSettings, table: MemoryTable, files: Mapping[str, str], at: datetime = NOW
) -> None:
    """Upload `files` and index them, as the ValidateFunction and IndexFunction would: the
    inbox holds everything uploaded before, so an upload again is a newer version."""
    uploads = [upload(key, text, at) for key, text in files.items()]
    sent = _SENT.setdefault(table, [])
    sent.extend(uploads)
    assert index_uploads(settings, table, FolderInbox(sent), uploads, at) == []


ARTICLES = {
    "articles/derby.md": article("Il derby", body="Gol in via Roma all'ultimo minuto."),
    "articles/giunta.md": article("La giunta", section="Cronaca", body="Il voto sul bilancio."),
    "articles/bozza.md": article("Una bozza", body="Mai pubblicata.", extra="status: draft\n"),
    "articles/domani.md": article(
        "Domani", body="Esce più tardi.", extra="publish_at: 2024-06-01T10:00:00+02:00\n"
    ),
    "articles/scaduto.md": article(
        "Scaduto", body="Non più.", extra="expires_at: 2024-05-05T10:00:00+02:00\n"
    ),
}


def indexer(
    settings: SiteSettings, table: MemoryTable, bucket: MemoryBucket, sent: Invalidations
) -> SearchIndexer:
    return SearchIndexer(settings, table, table, bucket, sent, fake_bundle, builds=table)


def test_only_the_visible_articles_are_in_it_with_what_a_result_shows(
    settings: SiteSettings,
) -> None:
    table = MemoryTable()
    publish(settings, table, ARTICLES)
    records = {
        r.url: r for r in indexer(settings, table, MemoryBucket(), Invalidations()).records()
    }
    # never a draft, an embargoed or an expired article
    assert set(records) == {"sport/derby/", "cronaca/giunta/"}
    derby = records["sport/derby/"]
    assert "via Roma" in derby.content  # the body, as plain text
    assert derby.content.startswith("Il derby")  # the headline first
    assert derby.meta["title"] == "Il derby"
    assert derby.meta["section"] == "Sport"
    assert derby.meta["section_url"] == "sport/"
    assert derby.meta["datetime"].startswith("2024-05-01T10:00")
    assert derby.filters == {"sezione": ["Sport"]}
    assert derby.sort == {"date": derby.meta["datetime"]}


def test_a_rebuild_writes_what_changed_and_invalidates_only_the_unhashed_files(
    settings: SiteSettings,
) -> None:
    table, bucket, sent = MemoryTable(), MemoryBucket(), Invalidations()
    publish(settings, table, ARTICLES)
    search = indexer(settings, table, bucket, sent)

    first = search.refresh(NOW)
    assert sorted(first.written) == sorted(PREFIX + n for n in fake_bundle(search.records(), "it"))
    # the hashed files are written before the entry that names them
    assert not is_hashed(first.written[-1])
    assert all(
        is_hashed(k) for k in first.written[: -len([k for k in first.written if not is_hashed(k)])]
    )
    assert bucket.headers[PREFIX + "pagefind-entry.json"][1].startswith("public, max-age=300")
    assert "immutable" in bucket.headers[next(k for k in first.written if "fragment/" in k)][1]
    assert {path for path, _ in sent.sent[0]} == {
        "/cerca/pagefind/pagefind.js",
        "/cerca/pagefind/pagefind-entry.json",
    }

    # WHEN one article changes
    publish(
        settings,
        table,
        {"articles/giunta.md": article("La giunta", section="Cronaca", body="Rinvio.")},
    )
    second = search.refresh(NOW + timedelta(minutes=5))
    # THEN its fragment, the index chunk and the entry are written; the other fragment not
    assert len([k for k in second.written if "fragment/" in k]) == 1
    assert PREFIX + "pagefind.js" not in second.written
    assert [path for path, _ in sent.sent[1]] == ["/cerca/pagefind/pagefind-entry.json"]
    # and the old fragment is gone from the bucket (the chunk of urls did not change)
    assert [k for k in second.deleted if "fragment/" in k] == second.deleted
    assert len(second.deleted) == 1
    assert not set(second.deleted) & set(bucket.objects)
    assert {k for k in bucket.objects if k.startswith(PREFIX)} == {
        PREFIX + n for n in fake_bundle(search.records(), "it")
    }


def test_the_same_records_publish_nothing_and_a_forced_rebuild_repairs(
    settings: SiteSettings,
) -> None:
    table, bucket, sent = MemoryTable(), MemoryBucket(), Invalidations()
    publish(settings, table, ARTICLES)
    search = indexer(settings, table, bucket, sent)
    search.refresh(NOW)
    again = search.refresh(NOW + timedelta(minutes=5))
    assert again.unchanged
    assert (again.written, again.deleted, len(sent.sent)) == ([], [], 1)
    # a file lost from the bucket comes back with a forced rebuild, and only it
    lost = next(k for k in bucket.objects if "fragment/" in k)
    bucket.delete(lost)
    repaired = search.refresh(NOW + timedelta(minutes=10), force=True)
    assert repaired.written == [lost]


def test_an_unpublished_article_leaves_it_with_its_fragment(settings: SiteSettings) -> None:
    table, bucket = MemoryTable(), MemoryBucket()
    publish(settings, table, ARTICLES)
    search = indexer(settings, table, bucket, Invalidations())
    search.refresh(NOW)
    fragments = {k for k in bucket.objects if "fragment/" in k}
    publish(
        settings,
        table,
        {
            "articles/derby.md": ARTICLES["articles/derby.md"].replace(
                "---\n", "---\nstatus: draft\n", 1
            )
        },
    )
    search.refresh(NOW + timedelta(minutes=5))
    assert [r.url for r in search.records()] == ["cronaca/giunta/"]
    left = {k for k in bucket.objects if "fragment/" in k}
    assert len(left) == 1
    assert left < fragments
    assert not any(b"via Roma" in bucket.objects[k] for k in bucket.objects if k.startswith(PREFIX))


def test_an_older_rebuild_that_ends_last_publishes_nothing(settings: SiteSettings) -> None:
    table, bucket, sent = MemoryTable(), MemoryBucket(), Invalidations()
    publish(settings, table, ARTICLES)
    search = indexer(settings, table, bucket, sent)
    # GIVEN a rebuild that began at 10:05 published first
    newer = search.refresh(NOW + timedelta(minutes=5))
    entry = bucket.objects[PREFIX + "pagefind-entry.json"]
    # WHEN one that began reading at 10:00 (a retried batch) reaches its end after it,
    # having read a site that has changed since
    publish(
        settings,
        table,
        {"articles/giunta.md": article("La giunta", section="Cronaca", body="Prima.")},
    )
    older = search.refresh(NOW, force=True)
    # THEN it writes no entry, invalidates nothing and deletes nothing of the newer index
    assert older.superseded
    assert bucket.objects[PREFIX + "pagefind-entry.json"] == entry
    assert len(sent.sent) == 1
    assert older.deleted == []
    assert set(newer.written) <= set(bucket.objects)  # every file the newer entry names


def test_a_rebuild_overtaken_while_it_writes_deletes_nothing(settings: SiteSettings) -> None:
    table, bucket, sent = MemoryTable(), MemoryBucket(), Invalidations()
    publish(settings, table, ARTICLES)
    indexer(settings, table, bucket, sent).refresh(NOW)
    publish(
        settings,
        table,
        {"articles/giunta.md": article("La giunta", section="Cronaca", body="Poi.")},
        NOW + timedelta(minutes=1),
    )

    class Overtaken(Invalidations):
        """A newer rebuild claims the index while this one sends its invalidation."""

        def send(self, changes: Sequence[tuple[str, str]]) -> None:
            super().send(changes)
            assert table.claim(NOW + timedelta(minutes=9))

    before = dict(bucket.objects)
    older = indexer(settings, table, bucket, Overtaken()).refresh(NOW + timedelta(minutes=5))
    assert older.superseded
    assert older.deleted == []
    assert set(before) <= set(bucket.objects)  # the files the newer one may name are kept


def test_a_rebuild_that_failed_half_way_is_done_again_in_full(settings: SiteSettings) -> None:
    table, bucket, sent = MemoryTable(), MemoryBucket(), Invalidations()
    publish(settings, table, ARTICLES)

    class Failing(Invalidations):
        def send(self, changes: Sequence[tuple[str, str]]) -> None:
            raise RuntimeError(f"SQS is down: {len(changes)} paths not sent")

    with pytest.raises(RuntimeError):
        indexer(settings, table, bucket, Failing()).refresh(NOW)
    # the next rebuild, with the same records, does not take them as published
    retried = indexer(settings, table, bucket, sent).refresh(NOW + timedelta(minutes=1))
    assert not retried.unchanged
    assert retried.written == []  # every file was written by the failed one
    # and the entry it wrote is invalidated now, which the failed one could not do
    assert [path for path, _ in sent.sent[0]] == ["/cerca/pagefind/pagefind-entry.json"]
    assert indexer(settings, table, bucket, sent).refresh(NOW + timedelta(minutes=2)).unchanged


class Hints:
    def __init__(self) -> None:
        self.stale = 0

    def mark_stale(self) -> None:
        self.stale += 1


class Pages:
    def send(self, pages: object) -> None:
        del pages


def test_the_indexer_marks_the_index_stale_once_per_batch_that_renders_an_article(
    settings: SiteSettings,
) -> None:
    hints = Hints()
    indexer = Indexer(settings, MemoryTable(), Pages(), search=hints)
    indexer.enqueue(
        [
            PageRef.article("articles/a.md", "/sport/a/"),
            PageRef.article("articles/b.md", "/sport/b/"),
            PageRef.of(PageKind.HOME),
        ]
    )
    assert hints.stale == 1
    indexer.enqueue([PageRef.of(PageKind.HOME), PageRef.of(PageKind.ASSETS)])  # no article changed
    indexer.enqueue([])
    assert hints.stale == 1

"""The in-memory twins (`adapters.memory`, `adapters.folder`) answer as the table and the
bucket do: the same ports, the same slices on random histories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rotativa.adapters.folder import FolderBucket, article_uploads, page_file, upload_files
from rotativa.adapters.memory import MemoryBucket, MemoryQueue, MemoryTable, NoInvalidations
from rotativa.domain.article import ArticleTeaser, Section
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.services.ports import (
    ArticleItems,
    IndexStore,
    Invalidations,
    PageQueue,
    PageSource,
    SiteIndex,
    SiteStorage,
)
from tests.conftest import SAMPLES
from tests.fakes import MemoryPages


def _conforms(
    table: MemoryTable, bucket: MemoryBucket, folder: FolderBucket, queue: MemoryQueue
) -> tuple[
    IndexStore, PageSource, SiteIndex, ArticleItems, SiteStorage, SiteStorage, PageQueue,
    Invalidations,
]:  # fmt: skip
    return table, table, table, table, bucket, folder, queue, NoInvalidations()  # mypy checks


def teaser(number: int) -> ArticleTeaser:
    return ArticleTeaser.model_validate(
        {
            "key": f"articles/n{number}.md",
            "slug": f"n{number}",
            "title": f"Notizia {number}",
            "section": Section.model_validate({"name": "Sport", "slug": "sport"}),
            "date": datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=number),
            "summary": "",
        }
    )


def test_listings_answer_as_the_tested_fake_on_random_histories() -> None:
    chance = random.Random(13)
    listing = ListingId(ListingKind.SECTION, "sport")
    for _ in range(30):
        table, fake = MemoryTable(), MemoryPages()
        for _ in range(60):
            number = chance.randrange(40)
            position = f"{chance.randrange(1000):04d}#{number}"
            moves = (
                ({listing: position}, {}) if chance.random() < 0.3 else ({}, {listing: position})
            )
            answers = [s.move_member(f"k{number}", teaser(number), *moves) for s in (table, fake)]
            assert answers[0] == answers[1]
            assert table.count(listing) == fake.count(listing)
            probe = f"{chance.randrange(1000):04d}"
            assert table.newer_than(listing, probe) == fake.newer_than(listing, probe)
            skip, take = chance.randrange(8), chance.randrange(8)
            for newest_first in (True, False):
                assert table.slice(
                    listing, skip_newest=skip, take=take, newest_first=newest_first
                ) == fake.slice(listing, skip_newest=skip, take=take, newest_first=newest_first)
            assert table.newest(listing, take) == fake.newest(listing, take)
            assert table.members(listing) == fake.members(listing)


def test_a_bucket_keeps_bytes_and_says_when_they_changed(tmp_path: Path) -> None:
    for bucket in (MemoryBucket(), FolderBucket(tmp_path)):
        put = {"content_type": "text/html", "cache_control": "no-cache"}
        assert bucket.put_if_changed("sport/index.html", b"a", **put) is not None
        assert bucket.put_if_changed("sport/index.html", b"a", **put) is None
        assert bucket.put_if_changed("sport/index.html", b"b", **put) is not None
        assert bucket.delete("sport/index.html")
        assert not bucket.delete("sport/index.html")
    assert not page_file(tmp_path, "/sport/").exists()


def test_a_content_folder_is_read_in_the_order_rotativa_local_uploads_it() -> None:
    keys = [key for key, _ in upload_files(SAMPLES)]
    media = [k for k in keys if k.startswith("media/")]
    articles = [k for k in keys if k.startswith("articles/")]
    assert keys == media + articles  # media first: articles may show them
    assert articles == sorted(articles)
    assert [key for key, _ in article_uploads(SAMPLES)] == articles
    assert article_uploads(SAMPLES / "articles") == article_uploads(SAMPLES)

"""The in-memory twins (`adapters.memory`, `adapters.folder`) answer as the table and the
bucket do: the same ports, the same slices on random histories."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.folder import (
    FolderBucket,
    FolderInbox,
    article_uploads,
    page_file,
    upload_files,
)
from rotativa.adapters.memory import MemoryBucket, MemoryQueue, MemoryTable, NoInvalidations
from rotativa.domain.article import ArticleTeaser, Section
from rotativa.domain.inbox import FileUpload
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.records import ArticleChange, ArticleState, CommitOutcome, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.services.ports import (
    ArticleItems,
    ArticleLedger,
    ChangeLog,
    FolderTable,
    Inbox,
    IndexStore,
    Invalidations,
    PageQueue,
    PageSource,
    SiteIndex,
    SiteStorage,
    StateLedger,
    WaitingList,
)
from rotativa.services.validation import validate_upload
from tests.conftest import SAMPLES
from tests.fakes import MemoryArticleLedger, MemoryPages


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


# --- the ledger: MemoryTable commits as the articles table does ---------------------------

PATHS = ("/sport/finale/", "/sport/derby/", "/sport/coppa/")
WHEN = datetime(2024, 5, 1, tzinfo=UTC)


def _ledgers_conform(table: MemoryTable, inbox: FolderInbox) -> tuple[
    FolderTable, ArticleLedger, StateLedger, WaitingList, ChangeLog, Inbox
]:  # fmt: skip
    return table, table, table, table, table, inbox  # mypy checks


def _item(key: str, order: str, slug: str | None, settings: SiteSettings) -> StoredArticle:
    """An article at /sport/<slug>/, or a tombstone (no slug)."""
    if slug is None:
        return StoredArticle(key, order, ArticleState.DELETED, WHEN)
    text = f"---\ntitle: Titolo\nsection: Sport\nslug: {slug}\ndate: 2024-05-01T10:00\n---\nT.\n"
    article = validate_upload(key, text.encode(), settings).article
    assert article is not None
    return StoredArticle(key, order, ArticleState.PUBLISHED, WHEN, article=article)


def _random_commits(
    chance: random.Random, settings: SiteSettings, steps: int, *, any_release: bool = True
) -> list[tuple[StoredArticle, str | None, str | None, bool]]:
    """(item, release_path, seen, fresh) for a random history of five uploads: a fresh
    commit reads the item it replaces just before (`_replay`), the others bring a stale or
    missing order and (`any_release`) any old address; some move the article, some bury
    it. Ingest only ever lets go of the address the item it read holds."""
    history = []
    for step in range(steps):
        key = f"articles/k{chance.randrange(5)}.md"
        slug = chance.choice(["finale", "derby", "coppa", None])
        seen = chance.choice([None, f"{step:04d}x"])
        release = chance.choice([None, *PATHS]) if any_release else None
        history.append((_item(key, f"{step:04d}", slug, settings), release, seen,
                        chance.random() < 0.75))  # fmt: skip
    return history


def _replay(
    ledger: ArticleLedger, history: list[tuple[StoredArticle, str | None, str | None, bool]]
) -> list[tuple[str, str | None, tuple[str, str] | None, dict[str, str]]]:
    """Each commit's outcome and owner, then the upload's item and every claim."""
    answers = []
    for stored, release, seen, fresh in history:
        before = ledger.get(stored.key)
        if fresh:
            seen = before.order if before is not None else None
            release = before.path if before is not None else release
        commit = ledger.commit(stored, release_path=release, seen=seen)
        after = ledger.get(stored.key)
        answers.append(
            (
                commit.outcome.value,
                commit.owner,
                (after.order, after.state.value) if after is not None else None,
                ledger.address_holders(PATHS),
            )
        )
    return answers


def test_the_memory_table_commits_as_the_tested_fake_on_random_histories(
    settings: SiteSettings,
) -> None:
    chance = random.Random(13)
    outcomes: set[str] = set()
    for _ in range(20):
        history = _random_commits(chance, settings, 30)
        answers = _replay(MemoryTable(), history)
        assert answers == _replay(MemoryArticleLedger(), history)
        outcomes.update(outcome for outcome, *_ in answers)
    assert outcomes == {"committed", "stale", "path-taken"}  # every answer was compared


def test_the_memory_table_commits_as_the_articles_table_under_moto(
    settings: SiteSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conditional transaction of `ArticlesTable.commit` (DynamoDB on moto) and
    `MemoryTable.commit` answer every commit of a random history alike, and leave the
    same items and claims, releasing any old address too (ingest only releases the one its
    item held; a tombstone releasing one another upload holds once made the table raise)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-south-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    chance = random.Random(7)
    outcomes: set[str] = set()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-south-1")
        for run in range(4):
            name = f"articles-{run}"
            client.create_table(
                TableName=name,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            history = _random_commits(chance, settings, 30)
            table = ArticlesTable(name, settings, client)
            answers = _replay(MemoryTable(), history)
            assert answers == _replay(table, history)
            outcomes.update(outcome for outcome, *_ in answers)
    assert outcomes == {"committed", "stale", "path-taken"}


def test_every_write_of_an_article_item_reaches_the_stream_once(settings: SiteSettings) -> None:
    table = MemoryTable()
    first = _item("articles/a.md", "0001", "finale", settings)
    moved = _item("articles/a.md", "0002", "derby", settings)
    assert table.commit(first, release_path=None, seen=None).outcome is CommitOutcome.COMMITTED
    assert table.commit(moved, release_path=first.path, seen="0001").outcome.value == "committed"
    assert table.commit(first, release_path=None, seen="0001").outcome is CommitOutcome.STALE
    assert table.path_owners(list(PATHS)) == {"/sport/derby/": "articles/a.md"}
    hidden = replace(moved, state=ArticleState.EXPIRED)
    assert table.transition(moved, hidden)
    assert not table.transition(moved, hidden)  # the item moved on: no second change

    assert table.take_changes() == [
        ArticleChange("articles/a.md", None),
        ArticleChange("articles/a.md", first),
        ArticleChange("articles/a.md", moved),
    ]
    assert table.take_changes() == []


def test_the_folder_inbox_answers_as_s3_would(tmp_path: Path) -> None:
    upload = FileUpload("articles/a.md", tmp_path / "a.md", b"0123456789", WHEN)
    inbox = FolderInbox([upload])
    current = inbox.current("articles/a.md", 3)
    assert current is not None
    assert (current.data, current.last_modified) == (b"0123", WHEN)  # the limit and a byte
    assert inbox.current("articles/b.md", 3) is None
    assert inbox.exists("articles/a.md")
    assert not inbox.exists("media/a.jpg")
    inbox.write_report("articles/a.md", {"status": "rejected"})
    assert inbox.read_report("articles/a.md") == {"status": "rejected"}
    inbox.delete_report("articles/a.md")
    assert inbox.read_report("articles/a.md") is None

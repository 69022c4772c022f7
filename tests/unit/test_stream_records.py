"""The table's stream records, read by the adapter and handed on by the indexer.

The IndexFunction gives each record to `Indexer.index_record` as Lambda sent it; the
adapter (`adapters/streams.TableStream`) is the one that knows the item format. The
images below are the items `ArticlesTable` itself writes, caught on their way to DynamoDB,
so a change of the item format that the stream reader missed fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.streams import TableStream
from rotativa.domain.pages import ListingId, ListingKind, PageRef
from rotativa.domain.records import ArticleChange, ArticleState, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.ports import ArticleChanges
from rotativa.services.validation import validate_upload
from tests.fakes import MemoryIndex, RecordingQueue

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
KEY = "articles/derby.md"


class CapturingClient:
    """A DynamoDB client that keeps the article items a commit would write."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        for action in TransactItems:
            item = action.get("Put", {}).get("Item", {})
            if item.get("sk") == {"S": "article"}:
                self.items.append(item)


def stored(settings: SiteSettings, title: str, order: str) -> StoredArticle:
    text = f"---\ntitle: {title}\nsection: Sport\ndate: 2024-05-01T10:00\n---\nTesto.\n"
    article = validate_upload(KEY, text.encode(), settings).article
    assert article is not None
    return StoredArticle(KEY, order, ArticleState.PUBLISHED, NOW, article=article)


def image(settings: SiteSettings, article: StoredArticle) -> dict[str, Any]:
    """The article's item in DynamoDB JSON, exactly as the table adapter writes it."""
    client = CapturingClient()
    ArticlesTable("articles", settings, cast(Any, client)).commit(
        article, release_path=None, seen=None
    )
    (item,) = client.items
    return item


def record(
    event: str, new: dict[str, Any] | None = None, old: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda delivers it (NEW_AND_OLD_IMAGES)."""
    change: dict[str, Any] = {"StreamViewType": "NEW_AND_OLD_IMAGES", "SequenceNumber": "1"}
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    return {"eventID": "1", "eventName": event, "eventSource": "aws:dynamodb", "dynamodb": change}


def test_the_stream_reader_is_the_indexers_port(settings: SiteSettings) -> None:
    port: ArticleChanges = TableStream(settings)  # mypy checks the adapter against the port
    month = {"pk": {"S": "months"}, "sk": {"S": "2024-05"}}
    assert port.change_of(record("INSERT", new=month)) is None
    assert port.change_of(record("INSERT")) is None  # no image at all (KEYS_ONLY)


def test_an_update_carries_the_state_it_replaced(settings: SiteSettings) -> None:
    before, after = stored(settings, "Derby", "01"), stored(settings, "Derby, 2-1", "02")
    change = TableStream(settings).change_of(
        record("MODIFY", new=image(settings, after), old=image(settings, before))
    )
    assert change == ArticleChange(KEY, before)


def test_a_first_upload_replaced_nothing_and_a_removal_names_its_upload(settings) -> None:
    first = stored(settings, "Derby", "01")
    stream = TableStream(settings)
    assert stream.change_of(record("INSERT", new=image(settings, first))) == ArticleChange(
        KEY, None
    )
    assert stream.change_of(record("REMOVE", old=image(settings, first))) == ArticleChange(
        KEY, first
    )


@pytest.mark.parametrize("sk", ["teaser", "related", "claim", "redirect", "3"])
def test_records_of_other_items_are_no_article_change(settings: SiteSettings, sk: str) -> None:
    other = {"pk": {"S": f"article#{KEY}"}, "sk": {"S": sk}, "key": {"S": KEY}}
    assert TableStream(settings).change_of(record("INSERT", new=other)) is None


def test_the_indexer_indexes_what_the_record_says(settings: SiteSettings) -> None:
    article = stored(settings, "Derby", "01")
    store = MemoryIndex()
    store.articles[KEY] = article
    indexer = Indexer(settings, store, RecordingQueue(), changes=TableStream(settings))
    teaser = {"pk": {"S": f"article#{KEY}"}, "sk": {"S": "teaser"}}

    pages = indexer.index_record(record("INSERT", new=image(settings, article)), NOW)

    twin = MemoryIndex()  # the same change, told to the indexer directly
    twin.articles[KEY] = article
    assert pages == Indexer(settings, twin, RecordingQueue()).index(KEY, None, NOW)
    assert PageRef.article(KEY, "/sport/derby/") in pages
    assert store.count(ListingId(ListingKind.SECTION, "sport")) == 1
    assert indexer.index_record(record("INSERT", new=teaser), NOW) == set()


def test_a_record_of_an_article_the_table_does_not_hold_changes_nothing(
    settings: SiteSettings,
) -> None:
    """`events/index/insert.json` on a fresh stack, or a record replayed after the article
    was deleted: the table is the truth, and it holds nothing to index (issue 17)."""
    article = stored(settings, "Derby", "01")
    store, queue = MemoryIndex(), RecordingQueue()
    indexer = Indexer(settings, store, queue, changes=TableStream(settings))

    pages = indexer.index_record(record("INSERT", new=image(settings, article)), NOW)

    assert pages == set()
    assert store.count(ListingId(ListingKind.SECTION, "sport")) == 0
    assert store.teasers([KEY]) == {}


def test_an_indexer_without_a_stream_says_so(settings: SiteSettings) -> None:
    indexer = Indexer(settings, MemoryIndex(), RecordingQueue())
    with pytest.raises(RuntimeError, match="no stream"):
        indexer.index_record(record("INSERT"), NOW)

"""The body is rendered once: validation's HTML is stored with the article and pages, the
search index and rebuilds use it instead of parsing the Markdown again.

What must hold: the stored HTML gives the same bytes as rendering the body there and then;
it is used only when made by the code's BODY_FORMAT; it is not stored where the item would
outgrow DynamoDB's 400 KB (the page renders the body then); and a whole rebuild of stored
articles never calls the Markdown renderer for a body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import (
    BODY_HTML_ITEM_LIMIT,
    ArticlesTable,
    decode_item,
    stored_from_item,
)
from rotativa.adapters.folder import FolderInbox, read_uploads
from rotativa.adapters.memory import MemoryBucket, MemoryTable
from rotativa.domain.markdown import BODY_FORMAT, render_body
from rotativa.domain.records import KeptBody, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.rendering import renderer as renderer_module
from rotativa.services.rebuild import Rebuild, index_uploads, site_pages
from rotativa.services.rendering import PageRenderer
from tests.conftest import SAMPLES
from tests.fakes import RecordingInvalidations

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def published(settings: SiteSettings) -> MemoryTable:
    """The samples, handled by ingest and indexed, as the cloud holds them."""
    table = MemoryTable()
    uploads = read_uploads(SAMPLES)
    index_uploads(settings, table, FolderInbox(uploads), uploads, NOW)
    return table


def _articles(table: MemoryTable) -> list[StoredArticle]:
    return [s for s in table.articles() if s.visible]


def test_ingest_keeps_the_html_validation_made_of_the_body(published: MemoryTable) -> None:
    articles = _articles(published)
    assert len(articles) > 10
    for stored in articles:
        assert stored.article is not None
        assert stored.body_html == render_body(stored.article.body).html


def test_a_page_from_the_stored_html_is_the_page_rendered_from_the_markdown(
    settings: SiteSettings, published: MemoryTable
) -> None:
    pages = PageRenderer(settings, published, MemoryBucket(), RecordingInvalidations())
    for stored in _articles(published):
        assert pages.article_page(stored) == pages.article_page(replace(stored, kept_body=None))


def test_a_rebuild_of_stored_articles_never_parses_a_body(
    settings: SiteSettings, published: MemoryTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = {s.article.body for s in _articles(published) if s.article is not None}
    parsed: list[str] = []
    original = renderer_module.kept_body

    def counted(text: str) -> str:
        if text in bodies:
            parsed.append(text)
        return original(text)

    original.cache_clear()
    monkeypatch.setattr(renderer_module, "kept_body", counted)
    bucket = MemoryBucket()
    report = Rebuild(settings, published, bucket).run(site_pages(published, settings), NOW)
    assert report.pages > len(bodies)
    assert parsed == []
    # AND the pages hold the bodies all the same
    for stored in _articles(published):
        assert stored.article is not None
        assert stored.body_html
        page = bucket.objects[stored.article.path.lstrip("/") + "index.html"].decode()
        assert stored.body_html.split("<", 2)[1].split(">")[0] in page


@pytest.fixture
def table(settings: SiteSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArticlesTable]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-south-1")
        client.create_table(
            TableName="articles",
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
        yield ArticlesTable("articles", settings, client)


def _item(table: ArticlesTable, key: str) -> dict[str, Any]:
    response = table.client.get_item(
        TableName=table.name, Key={"pk": {"S": f"article#{key}"}, "sk": {"S": "article"}}
    )
    return decode_item(response["Item"])


def test_the_table_keeps_the_html_with_its_format_and_reads_no_other(
    settings: SiteSettings, published: MemoryTable, table: ArticlesTable
) -> None:
    stored = _articles(published)[0]
    table.commit(stored, release_path=None, seen=None)
    assert table.get(stored.key) == stored
    item = _item(table, stored.key)
    assert item["body_format"] == BODY_FORMAT
    # An item written by another format of the renderer is read without its HTML
    assert stored_from_item({**item, "body_format": "0"}, settings) == replace(
        stored, kept_body=None
    )
    assert stored_from_item({**item, "body_format": None}, settings) == replace(
        stored, kept_body=None
    )


def test_html_that_would_outgrow_the_item_is_not_stored(
    published: MemoryTable, table: ArticlesTable
) -> None:
    stored = _articles(published)[0]
    assert stored.article is not None
    html = "<p>" + "x" * BODY_HTML_ITEM_LIMIT
    huge = replace(stored, key="articles/huge.md", kept_body=KeptBody.of(stored.article.body, html))
    table.commit(huge, release_path=None, seen=None)
    assert "body_html" not in _item(table, huge.key)
    assert table.get(huge.key) == replace(huge, kept_body=None)


def test_kept_html_is_never_used_for_another_body(published: MemoryTable) -> None:
    """Whatever path changes an article (a correction applied in code, a benchmark's edit,
    an import), its page shows its own body, never the HTML kept for the one before."""
    stored = _articles(published)[0]
    assert stored.article is not None
    assert stored.body_html
    edited = stored.article.model_copy(update={"body": stored.article.body + "\n\nAggiornato."})
    changed = replace(stored, article=edited)  # the old kept HTML carried along
    assert changed.body_html is None
    assert replace(stored, article=None).body_html is None


def test_ingest_finds_a_bodys_pictures_in_validations_html(
    settings: SiteSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The picture desk asks which pictures a body shows, several times per upload: from
    the HTML validation made, never by rendering the body again."""
    from rotativa.adapters.folder import FolderSiteMedia
    from rotativa.domain.pictures import body_pictures
    from rotativa.services import picture_desk

    rendered: list[str] = []
    original = render_body

    def counted(body: str) -> Any:
        rendered.append(body)
        return original(body)

    monkeypatch.setattr("rotativa.services.picture_desk.render_body", counted)
    monkeypatch.setattr(picture_desk, "_body_pictures_of", {})
    table = MemoryTable()
    uploads = read_uploads(SAMPLES)
    inbox = FolderInbox(uploads)
    media = FolderSiteMedia(inbox, MemoryBucket())
    index_uploads(settings, table, inbox, uploads, NOW, media=media)
    assert len(picture_desk._body_pictures_of) >= len(_articles(table))
    assert rendered == []
    # AND the pictures found are those of the body rendered there and then
    for stored in _articles(table):
        assert stored.article is not None
        html = render_body(stored.article.body).html
        found = picture_desk._body_pictures(stored.article.body)
        assert found == body_pictures(html)

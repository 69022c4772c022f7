"""Bugs the reliability tests found, each pinned by the smallest test that shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.site import SiteSettings
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article, site_page
from tests.reliability.cloud_helpers import dead_letters
from tests.reliability.test_duplicates_reordering import Operation, assert_converges


@pytest.fixture
def cloud(aws_environment: None) -> Iterator[LocalCloud]:  # noqa: ARG001
    with mock_aws():
        yield LocalCloud.start()


def test_changing_only_the_date_moves_the_article_within_its_listings(cloud: LocalCloud) -> None:
    # GIVEN a published article
    key = "articles/spostato.md"
    cloud.put(key, article("Spostato", date="2024-05-01T10:00"))
    cloud.run_until_quiet()

    # WHEN the editor corrects its date (same section, tags and month)
    cloud.put(key, article("Spostato", date="2024-05-03T10:00"))
    cloud.run_until_quiet()

    # THEN the listings hold it once, at its new place, and no stream batch was given up on
    # (DynamoDB refuses a transaction that updates one counter item twice)
    assert dead_letters(cloud)["IndexDLQUrl"] == []
    env = cloud.stack.functions["RenderFunction"].environment
    table = ArticlesTable(cloud.table, SiteSettings.from_environment(env), cloud.clients.dynamodb)
    for listing in (ListingId(ListingKind.SECTION, "sport"), ListingId(ListingKind.TAG, "calcio")):
        assert table.count(listing) == 1
        [member] = table.members(listing)
        assert member.date.day == 3
    assert "03 Mag. 2024" in (site_page(cloud, "/sport/") or "")


def test_a_correction_uploaded_before_the_articles_date_never_dates_the_feed_back() -> None:
    # GIVEN an article dated 10:00, corrected at 08:00 (uploaded ahead of its own date)
    from datetime import UTC, datetime

    from rotativa.domain.article import ArticleTeaser, Section
    from rotativa.rendering import SiteRenderer
    from tests.conftest import SAMPLES

    dated = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    teaser = ArticleTeaser(
        key="articles/a.md",
        slug="a",
        title="A",
        section=Section.model_validate({"name": "Sport", "slug": "sport"}),
        date=dated,
        updated=datetime(2024, 5, 1, 6, 0, tzinfo=UTC),
    )
    renderer = SiteRenderer(SiteSettings.from_file(SAMPLES / "site.yaml"))

    # WHEN the feed is written
    feed = renderer.feed(title="Sport", page_path="/sport/", feed_path="/sport/feed.xml",
                         articles=[teaser])  # fmt: skip

    # THEN it was last built no earlier than the article it carries was published
    assert b"<lastBuildDate>Wed, 01 May 2024 10:00:00 +0200</lastBuildDate>" in feed
    assert teaser.modified == dated  # what the sitemaps' lastmod uses too


@pytest.mark.parametrize(
    ("ops", "batches", "pauses"),
    [
        # beta's box keeps showing alfa while alfa's title and date change under it
        (
            [Operation("articles/alfa.md", None), Operation("articles/alfa.md", 4),
             Operation("articles/beta.md", 4), Operation("articles/alfa.md", 0)],
            [[1, 2, 2, 1, 0], [3, 2], [1]],
            [True, True, True],
        ),
        # the anchor's box keeps showing beta while beta moves to another section
        (
            [Operation("articles/alfa.md", None), Operation("articles/beta.md", 1),
             Operation("articles/beta.md", 0), Operation("articles/gamma.md", None)],
            [[1], [2, 3, 1, 0, 3, 1]],
            [True, True],
        ),
    ],
)  # fmt: skip
def test_a_related_box_shows_its_articles_as_they_are_now(
    aws_environment: None,  # noqa: ARG001
    ops: list[Operation],
    batches: list[list[int]],
    pauses: list[bool],
) -> None:
    """Found by the soak (seeds 20261125 and 7): an article whose box kept the same keys
    was not rendered again when one of them changed its title, date or address."""
    assert_converges(ops, batches, pauses)

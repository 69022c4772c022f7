"""Which listings change and which pages are named, on in-memory fakes (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer, IndexSettings
from rotativa.services.validation import validate_upload
from tests.fakes import MemoryIndex, RecordingQueue

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
SPORT = ListingId(ListingKind.SECTION, "sport")


def stored(
    settings: SiteSettings,
    key: str,
    *,
    title: str = "Titolo",
    date: str = "2024-05-01T10:00",
    tags: str = "[Calcio]",
    section: str = "Sport",
    extra: str = "",
    order: str = "01",
    state: ArticleState = ArticleState.PUBLISHED,
) -> StoredArticle:
    text = (
        f"---\ntitle: {title}\nsection: {section}\ndate: {date}\ntags: {tags}\n{extra}---\nTesto.\n"
    )
    article = validate_upload(key, text.encode(), settings).article
    assert article is not None
    return StoredArticle(key, order, state, NOW, article=article, first_published=NOW)


@pytest.fixture
def world(settings: SiteSettings) -> tuple[Indexer, MemoryIndex, RecordingQueue]:
    store, queue = MemoryIndex(), RecordingQueue()
    return Indexer(settings, store, queue, IndexSettings(related_update_limit=10)), store, queue


def apply(
    indexer: Indexer, store: MemoryIndex, new: StoredArticle, old: StoredArticle | None = None
) -> set[PageRef]:
    store.articles[new.key] = new
    return indexer.apply(new.key, old, NOW)


def test_first_article_names_its_page_listings_home_feeds_and_sitemaps(world, settings) -> None:
    indexer, store, _ = world
    pages = apply(indexer, store, stored(settings, "articles/a.md", tags="[Calcio, Pro Sesto]"))
    assert PageRef.article("articles/a.md", "/sport/a/") in pages
    assert PageRef.listing(SPORT, 0) in pages
    assert PageRef.listing(SPORT, 1) in pages
    assert PageRef.listing(ListingId(ListingKind.TAG, "pro-sesto"), 0) in pages
    assert {PageRef.of(PageKind.HOME), PageRef.feed(), PageRef.feed(SPORT)} <= pages
    assert {PageRef.sitemap("2024-05"), PageRef.of(PageKind.SITEMAP_INDEX)} <= pages
    assert PageRef.of(PageKind.NEWS_SITEMAP) in pages  # within 48 hours of now
    assert store.count(SPORT) == 1
    assert store.month_set == {"2024-05"}


def test_an_unchanged_article_names_no_page(world, settings) -> None:
    indexer, store, queue = world
    article = stored(settings, "articles/a.md")
    apply(indexer, store, article)
    queue.sent.clear()
    assert apply(indexer, store, article, old=article) == set()
    assert queue.sent == []


def test_drafts_publish_nothing(world, settings) -> None:
    indexer, store, _ = world
    draft = stored(settings, "articles/d.md", state=ArticleState.DRAFT)
    assert apply(indexer, store, draft) == set()
    assert store.count(SPORT) == 0


def test_the_home_page_only_when_the_article_is_shown_there(world, settings) -> None:
    indexer, store, _ = world
    for i in range(8):  # Sport shows 5 on the homepage (samples/site.yaml)
        apply(indexer, store, stored(settings, f"articles/n{i}.md", date=f"2024-05-01T1{i}:00"))
    old = stored(settings, "articles/old.md", date="2023-01-01T10:00")
    pages = apply(indexer, store, old)
    assert PageRef.of(PageKind.HOME) not in pages
    assert PageRef.feed(SPORT) in pages  # still among the feed's 50


def test_the_crawlers_files_go_with_the_homepage(world, settings) -> None:
    indexer, store, _ = world
    # An article of 2023 leading the homepage: far outside the news sitemap's 48 hours,
    # the news sitemap is still rendered (what aged out since the last publish leaves it).
    pages = apply(indexer, store, stored(settings, "articles/a.md", date="2023-01-01T10:00"))
    assert PageRef.of(PageKind.HOME) in pages
    crawlers = {PageKind.ROBOTS, PageKind.NEWS_SITEMAP, PageKind.FRONTS_SITEMAP}
    assert {PageRef.of(kind) for kind in (*crawlers, PageKind.ASSETS, PageKind.NOT_FOUND)} <= pages


def test_a_section_front_that_changes_names_the_fronts_sitemap(world, settings) -> None:
    indexer, store, _ = world
    for i in range(8):  # Sport shows 5 on the homepage, 20 on its front
        apply(indexer, store, stored(settings, f"articles/n{i}.md", date=f"2024-05-01T1{i}:00"))
    pages = apply(indexer, store, stored(settings, "articles/old.md", date="2024-04-01T10:00"))
    assert PageRef.of(PageKind.HOME) not in pages
    assert PageRef.listing(SPORT, 0) in pages
    assert PageRef.of(PageKind.FRONTS_SITEMAP) in pages
    assert PageRef.of(PageKind.ROBOTS) not in pages  # only with the homepage


def test_unpublishing_removes_memberships_and_names_the_old_page(world, settings) -> None:
    indexer, store, _ = world
    article = stored(settings, "articles/a.md", tags="[Addio]")
    apply(indexer, store, article)
    tombstone = StoredArticle("articles/a.md", "02", ArticleState.DELETED, NOW)
    pages = apply(indexer, store, tombstone, old=article)
    assert PageRef.article("articles/a.md", "/sport/a/") in pages
    assert store.count(ListingId(ListingKind.TAG, "addio")) == 0
    assert store.count(SPORT) == 0
    assert "articles/a.md" not in store.teaser_items
    assert store.month_set == set()


def test_moving_section_names_both_sections(world, settings) -> None:
    indexer, store, _ = world
    before = stored(settings, "articles/a.md")
    apply(indexer, store, before)
    after = stored(settings, "articles/a.md", section="Bresso", order="02")
    pages = apply(indexer, store, after, old=before)
    bresso = ListingId(ListingKind.SECTION, "bresso")
    assert {PageRef.listing(SPORT, 0), PageRef.listing(bresso, 0)} <= pages
    assert PageRef.article("articles/a.md", "/sport/a/") in pages  # the old address goes
    assert store.count(SPORT) == 0
    assert store.count(bresso) == 1


def test_a_new_article_enters_related_boxes_of_at_most_k_others(settings) -> None:
    store, queue = MemoryIndex(), RecordingQueue()
    indexer = Indexer(settings, store, queue, IndexSettings(related_update_limit=3))
    # six Sport articles, each with a tag of its own: their boxes hold each other
    for i in range(6):
        other = stored(settings, f"articles/o{i}.md", date=f"2024-04-2{i}T10:00", tags=f"[T{i}]")
        apply(indexer, store, other)
    # the newcomer shares a tag with every one of them, so it outscores their box-mates
    newcomer = stored(settings, "articles/new.md", tags="[T0, T1, T2, T3, T4, T5]")
    pages = apply(indexer, store, newcomer)
    others = {p.ref for p in pages if p.kind is PageKind.ARTICLE and p.ref != "articles/new.md"}
    assert len(others) == 3  # K
    assert all("articles/new.md" in store.boxes[key] for key in others)
    assert store.boxes["articles/new.md"]  # its own box is never empty


def test_pinned_related_slugs_come_first(world, settings) -> None:
    indexer, store, _ = world
    apply(
        indexer, store, stored(settings, "articles/lontano.md", section="Bresso", tags="[Scuola]")
    )
    apply(indexer, store, stored(settings, "articles/vicino.md", date="2024-05-01T09:00"))
    article = stored(settings, "articles/a.md", extra="related: [lontano]\n")
    apply(indexer, store, article)
    assert store.boxes["articles/a.md"][0] == "articles/lontano.md"


def test_authors_have_pages_and_a_feed(world, settings) -> None:
    indexer, store, _ = world
    pages = apply(indexer, store, stored(settings, "articles/a.md", extra="authors: [Ada Negri]\n"))
    author = ListingId(ListingKind.AUTHOR, "ada-negri")
    assert {PageRef.listing(author, 0), PageRef.feed(author)} <= pages
    assert store.count(author) == 1


def test_a_retried_change_names_the_same_pages_and_keeps_the_months(world, settings) -> None:
    # GIVEN a publish whose attempt failed after its move was written (say, at set_month)
    indexer, store, _ = world
    article = stored(settings, "articles/a.md")
    store.articles[article.key] = article
    first = indexer.index(article.key, None, NOW)
    store.month_set.clear()

    # WHEN it is retried: the move is already made
    again = indexer.index(article.key, None, NOW)

    # THEN it names every page the first attempt named, and the month is recorded
    assert first <= again
    assert store.month_set == {"2024-05"}

    # AND the same for an unpublish retried after its move
    tombstone = StoredArticle(article.key, "02", ArticleState.DELETED, NOW)
    store.articles[article.key] = tombstone
    first = indexer.index(article.key, article, NOW)
    store.month_set.add("2024-05")
    again = indexer.index(article.key, article, NOW)
    assert first <= again
    assert store.month_set == set()

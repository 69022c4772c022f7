"""The RenderFunction's use case on fakes: homepage curation, listings, removals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.rendering import PageRenderer
from tests.fakes import MemoryPages, MemorySite, RecordingInvalidations, RecordingQueue
from tests.unit.test_indexing import NOW, stored


def site_of(
    settings: SiteSettings, *articles: dict[str, str]
) -> tuple[MemoryPages, PageRenderer, MemorySite, RecordingInvalidations]:
    store, site, invalidations = MemoryPages(), MemorySite(), RecordingInvalidations()
    indexer = Indexer(settings, store, RecordingQueue())
    for spec in articles:
        article = stored(settings, **spec)  # type: ignore[arg-type]
        store.articles[article.key] = article
        indexer.apply(article.key, None, NOW)
    return store, PageRenderer(settings, store, site, invalidations), site, invalidations


def home(renderer: PageRenderer, site: MemorySite) -> str:
    renderer.render([PageRef.of(PageKind.HOME)], NOW)
    return site.objects["index.html"].decode()


def test_the_newest_pinned_story_leads_the_homepage(settings: SiteSettings) -> None:
    _, renderer, site, _ = site_of(
        settings,
        {
            "key": "articles/vecchio.md",
            "title": "Vecchio pinned",
            "date": "2024-04-01T10:00",
            "extra": "pinned: true\n",
        },
        {
            "key": "articles/nuovo.md",
            "title": "Nuovo pinned",
            "date": "2024-04-20T10:00",
            "extra": "pinned: true\n",
        },
        {"key": "articles/ultimo.md", "title": "Ultimissimo", "date": "2024-05-01T10:00"},
    )
    page = home(renderer, site)
    lead = page[: page.index("Ultimissimo")]
    assert "Nuovo pinned" in lead


def test_without_a_pinned_story_the_latest_leads(settings: SiteSettings) -> None:
    _, renderer, site, _ = site_of(
        settings,
        {"key": "articles/a.md", "title": "Primo", "date": "2024-04-01T10:00"},
        {
            "key": "articles/b.md",
            "title": "Secondo",
            "date": "2024-05-01T10:00",
            "section": "Bresso",
        },
    )
    page = home(renderer, site)
    assert page.index("Secondo") < page.index("Primo")


def test_section_blocks_follow_the_settings_order_and_counts(settings: SiteSettings) -> None:
    sesto = "Sesto San Giovanni"
    articles = [
        {
            "key": f"articles/s{i}.md",
            "title": f"Sesto {i}",
            "section": sesto,
            "date": f"2024-04-{10 + i}",
        }
        for i in range(8)
    ]
    articles.append(
        {"key": "articles/b.md", "title": "Bresso uno", "section": "Bresso", "date": "2024-04-30"}
    )
    _, renderer, site, _ = site_of(settings, *articles)
    page = home(renderer, site)
    shown = [i for i in range(8) if f"Sesto {i}<" in page]
    # Sesto shows 6 (site.yaml); the newest (Bresso) leads the page, so Sesto keeps its own 6
    assert shown == [2, 3, 4, 5, 6, 7]
    assert page.index("Bresso uno") < page.index("Sesto 7")  # the latest leads


def _date(i: int) -> str:
    return f"2024-04-{1 + i // 2:02d}T{10 + i % 2}:00"


def test_listing_buckets_hold_twenty_from_the_oldest(settings: SiteSettings) -> None:
    articles = [
        {"key": f"articles/p{i:02d}.md", "title": f"Pezzo {i:02d}", "date": _date(i)}
        for i in range(45)
    ]
    _, renderer, site, _ = site_of(settings, *articles)
    sport = ListingId(ListingKind.SECTION, "sport")
    renderer.render([PageRef.listing(sport, p) for p in range(4)], NOW)
    first = site.objects["sport/page/1/index.html"].decode()
    assert "Pezzo 00" in first
    assert "Pezzo 19" in first
    assert "Pezzo 20" not in first
    third = site.objects["sport/page/3/index.html"].decode()
    assert "Pezzo 44" in third
    assert "Pezzo 39" not in third
    assert "sport/page/4/index.html" not in site.objects  # there are only three buckets
    front = site.objects["sport/index.html"].decode()
    assert "Pezzo 44" in front
    assert "Pezzo 25" in front
    assert "Pezzo 24" not in front
    assert 'href="/sport/page/2/"' in front  # the bucket with the 21st newest


def sport_of(settings: SiteSettings, count: int) -> tuple[MemoryPages, PageRenderer, MemorySite]:
    articles = [
        {"key": f"articles/p{i:02d}.md", "title": f"Pezzo {i:02d}", "date": _date(i)}
        for i in range(count)
    ]
    store, renderer, site, _ = site_of(settings, *articles)
    return store, renderer, site


@pytest.mark.parametrize(("count", "copy"), [(1, 1), (20, 1), (40, 2), (60, 3)])
def test_a_bucket_holding_the_fronts_list_answers_a_301_to_the_front(
    settings: SiteSettings, count: int, copy: int
) -> None:
    _, renderer, site = sport_of(settings, count)
    sport = ListingId(ListingKind.SECTION, "sport")
    renderer.render([PageRef.listing(sport, p) for p in range(copy + 1)], NOW)
    key = f"sport/page/{copy}/index.html"
    assert site.redirects[key] == "/sport/"
    moved = site.objects[key].decode()
    assert 'href="https://www.nordmilanonotizie.example/sport/"' in moved
    assert "Pezzo" not in moved  # no list at all, let alone the front's
    assert 'name="robots" content="noindex"' in moved
    for page in range(1, copy):  # the buckets below it are pages, and skip it
        body = site.objects[f"sport/page/{page}/index.html"].decode()
        assert f"sport/page/{page}/index.html" not in site.redirects
        newer = "/sport/" if page == copy - 1 else f"/sport/page/{page + 1}/"
        assert f'href="{newer}"' in body
        assert f'href="/sport/page/{copy}/"' not in body


def test_the_copy_becomes_a_page_when_the_section_grows(settings: SiteSettings) -> None:
    store, renderer, site = sport_of(settings, 40)
    sport = ListingId(ListingKind.SECTION, "sport")
    renderer.render([PageRef.listing(sport, p) for p in range(3)], NOW)
    assert site.redirects["sport/page/2/index.html"] == "/sport/"
    indexer = Indexer(settings, store, RecordingQueue())
    newest = stored(settings, "articles/p40.md", title="Pezzo 40", date="2024-04-25T10:00")
    store.articles[newest.key] = newest
    renderer.render(indexer.index(newest.key, None, NOW), NOW)  # only the pages it names
    assert "sport/page/2/index.html" not in site.redirects
    second = site.objects["sport/page/2/index.html"].decode()
    assert "Pezzo 39" in second
    assert "Pezzo 20" in second
    assert "Pezzo 40" not in second
    assert 'href="/sport/page/2/"' in site.objects["sport/page/1/index.html"].decode()
    assert "Pezzo 40" in site.objects["sport/page/3/index.html"].decode()


def test_robots_txt_is_plain_text(settings: SiteSettings) -> None:
    _, renderer, _, _ = site_of(settings, {"key": "articles/a.md", "title": "Uno"})
    [output] = renderer.outputs(PageRef.of(PageKind.ROBOTS), NOW)
    assert (output.path, output.content_type) == ("/robots.txt", "text/plain; charset=utf-8")
    assert output.body is not None
    assert b"Sitemap: https://www.nordmilanonotizie.example/news-sitemap.xml\n" in output.body


def test_an_unpublished_article_page_is_removed_and_invalidated(settings: SiteSettings) -> None:
    store, renderer, site, invalidations = site_of(
        settings, {"key": "articles/a.md", "title": "Uno"}
    )
    renderer.render([PageRef.article("articles/a.md", "/sport/a/")], NOW)
    assert "sport/a/index.html" in site.objects
    del store.articles["articles/a.md"]
    renderer.render([PageRef.article("articles/a.md", "/sport/a/")], NOW)
    assert "sport/a/index.html" not in site.objects
    assert invalidations.batches[-1] == [("/sport/a/", "deleted:sport/a/index.html")]


def test_rendering_twice_writes_nothing_the_second_time(settings: SiteSettings) -> None:
    _, renderer, site, invalidations = site_of(settings, {"key": "articles/a.md", "title": "Uno"})
    refs = [
        PageRef.of(PageKind.HOME),
        PageRef.article("articles/a.md", "/sport/a/"),
        PageRef.feed(),
    ]
    renderer.render(refs, NOW)
    writes = site.writes
    assert renderer.render(refs, datetime(2024, 5, 3, tzinfo=UTC)) == []
    assert site.writes == writes
    assert len(invalidations.batches) == 1


def test_assets_are_stored_with_their_media_type(settings: SiteSettings) -> None:
    _, renderer, _, _ = site_of(settings)
    types = {
        o.path.rsplit(".", 1)[1]: o.content_type
        for o in renderer.outputs(PageRef.of(PageKind.ASSETS), NOW)
    }
    assert types["css"] == "text/css; charset=utf-8"
    assert types["png"] == "image/png"
    assert types["svg"] == "image/svg+xml"

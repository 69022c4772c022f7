"""RSS feeds parse cleanly; sitemap.xml and the Google News sitemap validate against their XSD."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from lxml import etree  # type: ignore[import-untyped]

from rotativa.domain.article import ArticleTeaser, Section, Tag
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SitemapEntry, SiteRenderer, page_key
from tests.conftest import ROOT, SAMPLES
from tests.indexed_folder import IndexedFolder

XSD = ROOT / "tests" / "xsd"
BASE = "https://www.nordmilanonotizie.example/"
NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
HOSTILE = '</title><![CDATA[ & "x" ]]> <item>'


@pytest.fixture(scope="module")
def site() -> SiteSettings:
    return SiteSettings.from_file(SAMPLES / "site.yaml")


@pytest.fixture(scope="module")
def renderer(site: SiteSettings) -> SiteRenderer:
    return SiteRenderer(site)


@pytest.fixture(scope="module")
def folder(site: SiteSettings) -> IndexedFolder:
    return IndexedFolder(site, SAMPLES)


def schema(name: str) -> Any:
    return etree.XMLSchema(etree.parse(str(XSD / name)))


def assert_valid(xml: bytes, xsd: str) -> None:
    checker = schema(xsd)
    document = etree.fromstring(xml)
    assert checker.validate(document), checker.error_log


def teaser(number: int, date: datetime, **fields: Any) -> ArticleTeaser:
    data: dict[str, Any] = {
        "key": f"articles/n{number:05d}.md",
        "slug": f"notizia-{number}",
        "title": f"Notizia {number}",
        "section": Section.model_validate({"name": "Sport", "slug": "sport"}),
        "date": date,
        "summary": f"Il riassunto {number}.",
    }
    data.update(fields)
    return ArticleTeaser.model_validate(data)


# --- RSS ------------------------------------------------------------------------------------


def test_site_feed_parses_without_errors(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    teasers = folder.teasers()
    body = renderer.feed(
        title="Nordmilano Notizie", page_path="/", feed_path="/feed.xml", articles=teasers
    )
    parsed = feedparser.parse(body)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Nordmilano Notizie"
    assert parsed.feed.link == BASE
    assert parsed.feed.language == "it"
    assert len(parsed.entries) == len(teasers)
    first = parsed.entries[0]
    assert first.title == teasers[0].title
    assert first.link == BASE + teasers[0].path.lstrip("/")
    assert first.id == first.link
    assert first.published == "Thu, 02 May 2024 07:45:00 +0200"
    stamps = [e.published_parsed for e in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)
    assert parsed.feed.updated == "Thu, 02 May 2024 07:45:00 +0200"  # newest item, no clock
    with_image = next(e for e in parsed.entries if e.get("media_content"))
    assert with_image.media_content[0]["url"] == BASE + "media/piazza-petazzi.jpg"
    assert first.tags[0].term == "Sesto San Giovanni"


def test_section_feed_and_its_fifty_item_cap(renderer: SiteRenderer) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    many = [teaser(n, start + timedelta(hours=n)) for n in range(60)]
    body = renderer.feed(
        title="Sport – Nordmilano Notizie",
        page_path="/sport/",
        feed_path="/sport/feed.xml",
        articles=many,
    )
    parsed = feedparser.parse(body)
    assert parsed.bozo is False
    assert parsed.feed.link == BASE + "sport/"
    assert len(parsed.entries) == 50
    assert parsed.entries[0].title == "Notizia 59"
    assert b'<atom:link href="https://www.nordmilanonotizie.example/sport/feed.xml"' in body


def test_hostile_titles_stay_text_in_the_feed(renderer: SiteRenderer) -> None:
    hostile = teaser(
        1,
        NOW,
        title=HOSTILE,
        summary="<script>x</script> & co",
        tags=(Tag.of("A & B"),),
        authors=("<Mario>",),
    )
    parsed = feedparser.parse(
        renderer.feed(title="T & <b>", page_path="/", feed_path="/feed.xml", articles=[hostile])
    )
    assert parsed.bozo is False
    assert parsed.feed.title == "T & <b>"
    assert parsed.entries[0].title == HOSTILE
    assert (
        etree.fromstring(
            renderer.feed(title="x", page_path="/", feed_path="/feed.xml", articles=[hostile])
        ).findtext("channel/item/description")
        == "<script>x</script> & co"
    )


def test_an_empty_feed_is_still_a_feed(renderer: SiteRenderer) -> None:
    parsed = feedparser.parse(
        renderer.feed(
            title="Bresso", page_path="/bresso/", feed_path="/bresso/feed.xml", articles=[]
        )
    )
    assert parsed.bozo is False
    assert parsed.entries == []


# --- sitemap.xml ----------------------------------------------------------------------------


def test_sitemaps_validate_and_are_in_path_order(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    pages = folder.pages(renderer)
    index = pages[page_key("/sitemap.xml")]
    assert_valid(index, "siteindex.xsd")
    sitemaps = [e.text for e in etree.fromstring(index).iter("{*}loc")]
    assert sitemaps == [
        BASE + "sitemaps/2024-04.xml",
        BASE + "sitemaps/2024-05.xml",
        BASE + "sitemaps/pagine.xml",
    ]
    body = pages[page_key("/sitemaps/2024-05.xml")]
    assert_valid(body, "sitemap.xsd")
    locs = [e.text for e in etree.fromstring(body).iter("{*}loc")]
    assert BASE + "sesto-san-giovanni/massimo-carrera-spartak-mosca/" in locs
    assert locs == sorted(locs)
    lastmods = [e.text for e in etree.fromstring(body).iter("{*}lastmod")]
    assert "2024-05-01T08:15:00+02:00" in lastmods


def test_the_fronts_sitemap_lists_the_homepage_and_each_section_front(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    pages = folder.pages(renderer)
    body = pages[page_key("/sitemaps/pagine.xml")]
    assert_valid(body, "sitemap.xsd")
    document = etree.fromstring(body)
    dated = dict(
        zip(
            [e.text for e in document.iter("{*}loc")],
            [e.text for e in document.iter("{*}lastmod")],
            strict=True,
        )
    )
    shown = {
        s.slug
        for s in folder.site.sections
        if any(t.section.slug == s.slug for t in folder.teasers())
    }
    assert set(dated) == {BASE} | {f"{BASE}{slug}/" for slug in shown}
    assert dated[BASE] == "2024-05-02T07:45:00+02:00"  # the newest the homepage shows
    # the index dates it by its newest front
    index = etree.fromstring(pages[page_key("/sitemap.xml")])
    lastmods = dict(
        zip(
            [e.text for e in index.iter("{*}loc")],
            [e.text for e in index.iter("{*}lastmod")],
            strict=True,
        )
    )
    assert lastmods[BASE + "sitemaps/pagine.xml"] == max(dated.values())


def test_every_address_in_a_sitemap_is_a_canonical_page(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    pages = folder.pages(renderer)
    maps = [key for key in pages if key.startswith("sitemaps/")]
    assert "sitemaps/pagine.xml" in maps
    locs = [e.text for key in maps for e in etree.fromstring(pages[key]).iter("{*}loc")]
    assert len(locs) == len(set(locs)) > len(folder.teasers())
    for loc in locs:
        assert "/page/" not in loc  # the buckets are reached from their fronts
        page = pages[page_key("/" + loc.removeprefix(BASE))].decode()
        assert f'<link rel="canonical" href="{loc}">' in page, loc


def test_robots_txt_names_both_sitemaps_by_absolute_url(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    assert folder.pages(renderer)["robots.txt"] == (
        b"User-agent: *\n"
        b"Allow: /\n"
        b"\n"
        b"Sitemap: https://www.nordmilanonotizie.example/sitemap.xml\n"
        b"Sitemap: https://www.nordmilanonotizie.example/news-sitemap.xml\n"
    )


def test_sitemap_order_does_not_depend_on_the_caller(renderer: SiteRenderer) -> None:
    entries = [
        SitemapEntry(f"/sport/n{n}/", datetime(2024, 5, 1, n, tzinfo=UTC)) for n in range(10)
    ]
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    assert renderer.sitemap(entries) == renderer.sitemap(shuffled)


def test_sitemap_index_validates(renderer: SiteRenderer) -> None:
    body = renderer.sitemap_index(
        [
            SitemapEntry("/sitemaps/2024-05.xml", datetime(2024, 5, 2, 7, 45, tzinfo=UTC)),
            SitemapEntry("/sitemaps/2024-04.xml", datetime(2024, 4, 30, 23, 59, tzinfo=UTC)),
        ]
    )
    assert_valid(body, "siteindex.xsd")
    locs = [e.text for e in etree.fromstring(body).iter("{*}loc")]
    assert locs == [BASE + "sitemaps/2024-04.xml", BASE + "sitemaps/2024-05.xml"]


def test_the_xsd_can_fail() -> None:
    bad = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x.org/a</loc><lastmod>ieri</lastmod></url></urlset>"
    )
    assert not schema("sitemap.xsd").validate(etree.fromstring(bad))


def test_a_sitemap_holds_at_most_fifty_thousand_addresses(renderer: SiteRenderer) -> None:
    entry = SitemapEntry("/x/", NOW)
    with pytest.raises(ValueError, match="50000"):
        renderer.sitemap([entry] * 50_001)


# --- news-sitemap.xml -----------------------------------------------------------------------


def news_urls(body: bytes) -> list[dict[str, str]]:
    namespaces = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    return [
        {
            "loc": url.findtext("s:loc", namespaces=namespaces),
            "name": url.findtext("n:news/n:publication/n:name", namespaces=namespaces),
            "language": url.findtext("n:news/n:publication/n:language", namespaces=namespaces),
            "date": url.findtext("n:news/n:publication_date", namespaces=namespaces),
            "title": url.findtext("n:news/n:title", namespaces=namespaces),
        }
        for url in etree.fromstring(body).findall("s:url", namespaces=namespaces)
    ]


def test_news_sitemap_validates_with_publication_name_and_language(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    newest = max(t.modified for t in folder.teasers())
    body = renderer.news_sitemap(folder.teasers(), now=newest + timedelta(hours=1))
    assert_valid(body, "news-sitemap.xsd")
    urls = news_urls(body)
    assert urls
    assert {u["name"] for u in urls} == {"Nordmilano Notizie"}
    assert {u["language"] for u in urls} == {"it"}
    assert urls[0]["title"].startswith("Piazza Petazzi cambia volto")
    assert urls[0]["date"] == "2024-05-02T07:45:00+02:00"


def test_news_sitemap_keeps_the_last_48_hours(renderer: SiteRenderer) -> None:
    articles = [
        teaser(1, NOW - timedelta(hours=48)),  # the edge is in
        teaser(2, NOW - timedelta(hours=48, seconds=1)),  # a second older is out
        teaser(3, NOW + timedelta(minutes=5)),  # not yet published
        teaser(4, NOW - timedelta(hours=1)),
        teaser(5, NOW),
    ]
    urls = news_urls(renderer.news_sitemap(articles, now=NOW))
    assert [u["title"] for u in urls] == ["Notizia 5", "Notizia 4", "Notizia 1"]


def test_news_sitemap_holds_at_most_a_thousand(renderer: SiteRenderer) -> None:
    articles = [teaser(n, NOW - timedelta(minutes=n)) for n in range(1_100)]
    body = renderer.news_sitemap(articles, now=NOW)
    urls = news_urls(body)
    assert len(urls) == 1_000
    assert urls[0]["title"] == "Notizia 0"
    assert urls[-1]["title"] == "Notizia 999"
    assert_valid(body, "news-sitemap.xsd")


def test_news_sitemap_escapes_titles(renderer: SiteRenderer) -> None:
    body = renderer.news_sitemap([teaser(1, NOW, title=HOSTILE)], now=NOW)
    assert_valid(body, "news-sitemap.xsd")
    assert news_urls(body)[0]["title"] == HOSTILE


def test_news_sitemap_in_another_time_zone_is_the_same_instant(renderer: SiteRenderer) -> None:
    articles = [teaser(1, NOW - timedelta(hours=47))]
    rome = datetime(2024, 5, 3, 14, 0, tzinfo=renderer.site.zone)  # = NOW
    assert renderer.news_sitemap(articles, now=rome) == renderer.news_sitemap(articles, now=NOW)


def test_a_quiet_news_sitemap_is_empty_but_well_formed(renderer: SiteRenderer) -> None:
    body = renderer.news_sitemap([teaser(1, NOW - timedelta(days=3))], now=NOW)
    assert news_urls(body) == []  # (the 0.9 schema wants at least one url: Google accepts none)

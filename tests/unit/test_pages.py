"""The pages of the site: pure functions of what each page shows, byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import html  # type: ignore[import-untyped]
from PIL import Image

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.frontpage import SectionBlock
from rotativa.domain.markdown import outline_headings
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering import (
    AssetBundle,
    Listing,
    SiteRenderer,
    hashed_name,
    page_key,
)
from rotativa.rendering.body import require_alt
from rotativa.rendering.jsonld import script_json
from rotativa.rendering.paths import media_path
from rotativa.services.validation import validate_upload
from rotativa_tools.cli import main
from tests.conftest import SAMPLES
from tests.indexed_folder import Entry, IndexedFolder
from tests.schema_org import nodes_of_type

ROME = ZoneInfo("Europe/Rome")
SEED_KEY = "articles/massimo-carrera-spartak-mosca.md"
SEED_TITLE = "Massimo Carrera, un sestese al comando del campionato di calcio russo"
PETAZZI_KEY = "articles/sesto-piazza-petazzi-riqualificazione.md"
HOSTILE_TITLE = '</script><script>alert("x")</script><!-- & \u2028 <b>'


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> SiteSettings:
    return SiteSettings.from_file(SAMPLES / "site.yaml")


@pytest.fixture(scope="module")
def folder(site: SiteSettings) -> IndexedFolder:
    loaded = IndexedFolder(site, SAMPLES)
    assert not loaded.rejected
    return loaded


@pytest.fixture(scope="module")
def renderer(site: SiteSettings) -> SiteRenderer:
    return SiteRenderer(site)


def entry(folder: IndexedFolder, key: str) -> Entry:
    return folder.entry(key)


def article_page(
    renderer: SiteRenderer, folder: IndexedFolder, key: str = SEED_KEY, **kwargs: Any
) -> Any:
    chosen = entry(folder, key)
    options: dict[str, Any] = {
        "published": chosen.published,
        "updated": None,
        "related": folder.related(chosen),
    }
    options.update(kwargs)
    return html.fromstring(renderer.article_page(chosen.article, **options))


def upload(site: SiteSettings, text: str, key: str = "articles/prova.md") -> Article:
    report = validate_upload(key, text.encode(), site)
    assert report.article is not None, report.problems
    return report.article


def text_of(element: Any) -> str:
    return " ".join(element.text_content().split())


def meta(doc: Any, name: str) -> list[str]:
    found = doc.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
    return [str(value) for value in found]


def json_ld(doc: Any) -> dict[str, Any]:
    """The page's NewsArticle, a node of the one JSON-LD graph in its head."""
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    (article,) = nodes_of_type(json.loads(script.text), "NewsArticle")
    return article


# --- the article page -----------------------------------------------------------------------


def test_seed_page_has_one_h1_the_headline(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    doc = article_page(renderer, folder)
    assert [text_of(h) for h in doc.xpath("//h1")] == [SEED_TITLE]
    assert doc.xpath("/html/@lang") == ["it"]


def test_date_line_is_the_publication_date_in_the_seeds_style(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder)
    (line,) = doc.xpath('//*[@class="masthead__date"]')
    assert text_of(line) == "Mer. 01 Mag. 2024"
    assert line.get("datetime") == "2024-05-01T08:15:00+02:00"


def test_date_line_follows_the_site_time_zone_not_the_callers(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    # 22:30 UTC on 30 April is 00:30 on 1 May in Rome
    doc = article_page(renderer, folder, published=datetime(2024, 4, 30, 22, 30, tzinfo=UTC))
    assert text_of(doc.xpath('//*[@class="masthead__date"]')[0]) == "Mer. 01 Mag. 2024"
    assert meta(doc, "article:published_time") == ["2024-05-01T00:30:00+02:00"]


def test_breadcrumb_is_home_section_title_in_a_labelled_nav(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder)
    (nav,) = doc.xpath('//nav[@aria-label="Percorso"]')
    assert text_of(nav) == f"Home › Sesto San Giovanni › {SEED_TITLE}"
    assert nav.xpath(".//a/@href") == ["/", "/sesto-san-giovanni/"]
    assert [text_of(e) for e in nav.xpath('.//*[@aria-current="page"]')] == [SEED_TITLE]


def test_the_dateline_comes_out_of_the_body_as_a_coloured_span(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder)
    (marker,) = doc.xpath('//div[@class="story__body"]//span[@class="textmarker"]')
    assert text_of(marker) == "SESTO SAN GIOVANNI"
    assert marker.get("style") == "color: #E63631"
    first = doc.xpath('//div[@class="story__body"]/p[1]')[0]
    assert text_of(first).startswith("SESTO SAN GIOVANNI – Una nuova favola calcistica")


def test_related_box_shows_at_most_five_with_their_thumbnails(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    seed = entry(folder, SEED_KEY)
    related = [t for t in folder.teasers() if t.key != SEED_KEY][:7]
    with_image = next(t for t in folder.teasers() if t.image is not None)
    related = [with_image, *[t for t in related if t.key != with_image.key]][:7]
    page = renderer.article_page(
        seed.article, published=seed.published, updated=None, related=[seed.teaser, *related]
    )
    doc = html.fromstring(page)
    (aside,) = doc.xpath("//aside")
    assert aside.get("aria-labelledby") == "correlati"
    assert text_of(aside.xpath(".//h2")[0]) == "Articoli correlati"
    items = aside.xpath('.//li[@class="related__item"]')
    assert len(items) == 5
    assert [i.xpath(".//a/@href")[0] for i in items] == [t.path for t in related[:5]]
    assert SEED_TITLE not in text_of(aside)  # never the article itself
    assert items[0].xpath(".//img/@src") == ["/media/piazza-petazzi.jpg"]
    assert items[0].xpath(".//img/@alt") == [""]  # the headline beside it says it all
    # a thumbnail beside each headline that has a picture, none beside the others
    assert any(t.image is None for t in related[1:5])
    assert [bool(i.xpath(".//img")) for i in items] == [t.image is not None for t in related[:5]]
    assert text_of(items[0].xpath(".//time")[0]) == "02 Mag. 2024"


def test_no_related_articles_no_box(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    doc = article_page(renderer, folder, related=[])
    assert doc.xpath("//aside") == []


def test_image_with_alt_and_caption_and_the_authors(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder, PETAZZI_KEY)
    (figure,) = doc.xpath('//figure[@class="story__figure"]')
    image = entry(folder, PETAZZI_KEY).article.image
    assert image is not None
    assert figure.xpath(".//img/@src") == ["/media/piazza-petazzi.jpg"]
    assert figure.xpath(".//img/@alt") == [image.alt]
    assert text_of(figure.xpath(".//figcaption")[0]) == image.caption
    byline = text_of(doc.xpath('//*[@class="story__byline"]')[0])
    assert byline == "di Chiara Colombo e Marco Brambilla"


# --- the byline -------------------------------------------------------------------------------


def byline_of(doc: Any) -> tuple[str, list[tuple[str, str, str]]]:
    """The byline's text, and each of its links as (name, href, rel)."""
    (byline,) = doc.xpath('//header[@class="story__header"]//span[@class="story__byline"]')
    links = [(text_of(a), a.get("href"), a.get("rel")) for a in byline.xpath("./a")]
    return text_of(byline), links


def author_pages_of(article: Article) -> set[str]:
    """The author pages the cloud makes for this article once published: its indexes list
    it under `ListingId(AUTHOR, slugify(name))` for each name that has a slug."""
    listings = {ListingId(ListingKind.AUTHOR, slugify(name)) for name in article.authors}
    return {listing.base_path for listing in listings if listing.slug}


def test_the_byline_links_each_author_to_their_page(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder, PETAZZI_KEY)
    text, links = byline_of(doc)
    assert text == "di Chiara Colombo e Marco Brambilla"
    assert links == [
        ("Chiara Colombo", "/autore/chiara-colombo/", "author"),
        ("Marco Brambilla", "/autore/marco-brambilla/", "author"),
    ]
    # The very pages the cloud makes for these authors, and the folder site renders.
    article = entry(folder, PETAZZI_KEY).article
    assert {href for _, href, _ in links} == author_pages_of(article)
    pages = folder.pages(renderer)
    for name, href, _ in links:
        author = html.fromstring(pages[page_key(href)])
        assert [text_of(h) for h in author.xpath("//h1")] == [f"Articoli di {name}"]
        assert article.path in author.xpath("//main//a/@href")
        assert page_key(f"{href}feed.xml") in pages


def test_an_author_without_letters_or_digits_stays_plain_text(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = upload(
        site,
        "---\ntitle: Tre firme\nsection: Sport\ndate: 2024-05-01\n"
        'authors: ["Niccolò Ré", "***", "<Mario> \\"Rossi\\""]\n---\nTesto.\n',
    )
    doc = html.fromstring(
        renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    )
    text, links = byline_of(doc)
    assert text == 'di Niccolò Ré, *** e <Mario> "Rossi"'
    assert links == [
        ("Niccolò Ré", "/autore/niccolo-re/", "author"),
        ('<Mario> "Rossi"', "/autore/mario-rossi/", "author"),
    ]
    # "***" has no page in the cloud either: no link can point to a page that is not there.
    assert {href for _, href, _ in links} == author_pages_of(article)
    (byline,) = doc.xpath('//span[@class="story__byline"]')
    assert "***" in (byline.xpath("./a")[0].tail or "")


def test_a_byline_of_one_name_with_no_page_has_no_link(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = upload(
        site, "---\ntitle: Senza firma\nsection: Sport\ndate: 2024-05-01\nauthors: ['—']\n---\nT.\n"
    )
    doc = html.fromstring(
        renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    )
    assert byline_of(doc) == ("di —", [])
    assert author_pages_of(article) == set()


def test_no_authors_no_byline(site: SiteSettings, renderer: SiteRenderer) -> None:
    article = upload(site, "---\ntitle: Anonimo\nsection: Sport\ndate: 2024-05-01\n---\nT.\n")
    doc = html.fromstring(
        renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    )
    assert doc.xpath('//*[@class="story__byline"]') == []


def test_byline_links_in_english_and_from_disk(site: SiteSettings, folder: IndexedFolder) -> None:
    english = site.model_copy(update={"locale": "en"})
    chosen = entry(folder, PETAZZI_KEY)
    pages = {
        style: html.fromstring(
            renderer.article_page(
                chosen.article, published=chosen.published, updated=None, related=[]
            )
        )
        for style, renderer in (
            ("english", SiteRenderer(english)),
            ("files", SiteRenderer(site, link_style="files")),
        )
    }
    assert byline_of(pages["english"]) == (
        "by Chiara Colombo and Marco Brambilla",
        [
            ("Chiara Colombo", "/autore/chiara-colombo/", "author"),
            ("Marco Brambilla", "/autore/marco-brambilla/", "author"),
        ],
    )
    # From disk: relative to the article's own folder, ending in index.html.
    assert [href for _, href, _ in byline_of(pages["files"])[1]] == [
        "../../autore/chiara-colombo/index.html",
        "../../autore/marco-brambilla/index.html",
    ]


def test_an_https_image_stays_where_it_is(site: SiteSettings, renderer: SiteRenderer) -> None:
    article = upload(
        site,
        "---\ntitle: Foto\nsection: Sport\ndate: 2024-05-01\nimage:\n"
        "  src: https://cdn.example.org/a.jpg\n  alt: Una foto\n---\nTesto.\n",
    )
    doc = html.fromstring(
        renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    )
    assert doc.xpath("//figure//img/@src") == ["https://cdn.example.org/a.jpg"]
    assert meta(doc, "og:image") == ["https://cdn.example.org/a.jpg"]


def test_updated_line_only_when_updated(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    chosen = entry(folder, PETAZZI_KEY)
    later = chosen.published + timedelta(hours=5, minutes=20)
    doc = article_page(renderer, folder, PETAZZI_KEY, updated=later)
    (updated,) = doc.xpath('//*[@class="story__updated"]/time')
    assert text_of(updated) == "Aggiornato il 02 Mag. 2024 alle 13:05"
    assert updated.get("datetime") == "2024-05-02T13:05:00+02:00"
    assert meta(doc, "article:modified_time") == ["2024-05-02T13:05:00+02:00"]
    assert json_ld(doc)["dateModified"] == "2024-05-02T13:05:00+02:00"
    for not_updated in (None, chosen.published):
        doc = article_page(renderer, folder, PETAZZI_KEY, updated=not_updated)
        assert doc.xpath('//*[@class="story__updated"]') == []
        assert json_ld(doc)["dateModified"] == json_ld(doc)["datePublished"]


def test_tags_link_to_their_pages(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    doc = article_page(renderer, folder, PETAZZI_KEY)
    links = doc.xpath('//ul[@class="tags"]//a')
    assert [(text_of(a), a.get("href")) for a in links] == [
        ("Lavori pubblici", "/tag/lavori-pubblici/"),
        ("Commercio", "/tag/commercio/"),
        ("Città metropolitana", "/tag/citta-metropolitana/"),
        ("Ambiente", "/tag/ambiente/"),
    ]


def test_head_carries_title_description_canonical_and_open_graph(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder, PETAZZI_KEY)
    url = "https://www.nordmilanonotizie.example/sesto-san-giovanni/sesto-piazza-petazzi-riqualificazione/"
    title = entry(folder, PETAZZI_KEY).article.title
    assert doc.xpath("//title/text()") == [f"{title} – Nordmilano Notizie"]
    assert meta(doc, "description")[0].startswith("Più alberi, meno auto")
    assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
    assert meta(doc, "og:title") == [title]
    assert meta(doc, "og:type") == ["article"]
    assert meta(doc, "og:url") == [url]
    assert meta(doc, "og:image") == [
        "https://www.nordmilanonotizie.example/media/piazza-petazzi.jpg"
    ]
    assert meta(doc, "article:published_time") == ["2024-05-02T07:45:00+02:00"]
    assert meta(doc, "article:section") == ["Sesto San Giovanni"]
    assert meta(doc, "article:tag") == [
        "Lavori pubblici", "Commercio", "Città metropolitana", "Ambiente",
    ]  # fmt: skip
    assert doc.xpath('//link[@rel="alternate"]/@href') == ["/sesto-san-giovanni/feed.xml"]


def test_an_article_without_image_still_has_a_share_image(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    doc = article_page(renderer, folder)
    (image,) = meta(doc, "og:image")
    assert re.fullmatch(
        r"https://www\.nordmilanonotizie\.example/assets/share\.[0-9a-f]{10}\.png", image
    )
    assert json_ld(doc)["image"] == [image]


def test_news_article_json_ld(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    data = json_ld(article_page(renderer, folder, PETAZZI_KEY))
    assert data["@type"] == "NewsArticle"
    assert data["headline"].startswith("Piazza Petazzi cambia volto")
    assert data["image"] == ["https://www.nordmilanonotizie.example/media/piazza-petazzi.jpg"]
    assert data["datePublished"] == "2024-05-02T07:45:00+02:00"
    assert data["dateModified"] == "2024-05-02T07:45:00+02:00"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Chiara Colombo",
            "url": "https://www.nordmilanonotizie.example/autore/chiara-colombo/",
        },
        {
            "@type": "Person",
            "name": "Marco Brambilla",
            "url": "https://www.nordmilanonotizie.example/autore/marco-brambilla/",
        },
    ]
    # the publisher is the graph's NewsMediaOrganization (tests/unit/test_structured_data.py)
    newsroom = {"@id": "https://www.nordmilanonotizie.example/#testata"}
    assert data["publisher"] == newsroom
    seed = json_ld(article_page(renderer, folder))
    assert seed["author"] == [newsroom]  # "Redazione" is the newsroom


# --- hostile input ----------------------------------------------------------------------------


def test_hostile_title_is_escaped_in_html_and_in_json_ld(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = upload(
        site,
        f"---\ntitle: {json.dumps(HOSTILE_TITLE)}\nsection: Sport\ndate: 2024-05-01\n"
        'tags: ["<i>x</i>"]\nsummary: "</script>"\n---\nTesto <script>alert(1)</script>\n',
    )
    page = renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    text = page.decode()
    # only our own script element, and nothing the title could open or close
    assert text.count("<script") == 1
    assert text.count("</script>") == 1
    assert "<!--" not in text
    assert "<b>" not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)" in text
    script = text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert not set(script) & {"<", ">", "&", "\u2028"}
    doc = html.fromstring(page)
    assert text_of(doc.xpath("//h1")[0]) == " ".join(HOSTILE_TITLE.split())
    assert meta(doc, "og:title") == [HOSTILE_TITLE]
    assert json_ld(doc)["headline"] == HOSTILE_TITLE
    assert json_ld(doc)["description"] == "</script>"


def test_script_json_escapes_what_could_end_the_script() -> None:
    text = script_json({"a": "</script><!--&\u2028\u2029"})
    assert text == '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029"}'
    assert json.loads(text) == {"a": "</script><!--&\u2028\u2029"}


def test_body_headings_start_under_the_headline_without_gaps() -> None:
    assert outline_headings("<h3>a</h3><p>x</p><h5>b</h5>") == "<h2>a</h2><p>x</p><h3>b</h3>"
    assert outline_headings("<h2>a</h2><h3>b</h3>") == "<h2>a</h2><h3>b</h3>"
    assert outline_headings("<p>no headings</p>") == "<p>no headings</p>"


def test_body_images_always_have_an_alt() -> None:
    assert require_alt('<img src="/x">') == '<img alt="" src="/x">'
    assert require_alt('<img src="/x" alt="Foto">') == '<img src="/x" alt="Foto">'


def test_body_media_links_point_at_the_sites_media(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = upload(
        site,
        "---\ntitle: Foto\nsection: Sport\ndate: 2024-05-01\n---\n"
        "![Il ponte](media/ponte.jpg) e [l'altro](/sport/altro/) e [fuori](https://x.org/a)\n",
    )
    doc = html.fromstring(
        renderer.article_page(article, published=article.date, updated=None, related=[])  # type: ignore[arg-type]
    )
    body = doc.xpath('//div[@class="story__body"]')[0]
    assert body.xpath(".//img/@src") == ["/media/ponte.jpg"]
    assert body.xpath(".//a/@href") == ["/sport/altro/", "https://x.org/a"]


# --- determinism and assets -------------------------------------------------------------------


def test_same_inputs_same_bytes(site: SiteSettings, folder: IndexedFolder) -> None:
    first = folder.pages(SiteRenderer(site))
    second = folder.pages(SiteRenderer(site))
    assert first == second
    assert len(first) > 50


def test_listing_order_is_fixed_by_the_data_not_by_the_caller(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    teasers = folder.teasers()
    feed = renderer.feed(title="x", page_path="/", feed_path="/feed.xml", articles=teasers)
    shuffled = list(reversed(teasers))
    assert renderer.feed(title="x", page_path="/", feed_path="/feed.xml", articles=shuffled) == feed


def test_asset_names_carry_a_hash_of_their_bytes(renderer: SiteRenderer) -> None:
    files = renderer.asset_files()
    names = []
    for path, body in files.items():
        stem, digest, suffix = path.removeprefix("/assets/").split(".")
        assert digest == hashlib.sha256(body).hexdigest()[:10]
        names.append(f"{stem}.{suffix}")
    assert names == ["favicon.svg", "logo.png", "search.js", "share.png", "site.css"]


def test_a_changed_stylesheet_gets_a_new_name_and_pages_follow_it(
    site: SiteSettings, folder: IndexedFolder
) -> None:
    packaged = AssetBundle.packaged()
    changed = AssetBundle({**packaged.contents, "site.css": packaged.contents["site.css"] + b" "})
    before, after = SiteRenderer(site), SiteRenderer(site, assets=changed)
    assert packaged.path("site.css") != changed.path("site.css")
    assert packaged.path("favicon.svg") == changed.path("favicon.svg")
    seed = entry(folder, SEED_KEY)
    for renderer, bundle in ((before, packaged), (after, changed)):
        doc = html.fromstring(
            renderer.article_page(seed.article, published=seed.published, updated=None, related=[])
        )
        assert doc.xpath('//link[@rel="stylesheet"]/@href') == [bundle.path("site.css")]
        assert bundle.path("site.css") in renderer.asset_files()
    assert hashed_name("site.css", b"a") != hashed_name("site.css", b"b")


# --- the homepage -----------------------------------------------------------------------------


def test_homepage_lead_then_sections_in_configured_order(
    site: SiteSettings, renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    lead = folder.lead()
    assert lead is not None
    assert lead.pinned
    doc = html.fromstring(renderer.home_page(lead=lead, blocks=folder.blocks()))
    assert [text_of(h) for h in doc.xpath("//h1")] == ["Nordmilano Notizie"]
    assert text_of(doc.xpath('//*[@class="lead__title"]')[0]) == lead.title
    assert doc.xpath('//*[contains(@class, "lead")]//img/@src') == ["/media/piazza-petazzi.jpg"]
    blocks = doc.xpath('//section[@class="block"]')
    assert [text_of(b.xpath(".//h2")[0]) for b in blocks] == [s.name for s in site.sections]
    assert [b.xpath(".//h2/a/@href")[0] for b in blocks] == [f"/{s.slug}/" for s in site.sections]
    sesto = blocks[0].xpath('.//*[@class="teaser__title"]/a/@href')
    assert len(sesto) == 6  # six configured, and the lead story is not repeated among them
    assert all(href.startswith("/sesto-san-giovanni/") for href in sesto)
    assert lead.path not in doc.xpath('//section[@class="block"]//a/@href')
    assert doc.xpath("//link[@rel='alternate']/@href") == ["/feed.xml"]
    assert meta(doc, "og:type") == ["website"]


def test_homepage_skips_empty_sections_and_says_when_there_is_nothing(
    site: SiteSettings, renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    teaser = folder.teasers()[0]
    blocks = [SectionBlock(section, ()) for section in site.sections]
    blocks[4] = SectionBlock(site.sections[4], (teaser,))
    doc = html.fromstring(renderer.home_page(lead=None, blocks=blocks))
    assert [text_of(h) for h in doc.xpath('//section[@class="block"]//h2')] == ["Sport"]
    empty = html.fromstring(renderer.home_page(lead=None, blocks=[]))
    assert text_of(empty.xpath('//p[@class="empty"]')[0]) == "Non ci sono ancora articoli."


# --- listings ---------------------------------------------------------------------------------


def test_media_paths_are_quoted_and_normalised() -> None:
    assert media_path("media/a b.jpg") == "/media/a%20b.jpg"
    assert media_path("/media/../media/x.jpg") == "/media/x.jpg"


def test_files_style_article_page_opens_from_disk(
    site: SiteSettings, folder: IndexedFolder
) -> None:
    renderer = SiteRenderer(site, link_style="files")
    seed = entry(folder, SEED_KEY)
    doc = html.fromstring(
        renderer.article_page(
            seed.article, published=seed.published, updated=None, related=folder.related(seed)
        )
    )
    assert doc.xpath('//link[@rel="stylesheet"]/@href')[0].startswith("../../assets/site.")
    assert doc.xpath('//nav[@aria-label="Percorso"]//a/@href') == [
        "../../index.html",
        "../index.html",
    ]
    related = doc.xpath("//aside//a/@href")
    assert related
    assert all(h.startswith("../") and h.endswith("/index.html") for h in related)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [
        "https://www.nordmilanonotizie.example/sesto-san-giovanni/massimo-carrera-spartak-mosca/"
    ]


def test_english_site(folder: IndexedFolder) -> None:
    english = SiteSettings.from_file(SAMPLES / "site.yaml").model_copy(update={"locale": "en"})
    renderer = SiteRenderer(english)
    seed = entry(folder, SEED_KEY)
    doc = html.fromstring(
        renderer.article_page(
            seed.article, published=seed.published, updated=None, related=folder.related(seed)
        )
    )
    assert doc.xpath("/html/@lang") == ["en"]
    assert text_of(doc.xpath("//aside//h2")[0]) == "Related articles"
    assert text_of(doc.xpath('//*[@class="masthead__date"]')[0]) == "Wed. 01 May 2024"
    assert text_of(doc.xpath('//a[@class="skip-link"]')[0]) == "Skip to content"


# --- rotativa preview -------------------------------------------------------------------------


def test_preview_writes_a_page_that_opens_from_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: IndexedFolder
) -> None:
    out = tmp_path / "anteprima"
    seed = SAMPLES / "articles" / "massimo-carrera-spartak-mosca.md"
    assert main(["preview", str(seed), "--out", str(out)]) == 0
    assert "anteprima pronta" in capsys.readouterr().out
    index = out / "index.html"
    doc = html.fromstring(index.read_bytes())
    assert [text_of(h) for h in doc.xpath("//h1")] == [SEED_TITLE]
    assert len(doc.xpath('//li[@class="related__item"]')) == 5
    # every relative link and source of the page is a file in the preview folder
    targets = [*doc.xpath("//@href"), *doc.xpath("//@src")]
    local = [t for t in targets if not t.startswith(("https:", "#"))]
    assert local
    for target in local:
        assert (out / target).is_file(), target
    # the byline's link to the author's page is one of them, and that page exists
    assert doc.xpath('//span[@class="story__byline"]/a/@href') == ["autore/redazione/index.html"]
    # the picture as the cloud publishes it: re-encoded from its pixels, at its size
    stand_in = Image.open(out / "media" / "piazza-petazzi.jpg")
    original = Image.open(SAMPLES / "media" / "piazza-petazzi.jpg")
    assert stand_in.format == "JPEG"
    assert stand_in.size == original.size
    assert not stand_in.getexif()
    # the box the IndexFunction keeps (tests/e2e/test_preview.py: the cloud's page), and
    # each of its articles' pages beside it
    kept = folder.related(folder.entry(SEED_KEY))
    headlines = doc.xpath('//aside//span[@class="related__headline"]')
    assert [text_of(h) for h in headlines] == [t.title for t in kept]
    assert doc.xpath("//aside//a/@href") == [page_key(t.path) for t in kept]


def test_preview_of_a_lone_draft(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text((SAMPLES / "site.yaml").read_text())
    draft = tmp_path / "bozza.md"
    draft.write_text("---\ntitle: Bozza\nsection: Bresso\nstatus: draft\n---\nTesto.\n")
    assert main(["preview", str(draft), "--out", str(tmp_path / "out")]) == 0
    doc = html.fromstring((tmp_path / "out" / "index.html").read_bytes())
    assert [text_of(h) for h in doc.xpath("//h1")] == ["Bozza"]
    assert doc.xpath("//aside") == []


def test_preview_of_a_new_version_beside_the_old_shows_the_new(tmp_path: Path) -> None:
    """Two files of a folder with one address: the cloud would refuse the second, but the
    one being previewed is the one the editor means to publish."""
    (tmp_path / "site.yaml").write_text((SAMPLES / "site.yaml").read_text())
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "derby.md").write_text(
        "---\ntitle: Il derby\nsection: Sport\ndate: 2024-05-01T10:00\n---\nTesto.\n"
    )
    new = articles / "derby-nuovo.md"
    new.write_text(
        "---\ntitle: Il derby, nuovo\nsection: Sport\nslug: derby\ndate: 2024-05-01T10:00\n"
        "---\nTesto.\n"
    )
    assert main(["preview", str(new), "--out", str(tmp_path / "out")]) == 0
    for page in ("index.html", "sport/derby/index.html"):
        doc = html.fromstring((tmp_path / "out" / page).read_bytes())
        assert [text_of(h) for h in doc.xpath("//h1")] == ["Il derby, nuovo"]


def test_preview_refuses_an_invalid_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "cattivo.md"
    bad.write_text("---\ntitle: Senza sezione\n---\nTesto.\n")
    assert main(["preview", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "error" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
    assert main(["preview", str(tmp_path / "manca.md"), "--out", str(tmp_path / "o")]) == 2


def _teaser_at(folder: IndexedFolder, when: datetime) -> ArticleTeaser:
    return folder.teasers()[0].model_copy(update={"date": when})


def test_teaser_dates_use_the_site_zone(renderer: SiteRenderer, folder: IndexedFolder) -> None:
    late = _teaser_at(folder, datetime(2024, 5, 1, 22, 30, tzinfo=UTC))
    doc = html.fromstring(renderer.listing_page(Listing("tag", "x", "/tag/x/", (late,))))
    (time,) = doc.xpath('//ol[@class="listing__list"]//time')
    assert text_of(time) == "02 Mag. 2024"
    assert time.get("datetime") == "2024-05-02T00:30:00+02:00"


def test_every_label_speaks_both_languages_with_the_same_fields() -> None:
    from string import Formatter

    from rotativa.rendering import PAGE_LABELS

    for code, texts in PAGE_LABELS.items():
        assert set(texts) == {"it", "en"}, code
        fields = {
            language: sorted(f for _, f, _, _ in Formatter().parse(text) if f)
            for language, text in texts.items()
        }
        assert fields["it"] == fields["en"], code


def test_assets_say_what_they_are(renderer: SiteRenderer) -> None:
    from rotativa.rendering import media_type

    types = {path.rsplit(".", 1)[1]: media_type(path) for path in renderer.asset_files()}
    assert types == {
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "js": "text/javascript; charset=utf-8",  # the search page's script
    }


def test_pages_keep_their_order_whatever_order_they_are_given(
    renderer: SiteRenderer, folder: IndexedFolder
) -> None:
    blocks = folder.blocks()
    scrambled = [SectionBlock(b.section, tuple(reversed(b.articles))) for b in reversed(blocks)]
    lead = folder.lead()
    assert renderer.home_page(lead=lead, blocks=scrambled) == renderer.home_page(
        lead=lead, blocks=blocks
    )
    teasers = tuple(folder.teasers()[:20])
    oldest_first = Listing("tag", "x", "/tag/x/", tuple(reversed(teasers)))
    assert renderer.listing_page(oldest_first) == renderer.listing_page(
        Listing("tag", "x", "/tag/x/", teasers)
    )

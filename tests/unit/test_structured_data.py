"""The structured data of every page of the rendered samples, as search engines read it.

The samples are rendered as the browser tests render them (tests/browser/rendered.py: the
articles, an updated one, a hostile one, the homepage, listings, author pages and their
second pages, the preview), and every page that carries JSON-LD is checked against
schema.org's vocabulary and Google's rich-result fields (tests/schema_org.py). Then what
the data says is compared with what the page shows: the breadcrumb, the authors' pages,
the logo file, the Open Graph dates and authors.
"""

from __future__ import annotations

from typing import Any

import pytest
from benchmarks.logo import logo_bytes
from lxml import html  # type: ignore[import-untyped]

from rotativa.domain.pictures import declared_size
from rotativa.rendering import AssetBundle
from tests.browser.rendered import HOSTILE_PATH, UPDATED_PATH, RenderedSite, render_samples
from tests.schema_org import (
    LOGO_MIN_PIXELS,
    google_problems,
    node_types,
    problems,
    structured_data,
    top_nodes,
)

BASE = "https://www.nordmilanonotizie.example/"
NEWSROOM_ID = BASE + "#testata"
LIVE_PATH = "/sesto-san-giovanni/sesto-consiglio-comunale-bilancio-diretta/"
CORRECTED_PATH = "/sport/pro-sesto-legnano-derby-vittoria/"
#: The samples a later change dates: a re-upload (rendered.py), a live blog, two corrected.
REVISED_PATHS = {
    UPDATED_PATH,
    LIVE_PATH,
    CORRECTED_PATH,
    "/sport/pro-sesto-stadio-breda-manto-erboso/",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> RenderedSite:
    return render_samples(tmp_path_factory.mktemp("structured"))


@pytest.fixture(scope="module")
def pages(rendered: RenderedSite) -> dict[str, bytes]:
    """Site path → bytes of every page the site serves (the preview aside)."""
    found = {}
    for file in sorted(rendered.site_root.rglob("index.html")):
        relative = file.parent.relative_to(rendered.site_root).as_posix()
        found["/" if relative == "." else f"/{relative}/"] = file.read_bytes()
    return found


def graph_of(page: bytes) -> dict[str, Any]:
    (data,) = structured_data(page)
    assert isinstance(data, dict)
    return data


def by_type(page: bytes) -> dict[str, dict[str, Any]]:
    nodes = top_nodes(graph_of(page))
    found = {"/".join(node_types(node)): node for node in nodes}
    assert len(found) == len(nodes), "one node of each type"
    return found


def meta(page: bytes, name: str) -> list[str]:
    doc = html.fromstring(page)
    return [str(v) for v in doc.xpath(f'//meta[@property="{name}"]/@content')]


def is_article(path: str) -> bool:
    return path.count("/") == 3 and not path.startswith(
        ("/autore/", "/tag/", "/page/", "/correzioni/")
    )


def is_moved(page: bytes) -> bool:
    """The body of an old address, which the CDN answers with a 301 (no canonical)."""
    return not html.fromstring(page).xpath("//link[@rel='canonical']")


def story(page: bytes) -> dict[str, Any]:
    """The article's own node: a NewsArticle, or a LiveBlogPosting for live coverage."""
    nodes = by_type(page)
    return nodes.get("NewsArticle") or nodes["LiveBlogPosting"]


def test_every_page_with_structured_data_keeps_schema_org_and_google(
    rendered: RenderedSite,
) -> None:
    checked: dict[str, list[str]] = {}
    for file in rendered.html_files():
        for data in structured_data(file.read_bytes()):
            checked[str(file)] = problems(data) + google_problems(data)
    assert {file: found for file, found in checked.items() if found} == {}
    assert len(checked) > 40  # the articles, the homepage, the author pages, the preview


def test_each_kind_of_page_carries_its_nodes(pages: dict[str, bytes]) -> None:
    kinds = {path: set(by_type(page)) for path, page in pages.items() if structured_data(page)}
    articles = [path for path in pages if is_article(path) and "vecchio-indirizzo" not in path]
    assert len(articles) > 20
    for path in articles:
        kind = "LiveBlogPosting" if path == LIVE_PATH else "NewsArticle"
        assert kinds[path] == {"NewsMediaOrganization", kind, "BreadcrumbList"}, path
    assert kinds["/"] == {"NewsMediaOrganization", "WebSite"}
    # (a bucket that copies its front is a "page moved" body for its 301: it has no data)
    author_pages = [
        path for path in pages if path.startswith("/autore/") and not is_moved(pages[path])
    ]
    assert "/autore/redazione/page/2/" in author_pages  # a later page of an author too
    for path in author_pages:
        assert "ProfilePage" in kinds[path], path
    # sections, tags, /correzioni/, the 404 and the moved page say nothing beyond Open Graph
    assert set(kinds) == {*articles, "/", *author_pages}


def test_the_breadcrumb_data_is_the_visible_breadcrumb(pages: dict[str, bytes]) -> None:
    for path in (UPDATED_PATH, HOSTILE_PATH):
        page = pages[path]
        doc = html.fromstring(page)
        shown = [
            (" ".join(li.text_content().replace("›", "").split()), li.xpath("a/@href"))
            for li in doc.xpath('//nav[@class="breadcrumb"]//li')
        ]
        items = by_type(page)["BreadcrumbList"]["itemListElement"]
        assert [(item["name"], item["item"]) for item in items] == [
            (" ".join(name.split()), BASE + href[0].lstrip("/") if href else BASE + path[1:])
            for name, href in shown
        ]
        assert [item["position"] for item in items] == [1, 2, 3]
        assert items[0]["name"] == "Home"


def test_authors_are_people_with_their_page_and_the_newsroom_is_the_publication(
    pages: dict[str, bytes],
) -> None:
    nodes = by_type(pages[UPDATED_PATH])
    article = nodes["NewsArticle"]
    assert [a["name"] for a in article["author"]] == ["Chiara Colombo", "Marco Brambilla"]
    for author in article["author"]:
        assert author["@type"] == "Person"
        profile = by_type(pages[author["url"].removeprefix(BASE[:-1])])["ProfilePage"]
        assert profile["mainEntity"] == author  # the same person on the page about them
    assert article["publisher"] == {"@id": NEWSROOM_ID}
    newsroom = nodes["NewsMediaOrganization"]
    assert newsroom["@id"] == NEWSROOM_ID
    assert (newsroom["name"], newsroom["url"]) == ("Nordmilano Notizie", BASE)

    # an article signed "Redazione" is by the newsroom itself, whose page is its profile
    signed = [
        path
        for path, page in pages.items()
        if is_article(path)
        and structured_data(page)
        and {"@id": NEWSROOM_ID} in story(page)["author"]
    ]
    assert signed
    for path in ("/autore/redazione/", "/autore/redazione/page/2/"):
        profile_nodes = by_type(pages[path])
        assert profile_nodes["ProfilePage"]["mainEntity"] == {"@id": NEWSROOM_ID}
        assert profile_nodes["ProfilePage"]["url"] == BASE + path[1:]
        assert profile_nodes["NewsMediaOrganization"] == newsroom


def test_the_logo_is_the_published_png_at_its_size(
    rendered: RenderedSite, pages: dict[str, bytes]
) -> None:
    logo = by_type(pages["/"])["NewsMediaOrganization"]["logo"]
    assert logo["@type"] == "ImageObject"
    published = rendered.site_root / logo["url"].removeprefix(BASE)
    assert published.is_file(), logo["url"]
    content = published.read_bytes()
    assert content.startswith(b"\x89PNG")
    assert declared_size(content) == (logo["width"], logo["height"])
    assert min(logo["width"], logo["height"]) >= LOGO_MIN_PIXELS


def test_the_logo_is_what_its_recipe_draws() -> None:
    # python -m benchmarks.logo redraws it
    assert AssetBundle.packaged().contents["logo.png"] == logo_bytes()


def test_the_homepage_names_the_site_and_its_publisher(pages: dict[str, bytes]) -> None:
    website = by_type(pages["/"])["WebSite"]
    assert website == {
        "@type": "WebSite",
        "@id": BASE + "#sito",
        "name": "Nordmilano Notizie",
        "url": BASE,
        "inLanguage": "it",
        "publisher": {"@id": NEWSROOM_ID},
    }


def test_open_graph_gives_the_modified_time_always_and_each_author_page(
    pages: dict[str, bytes],
) -> None:
    updated = []
    for path, page in pages.items():
        if not is_article(path) or not structured_data(page):
            continue
        article = story(page)
        assert meta(page, "article:published_time") == [article["datePublished"]], path
        assert meta(page, "article:modified_time") == [article["dateModified"]], path
        if article["dateModified"] != article["datePublished"]:
            updated.append(path)
        # one article:author per byline, its author page (the newsroom's too)
        bylines = html.fromstring(page).xpath('//a[@rel="author"]/@href')
        assert meta(page, "article:author") == [BASE + href.lstrip("/") for href in bylines]
        people = [a["url"] for a in article["author"] if a.get("@type") == "Person"]
        assert set(people) <= set(meta(page, "article:author")), path
    # only the articles the samples change later carry a later time, the one the page shows
    assert set(updated) == REVISED_PATHS
    for path in updated:
        page = pages[path]
        (shown,) = html.fromstring(page).xpath('//*[@class="story__updated"]/time/@datetime')
        assert meta(page, "article:modified_time") == [shown]


def test_the_preview_carries_the_same_data_with_absolute_urls(rendered: RenderedSite) -> None:
    article = by_type((rendered.preview_root / "index.html").read_bytes())["NewsArticle"]
    assert article["url"] == BASE + "sesto-san-giovanni/massimo-carrera-spartak-mosca/"
    assert article["author"] == [{"@id": NEWSROOM_ID}]


def test_live_coverage_is_a_live_blog_with_its_updates(pages: dict[str, bytes]) -> None:
    page = pages[LIVE_PATH]
    live = by_type(page)["LiveBlogPosting"]
    assert live["coverageStartTime"] == live["datePublished"] == "2024-04-26T20:30:00+02:00"
    assert "coverageEndTime" not in live  # `live: true`: still going on
    updates = live["liveBlogUpdate"]
    assert [u["datePublished"][11:16] for u in updates] == ["21:45", "21:10", "20:40"]
    assert [u.get("headline") for u in updates] == [
        "Le opposizioni chiedono una sospensione",
        "Approvato il primo emendamento",
        None,  # an update without a title has no headline
    ]
    assert "mensa scolastica passa con 19 voti" in updates[1]["articleBody"]  # plain text
    assert "**" not in updates[1]["articleBody"]
    # each update's url is its anchor, which the page has
    ids = set(html.fromstring(page).xpath("//li/@id"))
    for update in updates:
        url, _, anchor = update["url"].partition("#")
        assert url == BASE + LIVE_PATH[1:]
        assert anchor in ids
    assert live["dateModified"] == updates[0]["datePublished"]


def test_a_corrected_article_names_its_correction(pages: dict[str, bytes]) -> None:
    article = by_type(pages[CORRECTED_PATH])["NewsArticle"]
    assert article["correction"] == [
        {
            "@type": "CorrectionComment",
            "datePublished": "2024-04-29T09:15:00+02:00",
            "text": "Nella prima versione il risultato era 2-1: la partita è finita 2-0, il gol "
            "del Legnano al 90' è stato annullato per fuorigioco.",
        }
    ]
    assert article["dateModified"] == "2024-04-29T09:15:00+02:00"
    assert "correction" not in by_type(pages[UPDATED_PATH])["NewsArticle"]

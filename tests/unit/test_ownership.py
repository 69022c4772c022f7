"""Every object of the site bucket has one owner, judged on the key S3 stores: the site's
own pages, one article's page, one article's old address. No spelling of an address lets
an upload write or delete what it does not own."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotativa.domain.article import normalize_alias
from rotativa.domain.pages import PageRef, canonical_path, object_key, site_owns
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.rendering import OwnershipRefused, PageRenderer
from rotativa.services.validation import validate_upload
from tests.fakes import MemoryPages, MemorySite, RecordingInvalidations, RecordingQueue
from tests.unit.test_indexing import NOW, stored

SECTIONS = ["sport", "bresso"]


@pytest.mark.parametrize(
    "key",
    [
        "index.html", "404.html", "feed.xml", "sitemap.xml", "news-sitemap.xml", "robots.txt",
        "sport/index.html", "sport/feed.xml", "sport/page/2/index.html", "sport/page/x",
        "tag/calcio/index.html", "autore/redazione/feed.xml", "assets/site.abc.css",
        "media/foto.jpg", "sitemaps/2024-05.xml",
    ],
)  # fmt: skip
def test_the_site_owns_its_own_keys(key: str) -> None:
    assert site_owns(key, SECTIONS)


@pytest.mark.parametrize(
    "key",
    [
        "sport/derby/index.html",
        "archivio/1234.html",
        "2017/05/ponte/index.html",
        "calcio/index.html",
    ],
)
def test_articles_and_old_addresses_are_not_the_site_s(key: str) -> None:
    assert not site_owns(key, SECTIONS)


@pytest.mark.parametrize(
    "alias",
    [
        "/index.html", "/sport/index.html", "/%73port/", "/Sport/../sport/",
        "/sport/page/2/index.html",
        "/%72obots.txt", "/tag/calcio/index.html", "/sport/feed.xml", "/%74ag/x/", "/media/x.jpg",
        "https://vecchio.it/sport/index.html",
    ],
)  # fmt: skip
def test_no_spelling_of_a_site_page_is_accepted_as_an_alias(
    settings: SiteSettings, alias: str
) -> None:
    text = f'---\ntitle: Ponte\nsection: Sport\naliases: ["{alias}"]\n---\nTesto.\n'
    report = validate_upload("articles/ponte.md", text.encode(), settings)
    assert report.article is None
    codes = {p.code for p in report.problems}
    assert codes & {"alias_reserved", "alias_invalid"}, codes


@pytest.mark.parametrize(
    ("alias", "path"),
    [("/sport/derby/index.html", "/sport/derby/"), ("/%73port/derby/", "/sport/derby/")],
)
def test_two_spellings_of_an_article_page_are_one_address(alias: str, path: str) -> None:
    assert normalize_alias(alias) == path


_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)


@given(
    st.lists(
        _segment.filter(lambda s: s not in (".", "..") and "/" not in s), min_size=1, max_size=4
    ),
    st.booleans(),
)
def test_a_canonical_path_names_the_same_object_and_is_its_own_canonical(
    segments: list[str], folder: bool
) -> None:
    path = "/" + "/".join(segments) + ("/" if folder else "")
    if "//" in path:
        return
    canonical = canonical_path(path)
    assert object_key(canonical) == object_key(path)
    assert canonical_path(canonical) == canonical


def test_the_renderer_refuses_an_article_page_over_a_site_page(settings: SiteSettings) -> None:
    # GIVEN a record that slipped past validation with the slug `page` (`/sport/page/`)
    store, site = MemoryPages(), MemorySite()
    bad = stored(settings, "articles/bad.md", title="Intruso")
    assert bad.article is not None
    bad = replace(bad, article=bad.article.model_copy(update={"slug": "page"}))
    good = stored(settings, "articles/good.md", title="Buono")
    store.articles = {bad.key: bad, good.key: good}
    renderer = PageRenderer(settings, store, site, RecordingInvalidations())
    # WHEN both pages are rendered in one batch
    with pytest.raises(OwnershipRefused, match=r"sport/page/index\.html"):
        renderer.render(
            [
                PageRef.article(bad.key, "/sport/page/"),
                PageRef.article(good.key, good.article.path if good.article else ""),
            ],
            NOW,
        )
    # THEN the good page went out and nothing was written at the site's key
    assert "sport/good/index.html" in site.objects
    assert "sport/page/index.html" not in site.objects


def test_an_alias_stays_with_its_first_holder(settings: SiteSettings) -> None:
    store, queue = MemoryPages(), RecordingQueue()
    indexer = Indexer(settings, store, queue)
    first = stored(settings, "articles/a.md", title="A", extra="aliases: [/2017/ponte/]\n")
    second = stored(settings, "articles/b.md", title="B", extra="aliases: [/2017/ponte/]\n")
    for item in (first, second):
        store.articles[item.key] = item
        indexer.index(item.key, None, NOW)
    assert store.redirect_items == {"/2017/ponte/": "articles/a.md"}


def test_an_alias_naming_a_live_article_is_not_taken(settings: SiteSettings) -> None:
    store, queue = MemoryPages(), RecordingQueue()
    indexer = Indexer(settings, store, queue)
    live = stored(settings, "articles/live.md", title="Vivo")
    store.articles[live.key] = live
    indexer.index(live.key, None, NOW)
    assert live.article is not None
    thief = stored(
        settings, "articles/thief.md", title="Ladro", extra=f"aliases: [{live.article.path}]\n"
    )
    store.articles[thief.key] = thief
    indexer.index(thief.key, None, NOW)
    assert live.article.path not in store.redirect_items

"""Old addresses without AWS: which paths may redirect, and how the indexer and the page
renderer keep them (on in-memory fakes)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rotativa.domain.article import normalize_alias
from rotativa.domain.pages import PageKind, PageRef, is_site_page, site_owns
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.rendering import PageRenderer
from tests.fakes import MemoryPages, MemorySite, RecordingInvalidations, RecordingQueue
from tests.unit.test_indexing import NOW, stored

KEY = "articles/ponte.md"
SECTIONS = ["sport", "bresso"]


@pytest.mark.parametrize(
    ("alias", "path"),
    [
        ("/2017/05/ponte/", "/2017/05/ponte/"),
        ("/2017/05/ponte", "/2017/05/ponte/"),  # the CDN serves both as one address
        ("https://www.vecchiosito.it/2017/05/ponte", "/2017/05/ponte/"),
        ("/archivio/1234.html", "/archivio/1234.html"),
        ("/%C3%A0-la-carte/", "/%C3%A0-la-carte/"),
    ],
)
def test_old_addresses_are_normalised_paths(alias: str, path: str) -> None:
    assert normalize_alias(alias) == path


@pytest.mark.parametrize(
    ("path", "reserved"),
    [
        ("/", True), ("/feed.xml", True), ("/sitemap.xml", True), ("/news-sitemap.xml", True),
        ("/404.html", True), ("/sitemaps/2024-05.xml", True), ("/tag/calcio/", True),
        ("/autore/redazione/", True), ("/assets/site.css", True), ("/media/foto.jpg", True),
        ("/sport/", True), ("/sport/page/2/", True), ("/sport/feed.xml", True),
        ("/sport/vecchio-articolo/", False), ("/2017/05/ponte/", False),
        ("/calcio/", False), ("/archivio/1234.html", False),
    ],
)  # fmt: skip
def test_the_site_s_own_pages_never_redirect(path: str, reserved: bool) -> None:
    assert is_site_page(path, SECTIONS) is reserved


def test_without_configured_sections_any_first_segment_may_be_a_section() -> None:
    assert is_site_page("/calcio/", None)
    assert not is_site_page("/calcio/vecchio/", None)


def world(
    settings: SiteSettings,
) -> tuple[MemoryPages, Indexer, RecordingQueue, PageRenderer, MemorySite]:
    store, queue, site = MemoryPages(), RecordingQueue(), MemorySite()
    indexer = Indexer(settings, store, queue)
    return (
        store,
        indexer,
        queue,
        PageRenderer(settings, store, site, RecordingInvalidations()),
        site,
    )


def old_addresses(site: MemorySite) -> dict[str, str]:
    """The uploads' redirects the site holds: not the site's own (a listing's bucket that
    is a copy of its front answers a 301 to it too)."""
    return {key: to for key, to in site.redirects.items() if not site_owns(key, None)}


def change(
    store: MemoryPages, indexer: Indexer, renderer: PageRenderer, new: StoredArticle
) -> set[PageRef]:
    old = store.articles.get(KEY)
    store.articles[KEY] = new
    pages = indexer.index(KEY, old, NOW)
    renderer.render(pages, NOW)
    return pages


def test_moves_leave_redirects_that_follow_the_article(settings: SiteSettings) -> None:
    store, indexer, _, renderer, site = world(settings)
    change(store, indexer, renderer, stored(settings, KEY, title="Ponte", extra="slug: a\n"))

    change(
        store,
        indexer,
        renderer,
        stored(settings, KEY, title="Ponte", extra="slug: b\n", order="02"),
    )
    assert old_addresses(site) == {"sport/a/index.html": "/sport/b/"}
    assert store.redirect_items == {"/sport/a/": KEY}

    pages = change(
        store,
        indexer,
        renderer,
        stored(settings, KEY, title="Ponte", section="Bresso", extra="slug: c\n", order="03"),
    )
    assert PageRef.redirect("/sport/a/") in pages  # re-pointed, not chained through /sport/b/
    assert old_addresses(site) == {
        "sport/a/index.html": "/bresso/c/",
        "sport/b/index.html": "/bresso/c/",
    }
    assert b"/bresso/c/" in site.objects["sport/a/index.html"]  # the body links there too


def test_aliases_of_a_draft_wait_for_it_to_be_published(settings: SiteSettings) -> None:
    store, indexer, _, renderer, site = world(settings)
    draft = stored(
        settings, KEY, extra="slug: a\naliases: [/2017/ponte/]\n", state=ArticleState.DRAFT
    )
    change(store, indexer, renderer, draft)
    assert store.redirect_items == {"/2017/ponte/": KEY}
    assert old_addresses(site) == {}

    pages = change(
        store, indexer, renderer, replace(draft, state=ArticleState.PUBLISHED, order="02")
    )
    assert PageRef.redirect("/2017/ponte/") in pages
    assert old_addresses(site) == {"2017/ponte/index.html": "/sport/a/"}

    change(
        store,
        indexer,
        renderer,
        replace(draft, state=ArticleState.DELETED, article=None, order="03"),
    )
    assert old_addresses(site) == {}
    assert "2017/ponte/index.html" not in site.objects


def test_an_old_address_never_replaces_a_live_or_site_page(settings: SiteSettings) -> None:
    store, indexer, _, renderer, site = world(settings)
    other = stored(settings, "articles/altro.md", title="Altro", extra="slug: altro\n")
    store.articles[other.key] = other
    renderer.render(indexer.index(other.key, None, NOW), NOW)

    store.redirect_items["/sport/altro/"] = KEY
    store.redirect_items["/sport/"] = KEY
    change(store, indexer, renderer, stored(settings, KEY, extra="slug: a\n"))
    outputs = [
        renderer.outputs(PageRef.redirect(path), NOW) for path in ("/sport/altro/", "/sport/")
    ]
    assert outputs == [[], []]
    assert old_addresses(site) == {}
    assert b"<h1" in site.objects["sport/altro/index.html"]  # still the article's own page
    assert PageRef.redirect("/x/").kind is PageKind.REDIRECT

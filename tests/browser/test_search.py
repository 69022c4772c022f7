"""Search, as a reader uses it: `/cerca/` in real headless Chromium, on the samples.

The site is the samples published as the cloud publishes them (`IndexedFolder`: the
ValidateFunction's ingest, the IndexFunction's indexer), every page rendered, and the
search index made by the SearchFunction's own `SearchIndexer` with pagefind's binary, into
a folder served by the dev site server with the distribution's behaviours from
template.yaml (so `/cerca/*` has the search page's Content-Security-Policy, every other
path the site's). search_pages.mjs types the query into the form and reports what the page
then shows. An article unpublished by its editor (its upload again, `status: draft`) goes
through the same ingest and indexer, then the next rebuild of the index: the reader no
longer finds it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from rotativa.adapters.folder import FolderBucket, FolderInbox, read_upload
from rotativa.adapters.pagefind import build_bundle
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SiteRenderer
from rotativa.services.rebuild import index_uploads
from rotativa.services.search import SearchIndexer
from rotativa_tools.local.site_server import FolderSource, SiteServer, cdn_behaviours
from rotativa_tools.local.template import load_template
from tests.browser.conftest import AXE, CHROMIUM, PLAYWRIGHT, require_tools, run_harness
from tests.browser.rendered import HOSTILE_TITLE, HOSTILE_UPLOAD
from tests.conftest import ROOT, SAMPLES
from tests.indexed_folder import IndexedFolder

TEMPLATE = ROOT / "template.yaml"
#: "via Mazzini" is in one sample only; the query's words are in many others too.
STREET = "via Mazzini"
STREET_ARTICLE = "/cologno-monzese/cologno-negozi-vicinato-bando/"
#: Samples that write "città" and never "citta" (nor "cittadini"…): found by `citta`
#: only if the search ignores the accent.
ACCENTED_ONLY = {
    "basket-aurora-cinisello-playoff",
    "cinisello-mensa-scolastica-nuovo-appalto",
    "cologno-negozi-vicinato-bando",
    "sesto-ex-falck-bonifiche-sopralluogo",
    "sesto-piazza-petazzi-riqualificazione",
}
#: Unpublished by the test: its own words find it, and then nothing does.
REMOVED = "articles/cinisello-telecamere-piazza-gramsci.md"
REMOVED_QUERY = "telecamere piazza Gramsci"


@dataclass
class SearchSite:
    folder: IndexedFolder
    content: Path
    root: Path
    indexer: SearchIndexer
    server: SiteServer

    def run(self, work: Path, visits: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The visits in one Chromium run; each visit's report by name."""
        config = {"axe": str(AXE), "origin": self.server.url.rstrip("/"), "visits": visits}
        answer = run_harness("search_pages.mjs", work, config, timeout=180)
        return {visit["name"]: visit for visit in answer["visits"]}


def _search(name: str, query: str, section: str | None = None) -> dict[str, Any]:
    return {"name": name, "path": "/cerca/", "query": query, "section": section}


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchSite]:
    require_tools("node", CHROMIUM, PLAYWRIGHT, AXE)
    base = tmp_path_factory.mktemp("search")
    content = base / "content"
    shutil.copytree(SAMPLES, content)
    # an upload made to break pages: its headline and body are what results show
    (content / "articles" / "titolo-ostile.md").write_text(HOSTILE_UPLOAD, encoding="utf-8")
    settings = SiteSettings.from_file(content / "site.yaml")
    folder = IndexedFolder(settings, content, with_media=True)
    root = base / "site"
    bucket = FolderBucket(root)
    for key, body in {**folder.pages(SiteRenderer(settings)), **folder.media.objects}.items():
        bucket.put_if_changed(key, body, content_type="", cache_control="")
    indexer = SearchIndexer(
        settings, folder.table, folder.table, bucket, None, build_bundle, builds=folder.table
    )
    indexer.refresh(folder.now)
    server = SiteServer(
        FolderSource(root), port=0, behaviours=cdn_behaviours(load_template(TEMPLATE))
    ).start()
    try:
        yield SearchSite(folder, content, root, indexer, server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def found(search_site: SearchSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return search_site.run(
        tmp_path_factory.mktemp("search-chromium"),
        [
            _search("street", STREET),
            _search("accent", "citta"),
            _search("section", "citta", section="Sport"),
            _search("nothing", "zzqxjw"),
            _search("removed-before", REMOVED_QUERY),
            _search("hostile", "virgolette apici"),
            {"name": "address", "path": "/cerca/?q=" + quote(STREET)},
            {"name": "no-slash", "path": "/cerca?q=" + quote(STREET)},
            {"name": "masthead", "path": "/sport/", "query": STREET, "masthead": True},
            {"name": "axe", "path": "/cerca/?q=" + quote(STREET), "axe": True},
            {"name": "axe-empty", "path": "/cerca/", "axe": True},
            {"name": "no-js", "path": "/cerca/", "javascript": False},
        ],
    )


def _slug(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


def test_a_street_in_one_article_finds_that_article_first(found: dict[str, Any]) -> None:
    visit = found["street"]
    assert visit["results"], visit
    first = visit["results"][0]
    assert first["href"] == STREET_ARTICLE
    # as the site's lists show an article: headline, section, date, picture
    assert first["title"]
    assert first["section"] == "Cologno Monzese"
    assert first["sectionHref"] == "/cologno-monzese/"
    assert first["datetime"].startswith("2024-")
    assert any(mark.startswith("Mazzini") for mark in first["marks"])  # the words, marked
    assert (
        visit["statusText"].endswith(f"trovati per «{STREET}».")
        or "Un articolo" in visit["statusText"]
    )
    assert visit["address"].endswith("/cerca/?q=via+Mazzini")  # the search has its address


def test_the_address_of_a_search_shows_its_results(found: dict[str, Any]) -> None:
    assert found["address"]["results"][0]["href"] == STREET_ARTICLE
    # `/cerca` without its slash is the same page, under the same policy
    assert found["no-slash"]["results"][0]["href"] == STREET_ARTICLE
    assert found["no-slash"]["cspViolations"] == []


def test_a_query_without_accents_finds_text_with_them(found: dict[str, Any]) -> None:
    slugs = {_slug(result["href"]) for result in found["accent"]["results"]}
    assert slugs & ACCENTED_ONLY, found["accent"]["results"]
    marks = {m.lower() for r in found["accent"]["results"] for m in r["marks"]}
    assert any(mark.startswith("città") for mark in marks), marks


def test_the_section_filter_keeps_that_sections_articles(found: dict[str, Any]) -> None:
    everywhere = found["accent"]["results"]
    sport = found["section"]["results"]
    assert sport
    assert len(sport) < len(everywhere)
    assert {r["section"] for r in sport} == {"Sport"}


def test_a_query_that_matches_nothing_says_so(found: dict[str, Any]) -> None:
    visit = found["nothing"]
    assert visit["results"] == []
    assert visit["statusText"] == "Nessun articolo trovato per «zzqxjw»."


def test_results_run_under_the_search_pages_policy_and_nothing_leaves_the_site(
    found: dict[str, Any],
) -> None:
    policy = found["street"]["headers"]["content-security-policy"]
    assert "'wasm-unsafe-eval'" in policy
    for name in ("street", "accent", "section", "nothing", "address", "no-slash"):
        visit = found[name]
        assert visit["cspViolations"] == [], name
        assert visit["pageErrors"] == [], name
        assert visit["consoleErrors"] == [], name
        assert visit["failedRequests"] == [], name
        assert visit["externalRequests"] == [], name
        assert visit.get("brokenImages", []) == [], name
    # the rest of the site keeps the policy that runs no script at all
    section = found["masthead"]["headers"]["content-security-policy"]
    assert "script-src" not in section
    assert "form-action 'self'" in section  # which lets its search box lead to /cerca/


def test_the_masthead_box_leads_to_the_search_and_its_results(found: dict[str, Any]) -> None:
    visit = found["masthead"]
    assert visit["address"].endswith("/cerca/?q=via+Mazzini")
    assert visit["results"][0]["href"] == STREET_ARTICLE
    assert visit["cspViolations"] == []


def test_a_hostile_headline_is_shown_as_text_and_runs_nothing(found: dict[str, Any]) -> None:
    visit = found["hostile"]
    [result] = [r for r in visit["results"] if r["href"] == "/sport/titolo-ostile/"]
    assert result["title"] == HOSTILE_TITLE  # every character shown, none parsed
    assert visit["dialogs"] == []
    assert visit["pageErrors"] == []
    assert visit["cspViolations"] == []
    assert visit["injected"] == 0  # no element but the page's own in the results


def test_the_search_page_is_accessible(found: dict[str, Any]) -> None:
    assert found["axe"]["results"]  # checked with results on the page
    assert found["axe"]["axe"] == []
    assert found["axe-empty"]["axe"] == []


def test_without_javascript_the_page_says_so_and_links_the_sections(
    found: dict[str, Any],
) -> None:
    visit = found["no-js"]
    assert visit["noJsVisible"] is True
    assert "/sport/" in visit["sectionLinks"]
    assert visit["results"] == []
    assert found["street"]["noJsVisible"] is False  # with it, the notice is gone


def test_an_unpublished_article_leaves_the_index_at_its_next_refresh(
    search_site: SearchSite, found: dict[str, Any], tmp_path: Path
) -> None:
    # GIVEN the article is found by its own words
    before = {_slug(r["href"]) for r in found["removed-before"]["results"]}
    assert "cinisello-telecamere-piazza-gramsci" in before
    # WHEN its editor uploads it again as a draft, and the index is rebuilt
    path = search_site.content / REMOVED
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", "---\nstatus: draft\n", 1), encoding="utf-8")
    upload = read_upload(REMOVED, path)
    folder = search_site.folder
    assert (
        index_uploads(folder.site, folder.table, FolderInbox([upload]), [upload], folder.now) == []
    )
    refresh = search_site.indexer.refresh(folder.now)
    assert refresh.deleted  # its fragment went with it
    # THEN a reader no longer finds it, by the same words
    after = search_site.run(tmp_path, [_search("removed-after", REMOVED_QUERY)])["removed-after"]
    assert "cinisello-telecamere-piazza-gramsci" not in {_slug(r["href"]) for r in after["results"]}
    assert after["pageErrors"] == []
    assert after["failedRequests"] == []

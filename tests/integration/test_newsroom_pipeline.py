"""Live coverage and corrections through the four functions on moto (template.yaml's stack):
an editor adds an update or a correction by uploading the file again, and exactly the
pages that show it change."""

from __future__ import annotations

from rotativa.services.rendering import HTML_CACHE, LIVE_CACHE
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article, publish, site_page

LIVE_KEY = "articles/consiglio.md"
LIVE_PATH = "/sport/consiglio/"
UPDATES = [
    ("2024-05-01T20:40", "", "Si apre la seduta."),
    ("2024-05-01T21:10", "Primo voto", "Passa con **19** voti."),
    ("2024-05-01T21:45", "Sospensione", "Dieci minuti di pausa."),
]


def live_upload(updates: int, *, live: bool = True) -> str:
    entries = "".join(
        f"  - at: {at}\n" + (f"    title: {title}\n" if title else "") + f"    text: '{text}'\n"
        for at, title, text in UPDATES[:updates]
    )
    extra = f"live: {'true' if live else 'false'}\nupdates:\n{entries}"
    return article(
        "Consiglio comunale in diretta",
        date="2024-05-01T20:30",
        tags=("Calcio", "Politica"),
        extra=extra,
    )


def new_paths(cloud: LocalCloud, seen: int) -> set[str]:
    return {p for inv in cloud.invalidations()[seen:] for p in inv["paths"]}


def cache_control(cloud: LocalCloud, path: str) -> str:
    key = path.lstrip("/") + "index.html"
    return str(cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)["CacheControl"])


def test_an_added_update_changes_the_live_page_and_its_fronts_only(cloud: LocalCloud) -> None:
    # GIVEN neighbours sharing its tags (their related boxes show it) and live coverage
    for number in range(3):
        publish(
            cloud,
            f"articles/vicino-{number}.md",
            article(f"Vicino {number}", date=f"2024-05-01T1{number}:00", tags=("Calcio",)),
        )
    publish(cloud, LIVE_KEY, live_upload(2))
    neighbours = {f"/sport/vicino-{n}/index.html" for n in range(3)}
    page = site_page(cloud, LIVE_PATH) or ""
    assert 'id="agg-2110"' in page
    assert "agg-2145" not in page
    assert any("consiglio" in (site_page(cloud, p.removesuffix("index.html")) or "")
               for p in neighbours)  # fmt: skip
    seen = len(cloud.invalidations())

    # WHEN the editor uploads the file again with one more update
    publish(cloud, LIVE_KEY, live_upload(3))

    # THEN the live page shows it first, and fronts show the time of the latest update
    page = site_page(cloud, LIVE_PATH) or ""
    assert page.index('id="agg-2145"') < page.index('id="agg-2110"') < page.index('id="agg-2040"')
    for front in ("/", "/sport/", "/tag/politica/"):
        assert "In diretta · agg. 21:45" in (site_page(cloud, front) or ""), front
    # and only the pages that show it changed: no neighbour's page was written again
    changed = new_paths(cloud, seen)
    assert f"{LIVE_PATH}index.html" in changed
    assert {"/index.html", "/sport/index.html", "/tag/politica/index.html"} <= changed
    assert not changed & neighbours
    articles_changed = {p for p in changed if p.count("/") == 3 and p.startswith("/sport/")}
    assert articles_changed == {f"{LIVE_PATH}index.html"}
    # a reader's browser keeps the live page no longer than an invalidation takes
    assert cache_control(cloud, LIVE_PATH) == LIVE_CACHE
    assert cache_control(cloud, "/sport/vicino-0/") == HTML_CACHE

    # WHEN the coverage ends (`live` removed, the updates kept)
    publish(cloud, LIVE_KEY, live_upload(3, live=False))

    # THEN the page says so, fronts no longer say "In diretta", the page caches as any other
    page = site_page(cloud, LIVE_PATH) or ""
    assert "Diretta conclusa" in page
    assert 'id="agg-2145"' in page
    assert "In diretta" not in (site_page(cloud, "/") or "")
    assert cache_control(cloud, LIVE_PATH) == HTML_CACHE


def test_a_correction_reaches_the_article_the_feeds_and_the_corrections_page(
    cloud: LocalCloud,
) -> None:
    # GIVEN a published article, and a site with no correction yet
    key, text = "articles/derby.md", article("Il derby finisce 2-1", date="2024-05-01T18:00")
    publish(cloud, key, text)
    corrections = site_page(cloud, "/correzioni/") or ""
    assert "Nessuna correzione finora." in corrections
    assert "/correzioni/" in (site_page(cloud, "/sport/derby/") or "")  # linked from the footer
    feed = site_page(cloud, "/sport/feed.xml") or ""
    guid = '<guid isPermaLink="true">https://www.nordmilanonotizie.example/sport/derby/</guid>'
    assert guid in feed

    # WHEN the editor uploads it again with a correction
    correction = (
        "corrections:\n  - at: 2024-05-02T09:15\n"
        "    text: 'Nella prima versione il risultato era 2-1: è finita **2-0**.'\n"
    )
    publish(cloud, key, text.replace("---\nTesto", f"{correction}---\nTesto", 1))

    # THEN the article shows it, dated, and says it was updated (here by the upload itself,
    # which the clock places later than the correction's own time)
    page = site_page(cloud, "/sport/derby/") or ""
    assert "Correzione del 02 Mag. 2024 alle 09:15" in page
    assert "è finita <strong>2-0</strong>" in page
    assert 'class="story__updated"' in page
    # /correzioni/ lists it with a link to the article
    corrections = site_page(cloud, "/correzioni/") or ""
    assert 'href="/sport/derby/"' in corrections
    assert "Nessuna correzione" not in corrections
    # and the feeds carry it as an update of the same item
    feed = site_page(cloud, "/sport/feed.xml") or ""
    assert feed.count(guid) == 1
    assert "Correzione del 02 Mag. 2024 alle 09:15: Nella prima versione" in feed
    assert "<dcterms:modified>" in feed  # when the item last changed

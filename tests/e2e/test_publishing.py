"""A newsroom's day on the local cloud: the samples published, then edited, deleted, re-sent.

One site (samples/, 26 articles and their pictures) is published once for the module; each
test then changes a different article and asserts what changed and, as much, what did
not: pages in the site bucket, items in the table, invalidations sent to CloudFront.
The unchanged re-upload runs first, while the site is exactly as published.
"""

from __future__ import annotations

from markupsafe import escape

from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.slugs import slugify
from tests.e2e.conftest import Run, covered
from tests.integration.pipeline_helpers import of_pages

NEW_ARTICLE = """---
title: "Bresso, il consiglio comunale approva il bilancio: più fondi per le scuole"
section: Bresso
date: 2024-05-03T18:30
tags: [Scuola, Consiglio comunale]
authors: [Redazione]
---
[textmarker color="E63631"]BRESSO[/textmarker] – Il consiglio comunale ha approvato ieri sera il
bilancio di previsione, con un aumento dei fondi destinati all'edilizia scolastica.

La seduta è durata fino a tarda sera.
"""


def test_the_samples_become_a_whole_site(samples_run: Run) -> None:
    run = samples_run
    articles = run.uploaded
    assert len(articles) == 26

    # THEN every article has its page, with its headline
    for article in articles.values():
        page = run.page(article.path)
        assert page is not None, article.path
        assert f"{escape(article.title)}</h1>" in page, article.path
    # every section and tag has its listing, linking its articles
    for article in articles.values():
        assert run.links_to(f"/{article.section.slug}/", article.path)
        for tag in article.tags:
            assert run.links_to(f"/tag/{tag.slug}/", article.path), (tag.slug, article.path)
    # the homepage, feeds, sitemaps, 404, stylesheet and the uploaded picture exist
    home = run.page("/")
    assert home is not None
    for section in run.site.sections:
        assert f'href="/{section.slug}/"' in home
    for path in ("/feed.xml", "/sitemap.xml", "/404.html"):
        assert run.page(path) is not None, path
    files = set(run.cloud.objects(run.cloud.site_bucket))
    assert "media/piazza-petazzi.jpg" in files
    assert any(f.startswith("assets/site.") and f.endswith(".css") for f in files)

    # THEN the table holds every article as published, and the counters agree
    for key in articles:
        stored = run.table.get(key)
        assert stored is not None, key
        assert stored.state.value == "published"
    expected = {s.slug: 0 for s in run.site.sections}
    for article in articles.values():
        expected[article.section.slug] += 1
    assert run.section_counts() == expected

    # THEN each page was written once, and one invalidation covers them all
    pages = sorted(f for f in files if not f.startswith(("media/", "cerca/pagefind/")))
    assert sorted(run.writes.written) == pages
    [invalidation] = of_pages(run.cloud.invalidations())
    for page_key in pages:
        assert covered("/" + page_key, invalidation["paths"]), page_key
    assert "/index.html" in invalidation["paths"]

    # and nothing is stuck or dead-lettered
    assert set(run.queue_depths().values()) == {0}
    assert all(run.cloud.report(key) is None for key in articles)


def test_an_unchanged_reupload_writes_nothing_and_invalidates_nothing(samples_run: Run) -> None:
    run = samples_run
    key = "articles/consiglio-comunale-bresso.md"
    text = NEW_ARTICLE
    run.put(key, text)
    run.cloud.run_until_quiet()
    assert run.page("/bresso/consiglio-comunale-bresso/") is not None
    first = run.table.get(key)
    mark, invalidations = run.writes.mark(), len(run.cloud.invalidations())
    calls_before = run.cloud.counter.calls.copy()

    # WHEN an editor uploads the very same file again
    run.put(key, text)
    run.cloud.run_until_quiet()

    # THEN it is committed (it is a newer upload) but no page changes and nothing is purged
    stored = run.table.get(key)
    assert stored is not None
    assert first is not None
    assert stored.order > first.order
    assert run.writes.since(mark) == ([], [])
    assert len(run.cloud.invalidations()) == invalidations
    calls = run.cloud.counter.calls - calls_before
    assert calls[("s3", "PutObject")] == 0
    assert calls[("cloudfront", "CreateInvalidation")] == 0


def test_an_unchanged_sample_reupload_after_the_batch_writes_nothing(samples_run: Run) -> None:
    run = samples_run
    key = "articles/massimo-carrera-spartak-mosca.md"
    original = run.cloud.clients.s3.get_object(Bucket=run.cloud.inbox, Key=key)["Body"].read()
    mark = run.writes.mark()

    run.put(key, original)
    run.cloud.run_until_quiet()

    assert run.writes.since(mark) == ([], [])


def test_an_update_moves_the_article_to_its_new_section_and_tags(samples_run: Run) -> None:
    run = samples_run
    key = "articles/bresso-emporio-solidale-primo-anno.md"
    old = run.uploaded[key]
    assert old.section.slug == "bresso"
    assert {t.slug for t in old.tags} == {"volontariato", "commercio"}
    counts_before = run.section_counts()
    mark, before = run.writes.mark(), len(run.cloud.invalidations())
    site_size = len(list(run.cloud.objects(run.cloud.site_bucket)))
    original = run.cloud.clients.s3.get_object(Bucket=run.cloud.inbox, Key=key)["Body"].read()

    # WHEN the editor moves it to Cologno Monzese and retags it
    text = original.decode().replace("section: Bresso", "section: Cologno Monzese")
    text = text.replace("tags: [Volontariato, Commercio]", "tags: [Volontariato, Ambiente]")
    assert text != original.decode()
    run.put(key, text)
    run.cloud.run_until_quiet()

    # THEN the page moved: the old address answers 301 to the new one, which shows it
    old_path = old.path
    new_path = f"/cologno-monzese/{old.slug}/"
    head = run.cloud.clients.s3.head_object(
        Bucket=run.cloud.site_bucket, Key=old_path.lstrip("/") + "index.html"
    )
    assert head["WebsiteRedirectLocation"] == new_path
    new_page = run.page(new_path)
    assert new_page is not None
    assert "Cologno Monzese" in new_page
    # the listings follow: old section and dropped tag no longer link it, new ones do
    assert not run.links_to("/bresso/", old_path)
    assert run.links_to("/cologno-monzese/", new_path)
    assert run.links_to("/tag/ambiente/", new_path)
    assert run.links_to("/tag/volontariato/", new_path)
    commercio = run.page("/tag/commercio/")
    assert commercio is None or old_path not in commercio
    assert new_path not in (commercio or "")
    home = run.page("/") or ""
    assert f'href="{old_path}"' not in home

    # THEN the table: the article is in its new section, the address claims moved
    stored = run.table.get(key)
    assert stored is not None
    assert stored.article is not None
    assert stored.article.section.slug == "cologno-monzese"
    assert run.table.path_owner(old_path) is None
    assert run.table.path_owner(new_path) == key
    counts = run.section_counts()
    assert counts["bresso"] == counts_before["bresso"] - 1
    assert counts["cologno-monzese"] == counts_before["cologno-monzese"] + 1
    tag = ListingId(ListingKind.TAG, slugify("Ambiente"))
    assert any(t.key == key for t in run.table.newest(tag, 50))

    # THEN only the pages it touched were written, and one invalidation purges them
    written, removed = run.writes.since(mark)
    assert removed == []  # the old page became its redirect
    assert {old_path.lstrip("/") + "index.html", new_path.lstrip("/") + "index.html"} <= set(
        written
    )
    assert 0 < len(written) < site_size / 2
    [paths] = run.invalidated_since(before)
    for page in (old_path, new_path, "/bresso/", "/cologno-monzese/", "/tag/ambiente/"):
        assert covered(page + "index.html", paths), page
    for page_key in written:
        assert covered("/" + page_key, paths), page_key


def test_a_delete_unpublishes_the_article_everywhere(samples_run: Run) -> None:
    run = samples_run
    key = "articles/cologno-m2-ascensori-stazione.md"
    article = run.uploaded[key]
    section = f"/{article.section.slug}/"
    assert run.links_to(section, article.path)
    counts_before = run.section_counts()
    mark, before = run.writes.mark(), len(run.cloud.invalidations())

    # WHEN the editor deletes the upload
    run.cloud.delete(key)
    run.cloud.run_until_quiet()

    # THEN its page is gone and no listing, feed or the homepage links it any more
    assert run.page(article.path) is None
    for page in ("/", section, "/feed.xml", f"{section}feed.xml"):
        assert article.path not in (run.page(page) or ""), page
    for tag in article.tags:
        assert article.path not in (run.page(f"/tag/{tag.slug}/") or ""), tag.slug

    # THEN the table keeps a tombstone and the counters dropped by one
    stored = run.table.get(key)
    assert stored is not None
    assert stored.state.value == "deleted"
    assert run.table.path_owner(article.path) is None
    counts = run.section_counts()
    assert counts[article.section.slug] == counts_before[article.section.slug] - 1
    assert sum(counts.values()) == sum(counts_before.values()) - 1

    # THEN one invalidation purges the removed page and the pages that listed it
    written, removed = run.writes.since(mark)
    assert article.path.lstrip("/") + "index.html" in removed
    [paths] = run.invalidated_since(before)
    for page in (article.path, section, "/"):
        assert covered(page + "index.html", paths), page
    for page_key in written + removed:
        assert covered("/" + page_key, paths), page_key

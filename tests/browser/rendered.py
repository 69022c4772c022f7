"""The sample site rendered to disk, as the browser and the W3C checker see it.

Every kind of page is here: the samples' articles, homepage, section and tag pages, feeds
and sitemaps (root-relative links, as on the CDN), plus what the samples lack: a second
page of a listing, an author page, an updated article, an article with a hostile title,
the "page moved" body of an old address, and `rotativa preview` of the seed (relative
links, opened from disk).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rotativa.domain.site import SiteSettings
from rotativa.rendering import Listing, SiteRenderer, page_key
from rotativa.services.validation import validate_upload
from rotativa_tools.cli._common import article_files, upload_key
from rotativa_tools.local.preview import write_preview
from tests.conftest import SAMPLES
from tests.indexed_folder import IndexedFolder

SEED_FILE = SAMPLES / "articles" / "massimo-carrera-spartak-mosca.md"
SEED_PATH = "/sesto-san-giovanni/massimo-carrera-spartak-mosca/"
HOSTILE_PATH = "/sport/titolo-ostile/"
# The pinned lead story, rendered as if uploaded again five hours after publication.
UPDATED_PATH = "/sesto-san-giovanni/sesto-piazza-petazzi-riqualificazione/"
# An old address: its object holds the "page moved" page, which the CDN answers with a 301.
MOVED_PATH = "/sport/vecchio-indirizzo/"
MOVED_TARGET = "/sport/some-article/"
HOSTILE_TITLE = '</script><script>alert("x")</script> <!-- & "virgolette" \'apici\' <b>'
HOSTILE_UPLOAD = f"""---
title: {json.dumps(HOSTILE_TITLE)}
section: Sport
date: 2024-05-02T10:00:00
slug: titolo-ostile
tags: ["<i>corsivo</i>", "A & B"]
authors: ["<Mario> \\"Rossi\\""]
summary: "</script> e <!-- commento"
image:
  src: "media/piazza-petazzi.jpg"
  alt: "\\"><script>alert(1)</script>"
  caption: "</figcaption><p>x</p>"
---
[textmarker color="E63631"]SESTO[/textmarker] – Testo con <script>alert(1)</script> e
<img src="x" onerror="alert(1)"> e un [link](javascript:alert(1)).

# Titolo nel testo

### Sottotitolo

Fine.
"""


@dataclass(frozen=True)
class RenderedSite:
    site_root: Path  # served over HTTP, root-relative links
    preview_root: Path  # `rotativa preview` of the seed, opened from disk

    def html_files(self) -> list[Path]:
        return sorted([*self.site_root.rglob("*.html"), *self.preview_root.rglob("*.html")])

    def asset_files(self) -> list[Path]:
        return sorted(
            p for p in (self.site_root / "assets").iterdir() if p.suffix in {".css", ".svg"}
        )


def sample_folder(settings: SiteSettings) -> IndexedFolder:
    return IndexedFolder(settings, SAMPLES, with_media=True)


def render_samples(out: Path) -> RenderedSite:
    settings = SiteSettings.from_file(SAMPLES / "site.yaml")
    folder = sample_folder(settings)
    renderer = SiteRenderer(settings)
    pages = folder.pages(renderer)  # bucket key → bytes
    teasers = folder.teasers()

    # A listing's middle page, and an author's page: the samples are too few for either.
    pages[page_key("/sport/page/2/")] = renderer.listing_page(
        Listing(
            kind="section",
            name="Sport",
            path="/sport/page/2/",
            articles=tuple(teasers[:20]),
            page=2,
            newer_path="/sport/",
            older_path="/sport/page/3/",
            feed_path="/sport/feed.xml",
        )
    )
    pages[page_key("/autore/redazione/")] = renderer.listing_page(
        Listing(
            kind="author",
            name="Redazione",
            path="/autore/redazione/",
            articles=tuple(t for t in teasers if "Redazione" in t.authors),
        )
    )
    # A later page of an author (the samples' own page 1 answers 301: it copies the front).
    pages[page_key("/autore/redazione/page/2/")] = renderer.listing_page(
        Listing(
            kind="author",
            name="Redazione",
            path="/autore/redazione/page/2/",
            articles=tuple(t for t in teasers if "Redazione" in t.authors),
            page=2,
            newer_path="/autore/redazione/",
            older_path="/autore/redazione/page/1/",
        )
    )
    # An article updated after publication, with its image and a subheading.
    lead = next(a for a in folder.articles if a.article.path == UPDATED_PATH)
    assert lead.article.image is not None
    pages[page_key(lead.article.path)] = renderer.article_page(
        lead.article,
        published=lead.published,
        updated=lead.published + timedelta(hours=5, minutes=20),
        related=folder.related(lead),
        pictures=lead.stored.pictures,
    )
    # A hostile upload: the page must stay valid and inert.
    report = validate_upload("articles/titolo-ostile.md", HOSTILE_UPLOAD.encode(), settings)
    assert report.article is not None, report.problems
    hostile = report.article
    assert hostile.path == HOSTILE_PATH
    pages[page_key(HOSTILE_PATH)] = renderer.article_page(
        hostile, published=hostile.date or lead.published, updated=None, related=teasers[:5]
    )

    # An old address's body, for readers whose client does not follow the 301.
    pages[page_key(MOVED_PATH)] = renderer.moved_page(MOVED_TARGET)

    site_root = out / "site"
    for key, body in pages.items():
        target = site_root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    for key, body in folder.media.objects.items():  # the pictures as the cloud publishes them
        target = site_root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)

    preview_root = out / "preview"
    neighbours = [(f, upload_key(f)) for f in article_files(SAMPLES / "articles")]
    preview = write_preview((SEED_FILE, upload_key(SEED_FILE)), neighbours, preview_root, settings)
    assert preview.index is not None
    return RenderedSite(site_root, preview_root)

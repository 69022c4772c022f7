"""`rotativa preview`: one article's page, rendered into a folder that opens from disk.

The preview is the cloud's page, not a look-alike: the article and its neighbours (the
other articles of its folder) are handled by the ValidateFunction's `Ingest` and indexed
by the IndexFunction's `Indexer` into the in-memory twin of the articles table (the
article shown even while a draft or embargoed: `services.rebuild.shown_published`), and
rendered by the RenderFunction's `PageRenderer`, so its headline, dateline, body and
"Articoli correlati" box are those the cloud would publish. Only the link style differs: "files",
relative links ending in `index.html`.

The page is written as `DIR/index.html`, its stylesheet and icons under `DIR/assets/`, its
images under `DIR/media/` as the cloud publishes them (a picture as its variants, made by
the ValidateFunction's picture desk from the content folder's file, only for the pictures
the written pages show), and the pages it links to (its related articles, the sections,
its tags and authors, the feeds and sitemaps) where their links lead, so that the links
work offline. Other articles' pages are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from rotativa import clock
from rotativa.adapters.folder import (
    FolderBucket,
    FolderInbox,
    FolderSiteMedia,
    media_uploads,
    read_upload,
)
from rotativa.adapters.memory import MemoryBucket, MemoryTable, NoInvalidations
from rotativa.domain.inbox import FileUpload
from rotativa.domain.markdown import render_body
from rotativa.domain.pages import HOME_PATH, ListingId, ListingKind, PageKind, PageRef, object_key
from rotativa.domain.records import StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.domain.twins import twin_of
from rotativa.rendering import SiteRenderer, media_path
from rotativa.services.rebuild import index_uploads, site_pages
from rotativa.services.rendering import PageRenderer
from rotativa.services.validation import ValidationReport, validate_upload

_BODY_MEDIA = re.compile(r'\ssrc="/?(media/[^"]+)"')


@dataclass(frozen=True)
class Preview:
    """What a preview wrote, or the report of the article that could not be previewed."""

    report: ValidationReport
    index: Path | None = None
    pages: int = 0
    media: tuple[str, ...] = ()
    media_missing: tuple[str, ...] = ()
    media_folder: Path | None = None


def media_folder_for(article_file: Path) -> Path | None:
    """The `media/` folder beside the `articles/` folder that holds the file, if any."""
    folder = article_file.resolve().parent
    for ancestor in (folder, *folder.parents):
        if ancestor.name == "articles" and (ancestor.parent / "media").is_dir():
            return ancestor.parent / "media"
    for candidate in (folder / "media", folder.parent / "media"):
        if candidate.is_dir():
            return candidate
    return None


def render_preview(
    article: tuple[Path, str],
    neighbours: Sequence[tuple[Path, str]],
    site: SiteSettings,
    now: datetime,
) -> tuple[ValidationReport, MemoryBucket, MemoryTable]:
    """The preview's pages of `article` (its file and upload key) among `neighbours`, as
    bucket objects (the article's page also at `index.html`), and the table they came
    from; no pages when the article is invalid."""
    path, key = article
    previewed = read_upload(key, path)
    report = validate_upload(key, previewed.data, site, now=now)
    bucket, table = MemoryBucket(), MemoryTable()
    if report.article is None:
        return report, bucket, table
    uploads = [read_upload(k, p) for p, k in neighbours if k != key]
    at = next((i for i, (p, k) in enumerate(neighbours) if k == key), len(uploads))
    uploads.insert(at, previewed)  # a new article is published after the others
    table = published_folder(site, uploads, key, report.article.path, now, bucket)
    source = media_folder_for(path)
    if source is not None:
        # The media the pages show, published now that the articles are stored: the
        # articles that show a picture are stored again with it, as in the cloud.
        media = media_uploads(source.parent, [unquote(m) for m in _local_media(table)])
        inbox = FolderInbox(media)
        index_uploads(site, table, inbox, media, now, media=FolderSiteMedia(inbox, bucket))
    stored = table.get(key)
    assert stored is not None
    assert stored.visible
    renderer = PageRenderer(
        site, table, bucket, NoInvalidations(), SiteRenderer(site, link_style="files")
    )
    renderer.render(_neighbourhood(table, stored, site), now)
    bucket.put_if_changed(
        object_key(HOME_PATH),
        renderer.article_page(stored, at=HOME_PATH),
        content_type="text/html; charset=utf-8",
        cache_control="no-cache",
    )
    return report, bucket, table


def published_folder(
    site: SiteSettings,
    uploads: list[FileUpload],
    key: str,
    address: str,
    now: datetime,
    bucket: MemoryBucket | None = None,
) -> MemoryTable:
    """The folder published as the cloud would publish it, with the upload `key` (at
    `address`) shown. The cloud refuses a file while its Markdown twin, or an earlier file
    with its address, is in the inbox; but the file previewed is the one the editor means to
    publish, so the file in its way is left out and the folder published again."""
    while True:
        table = MemoryTable()
        inbox = FolderInbox(uploads)
        media = FolderSiteMedia(inbox, bucket) if bucket is not None else None
        rejected = index_uploads(site, table, inbox, uploads, now, shown=key, media=media)
        refused = next((r for r in rejected if r.key == key), None)
        if refused is None:
            return table
        codes = {str(problem.get("code")) for problem in refused.report.get("errors", ())}
        holder = twin_of(key) if "name_twin" in codes else table.path_owner(address)
        if holder is None or holder == key or all(u.key != holder for u in uploads):
            raise RuntimeError(f"{key} is valid and refused, with nothing in its way")
        uploads = [upload for upload in uploads if upload.key != holder]


def write_preview(
    article: tuple[Path, str],
    neighbours: Sequence[tuple[Path, str]],
    out: Path,
    site: SiteSettings,
    now: datetime | None = None,
) -> Preview:
    """Render `article` (its file and upload key) among `neighbours` into `out`, with the
    images the pages show copied from the content folder's `media/`."""
    report, bucket, table = render_preview(article, neighbours, site, now or clock.now())
    if report.article is None:
        return Preview(report)
    folder = FolderBucket(out)
    for key, body in sorted(bucket.objects.items()):
        folder.put_if_changed(key, body, content_type="", cache_control="")
    source = media_folder_for(article[0])
    copied: list[str] = []
    missing: list[str] = []
    for media in _local_media(table):
        relative = unquote(media)  # `media/a%20b.jpg` is the file `media/a b.jpg`
        (copied if relative in bucket.objects else missing).append(relative)
    return Preview(
        report,
        index=out / object_key(HOME_PATH),
        pages=sum(1 for key in bucket.objects if not key.startswith("assets/")),
        media=tuple(copied),
        media_missing=tuple(missing),
        media_folder=source,
    )


def _neighbourhood(table: MemoryTable, stored: StoredArticle, site: SiteSettings) -> list[PageRef]:
    """The site's pages the article's page links to: itself, its related articles, every
    page of the sections, of its tags and of its authors, the corrections (every footer
    links there), the feeds, the sitemaps, the 404 page and the assets. Not the homepage:
    the preview's `index.html` is the article."""
    assert stored.article is not None
    article = stored.article
    articles = {stored.key, *table.related(stored.key)}
    listings = {
        *(ListingId(ListingKind.SECTION, s.slug) for s in site.sections),
        ListingId(ListingKind.SECTION, article.section.slug),
        *(ListingId(ListingKind.TAG, tag.slug) for tag in article.tags),
        *(ListingId(ListingKind.AUTHOR, slugify(a)) for a in article.authors if slugify(a)),
        ListingId(ListingKind.CORRECTIONS),
    }
    return [
        ref
        for ref in site_pages(table, site)
        if (ref.kind is not PageKind.ARTICLE or ref.ref in articles)
        and (ref.kind is not PageKind.LISTING or ListingId.parse(ref.ref) in listings)
        and ref.kind is not PageKind.HOME
    ]


def _local_media(table: MemoryTable) -> list[str]:
    """The site's own media the visible articles show (`media/x.jpg`), without repeats:
    their pages, and the listings and boxes their teasers appear in, may show them."""
    found: dict[str, None] = {}
    for stored in table.articles():
        if not stored.visible or stored.article is None:
            continue
        image = stored.article.image
        if image is not None and image.is_local:
            found.setdefault(media_path(image.src).lstrip("/"))
        for match in _BODY_MEDIA.finditer(render_body(stored.article.body).html):
            found.setdefault(media_path(match.group(1)).lstrip("/"))
    return list(found)

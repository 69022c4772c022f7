"""`rotativa preview`: one article's page, rendered into a folder that opens from disk.

The page is written as `DIR/index.html` with relative links (the "files" link style), its
stylesheet and icons under `DIR/assets/`, its images under `DIR/media/`. When the file
sits among other articles, they are its neighbours: they fill its "Articoli correlati"
box exactly as in the cloud (`domain.related`), and the pages it links to (those
articles, its section, its tags, its authors) are written too, so that the links work
offline.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from rotativa.domain.messages import Language
from rotativa.domain.site import SiteSettings
from rotativa.rendering.folder import FolderArticle, FolderSite, published_at
from rotativa.rendering.paths import HOME_PATH, page_key
from rotativa.rendering.renderer import SiteRenderer
from rotativa.services.validation import ValidationReport, validate_upload

PREVIEW_MESSAGES: dict[str, dict[Language, str]] = {
    "written": {
        "it": "anteprima pronta: apri {index} (pagine: {pages}, immagini: {media})",
        "en": "preview ready: open {index} (pages: {pages}, images: {media})",
    },
    "media_missing": {
        "it": "immagine non trovata: {path} (cercata in {folder})",
        "en": "image not found: {path} (looked for in {folder})",
    },
    "invalid": {
        "it": "l'articolo non è valido: nessuna anteprima scritta",
        "en": "the article is not valid: no preview written",
    },
}


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


def write_preview(
    article: tuple[Path, str],
    neighbours: Sequence[tuple[Path, str]],
    out: Path,
    site: SiteSettings,
) -> Preview:
    """Render `article` (its file and upload key) among `neighbours` into `out`."""
    path, key = article
    report = validate_upload(key, path.read_bytes(), site)
    if report.article is None:
        return Preview(report)
    others = [(p, k) for p, k in neighbours if k != key]
    folder = FolderSite.load(
        [p for p, _ in others], site, keys=[k for _, k in others]
    ).with_article(FolderArticle(path, report.article, published_at(report, path)))
    entry = next(a for a in folder.articles if a.article.key == key)
    renderer = SiteRenderer(site, link_style="files")
    pages = folder.neighbourhood(entry, renderer)
    pages[HOME_PATH] = renderer.article_page(
        entry.article,
        published=entry.published,
        updated=None,
        related=folder.related(entry),
        at=HOME_PATH,
    )
    for site_path, body in sorted(pages.items()):
        target = out / page_key(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    source = media_folder_for(path)
    copied: list[str] = []
    missing: list[str] = []
    for media in folder.media():
        relative = unquote(media)  # `media/a%20b.jpg` is the file `media/a b.jpg`
        found = source.parent / relative if source is not None else None
        if found is not None and found.is_file() and source in found.resolve().parents:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found, out / relative)
            copied.append(relative)
        else:
            missing.append(relative)
    return Preview(
        report,
        index=out / page_key(HOME_PATH),
        pages=sum(1 for p in pages if not p.startswith("/assets/")),
        media=tuple(copied),
        media_missing=tuple(missing),
        media_folder=source,
    )

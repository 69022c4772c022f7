"""A whole site rendered from a folder of article files: the preview, the samples, the tests.

The cloud builds its pages from the indexes in DynamoDB; on a laptop the same pages come
from a folder of uploads. Everything each page shows is decided here the way a newsroom
expects (pinned lead story, each section's latest, related articles from
`domain.related`), and `SiteRenderer` turns it into bytes. Files are read only in
`FolderSite.load`; the rest is pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.markdown import render_body
from rotativa.domain.pages import ListingId, ListingKind, feed_path
from rotativa.domain.related import TagStatistics, related_articles
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering.listing import (
    FEED_SIZE,
    Listing,
    SectionBlock,
    paginate,
    sort_newest_first,
)
from rotativa.rendering.paths import (
    FEED_PATH,
    HOME_PATH,
    NEWS_SITEMAP_PATH,
    NOT_FOUND_PATH,
    SITEMAP_PATH,
    author_path,
    media_path,
    section_feed_path,
    section_path,
    tag_path,
)
from rotativa.rendering.renderer import SitemapEntry, SiteRenderer
from rotativa.services.validation import ValidationReport, validate_upload

_BODY_MEDIA = re.compile(r'\ssrc="/?(media/[^"]+)"')


@dataclass(frozen=True)
class FolderArticle:
    """An article read from a file, with when it counts as published."""

    source: Path
    article: Article
    published: datetime

    @property
    def teaser(self) -> ArticleTeaser:
        return self.article.teaser(self.published)


class FolderSite:
    """The published articles of a folder, and every page the site makes of them."""

    def __init__(
        self,
        site: SiteSettings,
        articles: Iterable[FolderArticle],
        rejected: Iterable[ValidationReport] = (),
    ) -> None:
        self.site = site
        self.articles = tuple(sorted(articles, key=lambda a: a.article.key))
        self.rejected = tuple(rejected)
        self._teasers = sort_newest_first([a.teaser for a in self.articles])

    @classmethod
    def load(cls, files: Iterable[Path], site: SiteSettings, *, keys: Iterable[str]) -> FolderSite:
        """Validate each file as the cloud would; drafts and invalid files are left out."""
        articles: list[FolderArticle] = []
        rejected: list[ValidationReport] = []
        for path, key in zip(files, keys, strict=True):
            report = validate_upload(key, path.read_bytes(), site)
            if report.article is None:
                rejected.append(report)
            elif not report.article.is_draft:
                articles.append(FolderArticle(path, report.article, published_at(report, path)))
        return cls(site, articles, rejected)

    def with_article(self, extra: FolderArticle) -> FolderSite:
        """This site with `extra` in it (replacing the article of the same key): a preview
        shows a draft among the published articles around it."""
        others = [a for a in self.articles if a.article.key != extra.article.key]
        return FolderSite(self.site, [*others, extra], self.rejected)

    # --- what each page shows -------------------------------------------------------------

    def teasers(self) -> list[ArticleTeaser]:
        """Every article's teaser, newest first."""
        return list(self._teasers)

    def tag_statistics(self) -> TagStatistics:
        counts = Counter(tag.slug for a in self.articles for tag in a.article.tags)
        return TagStatistics(dict(sorted(counts.items())), len(self.articles))

    def related(
        self, entry: FolderArticle, stats: TagStatistics | None = None
    ) -> list[ArticleTeaser]:
        return related_articles(
            entry.teaser,
            self.teasers(),
            stats or self.tag_statistics(),
            pinned=entry.article.related,
        )

    def lead(self) -> ArticleTeaser | None:
        """The newest pinned article; without one, the newest article."""
        teasers = self.teasers()
        pinned = [t for t in teasers if t.pinned]
        chosen = pinned or teasers
        return chosen[0] if chosen else None

    def blocks(self) -> list[SectionBlock]:
        """Each configured section's latest articles, leaving out the lead story."""
        lead = self.lead()
        teasers = [t for t in self.teasers() if lead is None or t.key != lead.key]
        return [
            SectionBlock(
                section,
                tuple(t for t in teasers if t.section.slug == section.slug)[
                    : section.homepage_count
                ],
            )
            for section in self.site.sections
        ]

    def newest(self) -> datetime | None:
        teasers = self.teasers()
        return max((t.modified for t in teasers), default=None)

    # --- every page -----------------------------------------------------------------------

    def pages(self, renderer: SiteRenderer) -> dict[str, bytes]:
        """Site path → bytes of every page, feed, sitemap and asset, in path order."""
        pages = self._shared_pages(renderer, listings=None)
        stats = self.tag_statistics()
        for entry in self.articles:
            pages[entry.article.path] = self._article_page(entry, renderer, stats)
        pages[HOME_PATH] = renderer.home_page(lead=self.lead(), blocks=self.blocks())
        pages[NOT_FOUND_PATH] = renderer.not_found_page()
        return dict(sorted(pages.items()))

    def neighbourhood(self, entry: FolderArticle, renderer: SiteRenderer) -> dict[str, bytes]:
        """What one article's page links to, so that a preview's links work from disk: its
        related articles' pages, the sections, its tags, its authors, the feeds, the
        sitemaps, the assets. Other articles' pages are left out: their related boxes cost
        the most."""
        wanted = {
            *(section_path(s.slug) for s in self.site.sections),
            *(tag_path(tag.slug) for tag in entry.article.tags),
            *(author_path(slugify(name)) for name in entry.article.authors if slugify(name)),
        }
        pages = self._shared_pages(renderer, listings=wanted)
        stats = self.tag_statistics()
        by_key = {a.article.key: a for a in self.articles}
        for shown in [entry, *(by_key[t.key] for t in self.related(entry, stats))]:
            pages[shown.article.path] = self._article_page(shown, renderer, stats)
        return dict(sorted(pages.items()))

    def _article_page(
        self, entry: FolderArticle, renderer: SiteRenderer, stats: TagStatistics
    ) -> bytes:
        return renderer.article_page(
            entry.article,
            published=entry.published,
            updated=None,
            related=self.related(entry, stats),
        )

    def _shared_pages(
        self, renderer: SiteRenderer, *, listings: set[str] | None
    ) -> dict[str, bytes]:
        """Assets, listings (all, or those whose first page is in `listings`, with their
        feeds when they have one of their own), feeds and sitemaps."""
        pages: dict[str, bytes] = dict(renderer.asset_files())
        teasers = self.teasers()
        entries = [SitemapEntry(a.article.path, a.published) for a in self.articles]
        newest = self.newest()
        if newest is not None:
            entries.append(SitemapEntry(HOME_PATH, newest))
        for path, listing_pages, last in self._listings(teasers):
            if listings is None or path in listings:
                for listing in listing_pages:
                    pages[listing.path] = renderer.listing_page(listing)
                front = listing_pages[0]
                if front.kind == "author" and front.feed_path:
                    pages[front.feed_path] = renderer.feed(
                        title=f"{front.name} – {self.site.name}",
                        page_path=path,
                        feed_path=front.feed_path,
                        articles=[a for page in listing_pages for a in page.articles][:FEED_SIZE],
                    )
            if last is not None:
                entries.append(SitemapEntry(path, last))
        pages[FEED_PATH] = renderer.feed(
            title=self.site.name,
            page_path=HOME_PATH,
            feed_path=FEED_PATH,
            articles=teasers[:FEED_SIZE],
        )
        for section in self.site.sections:
            in_section = [t for t in teasers if t.section.slug == section.slug]
            feed_path = section_feed_path(section.slug)
            pages[feed_path] = renderer.feed(
                title=f"{section.name} – {self.site.name}",
                page_path=section_path(section.slug),
                feed_path=feed_path,
                articles=in_section[:FEED_SIZE],
            )
        pages[SITEMAP_PATH] = renderer.sitemap(entries)
        if newest is not None:
            pages[NEWS_SITEMAP_PATH] = renderer.news_sitemap(teasers, now=newest)
        return pages

    def _listings(
        self, teasers: list[ArticleTeaser]
    ) -> Iterator[tuple[str, list[Listing], datetime | None]]:
        for section in self.site.sections:
            chosen = [t for t in teasers if t.section.slug == section.slug]
            path = section_path(section.slug)
            listings = list(
                paginate(
                    "section",
                    section.name,
                    path,
                    chosen,
                    feed_path=section_feed_path(section.slug),
                )
            )
            yield path, listings, chosen[0].date if chosen else None
        names: dict[str, str] = {}
        for teaser in reversed(teasers):  # the oldest spelling of a tag names its page
            for tag in teaser.tags:
                names.setdefault(tag.slug, tag.name)
        for slug, name in sorted(names.items()):
            chosen = [t for t in teasers if any(tag.slug == slug for tag in t.tags)]
            path = tag_path(slug)
            yield path, list(paginate("tag", name, path, chosen)), chosen[0].date
        # Authors as the cloud lists them: by `slugify(name)`, named as the newest article
        # spells them, with a feed; a name with no letter or digit has no page.
        authors: dict[str, str] = {}
        for teaser in teasers:
            for name in teaser.authors:
                if slugify(name):
                    authors.setdefault(slugify(name), name)
        for slug, name in sorted(authors.items()):
            chosen = [t for t in teasers if any(slugify(a) == slug for a in t.authors)]
            path = author_path(slug)
            feed = feed_path(ListingId(ListingKind.AUTHOR, slug))
            listing_pages = paginate("author", name, path, chosen, feed_path=feed)
            yield path, list(listing_pages), chosen[0].date

    def media(self, articles: Iterable[FolderArticle] | None = None) -> list[str]:
        """The site's own media the articles show: `media/x.jpg` paths, without repeats."""
        found: dict[str, None] = {}
        for entry in self.articles if articles is None else articles:
            image = entry.article.image
            if image is not None and image.is_local:
                found.setdefault(media_path(image.src).lstrip("/"))
            for match in _BODY_MEDIA.finditer(render_body(entry.article.body).html):
                found.setdefault(media_path(match.group(1)).lstrip("/"))
        return list(found)


def published_at(report: ValidationReport, path: Path) -> datetime:
    """When an article counts as published: its date, its embargo, or its file's time."""
    article = report.article
    assert article is not None
    moment = article.date or article.publish_at
    if moment is not None:
        return moment
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)

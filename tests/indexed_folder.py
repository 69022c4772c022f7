"""A content folder as the cloud would hold it, for tests that need its pages' inputs.

The folder's uploads are published into the in-memory twin of the articles table
(`services.rebuild.index_uploads`: the ValidateFunction's `Ingest`, the IndexFunction's
`Indexer`), and
everything a page shows is read back the way `PageRenderer` reads it: the related boxes
the indexer kept, the homepage the one rule (`domain.frontpage`) chooses, every page of
`site_pages` rendered by `PageRenderer`. Nothing here decides what a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rotativa.adapters.folder import FolderInbox, FolderSiteMedia, media_uploads, read_uploads
from rotativa.adapters.memory import MemoryBucket, MemoryTable, NoInvalidations
from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.frontpage import SectionBlock
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.records import StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SiteRenderer
from rotativa.services.rebuild import Rejected, index_uploads, site_pages
from rotativa.services.rendering import PageRenderer

#: After the samples' newest date, so that they are all published and none is "news".
SAMPLES_NOW = datetime(2024, 5, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One visible article of the folder, with the date its page shows."""

    stored: StoredArticle

    @property
    def article(self) -> Article:
        assert self.stored.article is not None
        return self.stored.article

    @property
    def published(self) -> datetime:
        return self.stored.published

    @property
    def teaser(self) -> ArticleTeaser:
        return self.stored.teaser()


class IndexedFolder:
    def __init__(
        self,
        site: SiteSettings,
        folder: Path,
        now: datetime = SAMPLES_NOW,
        *,
        with_media: bool = False,
    ) -> None:
        """`with_media`: the folder's media are published too (pictures decoded into their
        variants, in `self.media`), and the articles stored with the pictures they show."""
        self.site = site
        self.now = now
        self.table = MemoryTable()
        self.media = MemoryBucket()
        uploads = [*(media_uploads(folder) if with_media else ()), *read_uploads(folder)]
        inbox = FolderInbox(uploads)
        self.rejected: list[Rejected] = index_uploads(
            site,
            self.table,
            inbox,
            uploads,
            now,
            media=FolderSiteMedia(inbox, self.media) if with_media else None,
        )
        self.articles = tuple(Entry(s) for s in self.table.articles() if s.visible)

    def entry(self, key: str) -> Entry:
        return next(a for a in self.articles if a.stored.key == key)

    def teasers(self) -> list[ArticleTeaser]:
        """Every visible article's teaser, newest first (the months' listings)."""
        return [
            teaser
            for month in self.table.months()
            for teaser in self.table.members(ListingId(ListingKind.MONTH, month))
        ]

    def related(self, entry: Entry) -> list[ArticleTeaser]:
        """The box the indexer keeps for the article, in its order."""
        return list(self.table.teasers(self.table.related(entry.stored.key)).values())

    def _pages(self, renderer: SiteRenderer | None = None) -> PageRenderer:
        return PageRenderer(self.site, self.table, MemoryBucket(), NoInvalidations(), renderer)

    def lead(self) -> ArticleTeaser | None:
        return self._pages().front_page().lead

    def blocks(self) -> list[SectionBlock]:
        return list(self._pages().front_page().blocks)

    def pages(self, renderer: SiteRenderer) -> dict[str, bytes]:
        """Bucket key → bytes of every page the site has, rendered by `PageRenderer`."""
        bucket = MemoryBucket()
        pages = PageRenderer(self.site, self.table, bucket, NoInvalidations(), renderer)
        pages.render(site_pages(self.table, self.site), self.now)
        return dict(sorted(bucket.objects.items()))

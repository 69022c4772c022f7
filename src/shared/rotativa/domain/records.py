"""What the articles table holds about one upload, and what the site shows of it.

The table is the commit point: a `StoredArticle` is the fact "this upload is now this",
written by the ValidateFunction only when newer than what it replaces. Everything after
it (indexes, pages, invalidations) is derived from it and from nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.pictures import Focus, PictureRef, media_key_of
from rotativa.domain.slugs import slugify


class ArticleState(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # valid, waiting for its `publish_at` (a schedule will publish it)
    EXPIRED = "expired"  # past its `expires_at`: kept, and its address with it, but not shown
    DELETED = "deleted"  # a tombstone: keeps the order so an older put cannot resurrect it


def body_digest(body: str) -> str:
    """Which Markdown body a kept HTML was made from."""
    return hashlib.sha256(body.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class KeptBody:
    """A body's sanitised HTML as validation made it, and the body it was made from: an
    article whose body is not that one (changed by any other path) renders its own."""

    html: str
    digest: str

    @classmethod
    def of(cls, body: str, html: str) -> KeptBody | None:
        return cls(html, body_digest(body)) if html else None


@dataclass(frozen=True)
class StoredArticle:
    key: str
    order: str
    state: ArticleState
    received_at: datetime
    version_id: str | None = None
    article: Article | None = None
    first_published: datetime | None = None
    updated: datetime | None = None
    # The site's pictures the article shows (its image, its body's), as ingest found them
    # made (issue 14): the pages name their variants from these alone. A picture made or
    # replaced later is written in by `services.media`, as a new commit of this item.
    pictures: tuple[PictureRef, ...] = ()
    # The body's sanitised HTML as validation rendered it (`domain.markdown.render_body`, of
    # BODY_FORMAT), so that a page or a rebuild never parses the Markdown again; None when
    # not kept (an older item, another format, or too large for the item): render it then.
    kept_body: KeptBody | None = None

    @property
    def body_html(self) -> str | None:
        """The kept HTML, when it was made from the body the article holds now."""
        kept = self.kept_body
        if kept is None or self.article is None or kept.digest != body_digest(self.article.body):
            return None
        return kept.html

    @property
    def visible(self) -> bool:
        """Whether the site shows it. Only the state says so, never the clock: an embargo
        ends and an expiry comes by a write to the table (a schedule firing), so that its
        stream record carries the change to the indexes like any upload does."""
        return self.state is ArticleState.PUBLISHED and self.article is not None

    @property
    def published(self) -> datetime:
        """The date the site shows: the article's own, else when it was first published."""
        if self.article is not None and self.article.date is not None:
            return self.article.date
        return self.first_published or self.received_at

    def teaser(self) -> ArticleTeaser:
        if self.article is None:
            raise ValueError(f"{self.key} has no article")
        teaser = self.article.teaser(self.published, self.updated)
        image = self.article.image
        hero = self.picture(image.src, image.focus) if image is not None else None
        return teaser if hero is None else teaser.model_copy(update={"picture": hero})

    def picture(self, src: str, focus: Focus | None = None) -> PictureRef | None:
        """The made picture `src` names (cropped around `focus`, when given), or None."""
        key = media_key_of(src)
        for ref in self.pictures:
            if ref.src == key and (focus is None or ref.focus == focus):
                return ref
        return None

    @property
    def path(self) -> str | None:
        return self.article.path if self.article is not None else None


class CommitOutcome(StrEnum):
    COMMITTED = "committed"
    STALE = "stale"  # the table already holds this or a newer version of the upload
    PATH_TAKEN = "path-taken"  # another upload owns the section/slug address


@dataclass(frozen=True)
class Commit:
    """What the commit point answered a write of a `StoredArticle` (the articles table
    decides it; ingest acts on it)."""

    outcome: CommitOutcome
    owner: str | None = None  # for PATH_TAKEN: the upload that has the address


@dataclass(frozen=True)
class ArticleChange:
    """One change of an upload's article item, as the table's stream tells it: which
    upload, and the state the change replaced (None: there was none). The new state is
    read from the table when the change is indexed, never taken from the record."""

    key: str
    old: StoredArticle | None


def sort_key(published: datetime, key: str) -> str:
    """Listing order: by publication time (UTC, so it sorts as text), then by upload key."""
    return f"{published.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}#{key}"


def month_of(published: datetime) -> str:
    return published.astimezone(UTC).strftime("%Y-%m")


def memberships(stored: StoredArticle) -> dict[ListingId, str]:
    """Every listing the article belongs to while visible, with its sort key there."""
    if not stored.visible or stored.article is None:
        return {}
    article = stored.article
    position = sort_key(stored.published, stored.key)
    listings = {
        ListingId(ListingKind.SECTION, article.section.slug),
        ListingId(ListingKind.MONTH, month_of(stored.published)),
        *(ListingId(ListingKind.TAG, tag.slug) for tag in article.tags),
        *(
            ListingId(ListingKind.AUTHOR, slugify(name))
            for name in article.authors
            if slugify(name)
        ),
    }
    if article.pinned:
        listings.add(ListingId(ListingKind.PINNED))
    found = dict.fromkeys(sorted(listings), position)
    if article.corrections:  # /correzioni/: by the newest correction, not the article's date
        found[ListingId(ListingKind.CORRECTIONS)] = sort_key(article.corrections[0].at, stored.key)
    return found

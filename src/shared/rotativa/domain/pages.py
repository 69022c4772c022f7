"""Every page of the site, as a small value the pipeline can queue, dedupe and render.

A `PageRef` names a page by what it shows (an article, a listing page, a feed…), never by
its bytes: the RenderFunction reads the table when it renders, so duplicated or reordered
render requests converge on the latest state.

Listing pages (section, tag, author) paginate in stable buckets of 20 counted from the
oldest article: `/sport/page/1/` holds the 20 oldest, `/sport/page/2/` the next 20, and the
front `/sport/` the newest 20. Publishing the newest article then changes the front and one
bucket (two when a bucket fills up) instead of shifting every page of the section, which is
what keeps the work of one publish flat as the site grows.

A bucket that holds exactly the front's articles (the only bucket of a listing of 20 or
fewer, or the last one when the total is a multiple of 20) is not a second copy of the
front: it answers a 301 to the front, and the "newer" link that would lead to it leads to
the front instead (`bucket_is_front`, `newer_page`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote, unquote

PER_PAGE = 20  # articles on one page of a section, tag or author
FEED_SIZE = 50  # items in a feed
NEWS_WINDOW = timedelta(hours=48)  # how recent an article the news sitemap lists (Google's rule)
NEWS_SITEMAP_LIMIT = 1_000  # URLs one news sitemap may hold (Google's rule)
NEWS_SITEMAP_MONTHS = 3  # the newest months with articles that it looks in


class PageKind(StrEnum):
    ARTICLE = "article"
    HOME = "home"
    LISTING = "listing"
    FEED = "feed"
    SITEMAP_INDEX = "sitemap-index"
    SITEMAP = "sitemap"
    NEWS_SITEMAP = "news-sitemap"
    FRONTS_SITEMAP = "fronts-sitemap"  # the homepage and the section fronts
    ROBOTS = "robots"
    NOT_FOUND = "not-found"
    SEARCH = "search"  # the search page; its index is the SearchFunction's (services.search)
    ASSETS = "assets"
    REDIRECT = "redirect"  # an old address (alias, former path): ref is the path


class ListingKind(StrEnum):
    SECTION = "section"
    TAG = "tag"
    AUTHOR = "author"
    PINNED = "pinned"
    MONTH = "month"
    CORRECTIONS = "corrections"  # the corrected articles, by their newest correction


#: The listings that have pages of their own (the pinned stories and the months have none).
PAGED_KINDS = frozenset(
    {ListingKind.SECTION, ListingKind.TAG, ListingKind.AUTHOR, ListingKind.CORRECTIONS}
)


@dataclass(frozen=True, order=True)
class ListingId:
    """A list of articles kept in the table: a section, a tag, an author, the pinned
    stories, one month of the whole site (for feeds and sitemaps), or the corrected ones."""

    kind: ListingKind
    slug: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.slug}" if self.slug else self.kind.value

    @classmethod
    def parse(cls, text: str) -> ListingId:
        kind, _, slug = text.partition(":")
        return cls(ListingKind(kind), slug)

    @property
    def has_pages(self) -> bool:
        return self.kind in PAGED_KINDS

    @property
    def base_path(self) -> str:
        if self.kind is ListingKind.SECTION:
            return f"/{self.slug}/"
        if self.kind is ListingKind.TAG:
            return f"/tag/{self.slug}/"
        if self.kind is ListingKind.AUTHOR:
            return f"/autore/{self.slug}/"
        if self.kind is ListingKind.CORRECTIONS:
            return CORRECTIONS_PATH
        raise ValueError(f"{self} has no pages of its own")

    def page_path(self, page: int) -> str:
        """`page` 0 is the front (newest 20); 1… are the stable buckets from the oldest."""
        return self.base_path if page == 0 else f"{self.base_path}page/{page}/"


@dataclass(frozen=True, order=True)
class PageRef:
    kind: PageKind
    ref: str = ""  # article key, listing id, or month (YYYY-MM)
    page: int = 0  # listing page: 0 front, 1… buckets
    path: str = ""  # for an article: the path it had, so an unpublished page can be removed

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"kind": self.kind.value}
        if self.ref:
            message["ref"] = self.ref
        if self.page:
            message["page"] = self.page
        if self.path:
            message["path"] = self.path
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> PageRef:
        return cls(
            PageKind(message["kind"]),
            str(message.get("ref", "")),
            int(message.get("page", 0)),
            str(message.get("path", "")),
        )

    @classmethod
    def article(cls, key: str, path: str) -> PageRef:
        return cls(PageKind.ARTICLE, key, 0, path)

    @classmethod
    def listing(cls, listing: ListingId, page: int = 0) -> PageRef:
        return cls(PageKind.LISTING, str(listing), page)

    @classmethod
    def feed(cls, listing: ListingId | None = None) -> PageRef:
        return cls(PageKind.FEED, str(listing) if listing else "")

    @classmethod
    def sitemap(cls, month: str) -> PageRef:
        return cls(PageKind.SITEMAP, month)

    @classmethod
    def redirect(cls, path: str) -> PageRef:
        return cls(PageKind.REDIRECT, path)

    @classmethod
    def of(cls, kind: PageKind) -> PageRef:
        return cls(kind)


#: Pages one render request names: ten requests (one SendMessageBatch) carry 250 pages, and
#: a RenderFunction batch (BatchSize 10 in template.yaml) renders at most 250.
PAGES_PER_REQUEST = 25


@dataclass(frozen=True)
class RenderRequest:
    """One render queue message: the pages an IndexFunction invocation names, and the token
    of its pending marks (`adapters.render_marks`), which the RenderFunction consumes before
    it reads the table. A message of one bare page (`{"kind": "home"}`, what the schedules
    send and what was queued before several pages went in one message) is read as a
    request of that page and no token."""

    pages: tuple[PageRef, ...]
    token: str = ""

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"pages": [page.as_message() for page in self.pages]}
        if self.token:
            message["token"] = self.token
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> RenderRequest:
        if "pages" not in message:
            return cls((PageRef.from_message(message),))
        pages = message["pages"]
        if not isinstance(pages, list) or not pages:
            raise ValueError("a render request names at least one page")
        return cls(
            tuple(PageRef.from_message(page) for page in pages), str(message.get("token", ""))
        )

    @classmethod
    def split(cls, pages: Iterable[PageRef], token: str = "") -> list[RenderRequest]:
        """The requests that name `pages`, each once, PAGES_PER_REQUEST to a request."""
        unique = sorted(set(pages))
        return [
            cls(tuple(unique[start : start + PAGES_PER_REQUEST]), token)
            for start in range(0, len(unique), PAGES_PER_REQUEST)
        ]


# --- paths ------------------------------------------------------------------------------

HOME_PATH = "/"
FEED_PATH = "/feed.xml"
SITEMAP_INDEX_PATH = "/sitemap.xml"
NEWS_SITEMAP_PATH = "/news-sitemap.xml"
NOT_FOUND_PATH = "/404.html"
CORRECTIONS_PATH = "/correzioni/"
ROBOTS_PATH = "/robots.txt"
FRONTS_SITEMAP_PATH = "/sitemaps/pagine.xml"  # beside the months' (YYYY-MM): never one of them


def month_sitemap_path(month: str) -> str:
    return f"/sitemaps/{month}.xml"


def feed_path(listing: ListingId | None) -> str:
    return FEED_PATH if listing is None else f"{listing.base_path}feed.xml"


def object_key(path: str) -> str:
    """Site path → site bucket key: `/` → `index.html`, `/sport/x/` → `sport/x/index.html`.
    A percent-encoded path names the decoded key, as S3 reads the URI CloudFront sends."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"a site path starts with one '/': {path!r}")
    key = unquote(path[1:])
    return key + "index.html" if key == "" or key.endswith("/") else key


#: First key segments whose objects the site makes itself, whatever the sections are
#: (`media/` objects belong to the media upload of the same key, never to an article).
_SITE_TREES = frozenset({"tag", "autore", "assets", "media", "sitemaps", "correzioni", "cerca"})
#: Top-level objects the site makes: the home, its feeds and maps, the 404, the crawlers'
#: files. Compared as keys, so `/index.html` is the homepage and `/%72obots.txt` robots.
SITE_FILES = frozenset(
    {
        "index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "news-sitemap.xml",
        "robots.txt",
        "favicon.ico",
    }
)
_INDEX = "index.html"


def canonical_path(path: str) -> str:
    """The one spelling of the site address whose object is `object_key(path)`: decoded,
    `index.html` folded into its folder (`/x/index.html` and `/%78/` are `/x/`). Claims and
    redirects are kept under this spelling, so two spellings can never own one object."""
    key = object_key(path)
    if key == _INDEX or key.endswith("/" + _INDEX):
        key = key[: -len(_INDEX)]
    # Encoded once, as a viewer would ask for it: `object_key` of the result is `key` again.
    return "/" + quote(key, safe="/-._~!$&'()*+,;=:@")


def site_owns(key: str, section_slugs: Iterable[str] | None) -> bool:
    """Whether the object `key` of the site bucket is one the site makes itself (home,
    fronts, listings and their pages, feeds, sitemaps, assets, media, robots.txt, 404):
    no article page and no redirect is ever written or deleted there.

    Judged on the key S3 stores, never on a pretty path. Article pages
    (`<section>/<slug>/index.html`) and other addresses are not the site's: each is
    claimed by one upload in the table. `section_slugs` None: the site takes any section,
    so any first segment may be one."""
    segments = key.split("/")
    if len(segments) == 1:
        return key in SITE_FILES or key == ""
    first, rest = segments[0], segments[1:]
    if first in _SITE_TREES or first == "":
        return True
    if section_slugs is None or first in set(section_slugs):
        return rest in ([_INDEX], ["feed.xml"], [""]) or rest[0] == "page"
    return False


def is_site_page(path: str, section_slugs: Iterable[str] | None) -> bool:
    """Whether the site itself makes the page at `path` (see `site_owns`): an old address
    may redirect from anywhere else, never from these."""
    try:
        return site_owns(object_key(path), section_slugs)
    except ValueError:
        return True  # not a site path at all: nobody may claim it


#: Names an article's slug may not take: the pages and trees the site makes (pagination,
#: listings, feeds, sitemaps, assets, media, the 404 page, robots.txt), as they are spelled
#: as slugs. An article lives at `/<section>/<slug>/`, so `page` would sit on the section's
#: pagination and the others would read as the site's own pages (and would collide with them
#: on a site without sections).
RESERVED_SLUGS = frozenset(
    {
        *_SITE_TREES,
        "page",
        "index",
        "404",
        "feed",
        "feed-xml",
        "sitemap",
        "sitemap-xml",
        "news-sitemap",
        "news-sitemap-xml",
        "robots",
        "robots-txt",
    }
)


def is_reserved_slug(slug: str, section_slugs: Iterable[str] | None) -> bool:
    """Whether an article may not take `slug`: a name the site uses for its own pages, or
    one of its sections' slugs (`/sport/cronaca/` would read as a section inside another).
    `section_slugs` None: the site takes any section, so only the fixed names are known."""
    if slug in RESERVED_SLUGS:
        return True
    return section_slugs is not None and slug in set(section_slugs)


def is_site_tree(slug: str) -> bool:
    """Whether `/<slug>/` is a tree of pages the site makes (`/tag/`, `/autore/`, `/media/`…):
    a section may not be named so on a site that takes any section."""
    return slug in _SITE_TREES


# --- stable buckets ---------------------------------------------------------------------


def bucket_of(rank: int) -> int:
    """The bucket page of the article `rank` places from the oldest (0-based)."""
    return rank // PER_PAGE + 1


def bucket_count(total: int) -> int:
    return (total + PER_PAGE - 1) // PER_PAGE


def bucket_range(page: int, total: int) -> tuple[int, int]:
    """Ranks from the oldest, [start, end), shown on bucket `page`."""
    start = (page - 1) * PER_PAGE
    return start, min(start + PER_PAGE, total)


def front_older_page(total: int) -> int | None:
    """The bucket holding the newest article that the front page no longer shows."""
    return bucket_of(total - PER_PAGE - 1) if total > PER_PAGE else None


def bucket_is_front(page: int, total: int) -> bool:
    """Whether bucket `page` would show exactly the front's articles: the last bucket, when
    it is the only one (20 or fewer) or full (a multiple of 20). Such a bucket is not
    written as a page: it answers a 301 to the front, so no list has two addresses."""
    return (
        page >= 1 and page == bucket_count(total) and (total <= PER_PAGE or total % PER_PAGE == 0)
    )


def newer_page(page: int, total: int) -> int:
    """Where bucket `page`'s "newer" link leads: the next bucket, or the front (0) when this
    is the last bucket or the next one is the front's copy."""
    following = page + 1
    if following > bucket_count(total) or bucket_is_front(following, total):
        return 0
    return following


def pages_changed_by(rank: int, total_before: int, total_after: int) -> list[int]:
    """Listing pages whose content or links change when an article enters (or leaves) at
    `rank`: the front, every bucket from that rank's up to the newest, and the buckets near
    the newest whose "newer" link or copy-of-the-front status the new total changes (a
    bucket opened or closed; 39 → 40 articles: bucket 2 becomes the front's copy, so bucket
    1's "newer" link moves from it to the front)."""
    last = max(bucket_count(total_before), bucket_count(total_after))
    first = bucket_of(rank) if rank < max(total_before, total_after) else last
    pages = {0, *range(max(first, 1), last + 1)}
    # Below `last - 2` every bucket's next one is a full bucket at both totals.
    for page in range(max(last - 2, 1), last + 1):
        if newer_page(page, total_before) != newer_page(page, total_after) or bucket_is_front(
            page, total_before
        ) != bucket_is_front(page, total_after):
            pages.add(page)
    return sorted(pages)


# --- what a render stores -------------------------------------------------------------------


@dataclass(frozen=True)
class SiteWrite:
    """One object a render batch stores: `body` under `key`, or no object (None)."""

    key: str
    body: bytes | None
    content_type: str = ""
    cache_control: str = ""
    redirect: str | None = None


StoreResult = str | None | Exception  # a change id, unchanged, or why that write failed

"""Every page of the site as bytes: pure functions of the data each page shows.

`SiteRenderer` knows the site (name, address, language, time zone, sections) and the
assets; each method takes what one page shows and returns its exact bytes. Nothing here
reads a clock, the environment or the network: the same inputs give the same bytes, which
is what lets the pipeline skip unchanged pages and their invalidations.

Templates only lay out what the view models below hold; dates, links and texts are
worked out here, once, in the site's language and time zone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import format_datetime
from functools import cache, cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import BaseLoader, Environment, ModuleLoader, PackageLoader
from markupsafe import Markup

from rotativa.domain.article import (
    Article,
    ArticleImage,
    ArticleTeaser,
    Correction,
    LiveUpdate,
    Tag,
)
from rotativa.domain.frontpage import SectionBlock
from rotativa.domain.markdown import render_body, shorten
from rotativa.domain.pages import FEED_SIZE, NEWS_SITEMAP_LIMIT, NEWS_WINDOW
from rotativa.domain.pictures import (
    IMG_SRC,
    IMG_TAG,
    PictureFormat,
    PictureRef,
    VariantKind,
    VariantSpec,
    declared_size,
    img_media_key,
    media_key_of,
)
from rotativa.domain.related import RELATED_BOX_SIZE
from rotativa.domain.search import SEARCH_BUNDLE_PATH, SEARCH_PATH, SECTION_FILTER, SearchRecord
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.rendering.assets import AssetBundle
from rotativa.rendering.body import page_body
from rotativa.rendering.jsonld import (
    author,
    blog_update,
    breadcrumb_list,
    correction_comment,
    graph,
    image_object,
    is_newsroom_byline,
    live_blog,
    news_article,
    newsroom,
    person,
    profile_page,
    reference,
    script_json,
    website,
)
from rotativa.rendering.labels import Labels, clock, date_line, iso, local_time, short_date
from rotativa.rendering.listing import Listing, sort_newest_first
from rotativa.rendering.paths import (
    CORRECTIONS_PATH,
    FEED_PATH,
    HOME_PATH,
    NEWS_SITEMAP_PATH,
    NOT_FOUND_PATH,
    SITEMAP_PATH,
    Links,
    LinkStyle,
    author_path,
    media_path,
    section_feed_path,
    section_path,
    tag_path,
)

DESCRIPTION_LENGTH = 200
BODY_CACHE_SIZE = 128
SITEMAP_LIMIT = 50_000
SHARE_IMAGE = "share.png"
# The publisher's logo in structured data: a raster image, as search engines require.
LOGO = "logo.png"
STYLESHEET = "site.css"
ICON = "favicon.svg"
SEARCH_SCRIPT = "search.js"  # drives /cerca/ with pagefind's library
# Lets search show the large picture: on every indexable page, beside any other value.
IMAGE_PREVIEW = "max-image-preview:large"
_OG_LOCALES = {"it": "it_IT", "en": "en_GB"}
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|figcaption|td|th)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class SitemapEntry:
    """One address in sitemap.xml and when what it shows last changed."""

    path: str
    last_modified: datetime


# --- view models: what the templates lay out ------------------------------------------------


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Moment:
    """A date as the page shows it (`01 Mag. 2024`) and as machines read it (ISO 8601)."""

    text: str
    iso: str


@dataclass(frozen=True)
class Picture:
    """A picture as its `<picture>` element lays it out: `sources` are (type, srcset)
    of the modern format; width/height are of the image shown, so the box is reserved
    before it loads. Without a ref (an external URL, a picture not made yet) only `src`."""

    src: str
    alt: str
    caption: str = ""
    srcset: str = ""
    sizes: str = ""
    width: int | None = None
    height: int | None = None
    sources: tuple[tuple[str, str], ...] = ()


# `sizes` per slot, from site.css: the wrap is 72rem at most; from 60rem the article
# column is the wrap less the 19rem aside and the 3rem gap; the lead's image is 3/5 of
# the wrap from 48rem; related thumbnails fill the 19rem aside.
HERO_SIZES = "(min-width: 72rem) 50rem, (min-width: 60rem) calc(100vw - 22rem), 100vw"
LEAD_SIZES = "(min-width: 72rem) 43rem, (min-width: 48rem) 60vw, 100vw"
TEASER_SIZES = "(min-width: 48rem) 33vw, 100vw"
# Body pictures sit in the text's measure (--measure: 40rem) inside the article column.
BODY_SIZES = "(min-width: 42rem) 40rem, 100vw"
RELATED_SIZES = "(min-width: 60rem) 19rem, 100vw"


@dataclass(frozen=True)
class TeaserView:
    title: str
    href: str
    section: Link
    date: Moment
    summary: str
    image: Picture | None
    live: str = ""  # "In diretta · agg. 21:45" while the coverage goes on


@dataclass(frozen=True)
class NoteView:
    """A correction or a live update as a page shows it: its time, its own address on the
    page (`agg-2110` for an update), and its Markdown rendered as the body is."""

    moment: Moment
    label: str
    html: Markup
    anchor: str = ""
    title: str = ""
    article: Link | None = None  # on /correzioni/: the corrected article


@dataclass(frozen=True)
class Head:
    title: str
    description: str
    canonical: str | None
    properties: tuple[tuple[str, str], ...] = ()
    names: tuple[tuple[str, str], ...] = ()
    feeds: tuple[Link, ...] = ()
    json_ld: Markup | None = None
    robots: str | None = None


@dataclass(frozen=True)
class Chrome:
    """What every page around its content shows: masthead, navigation, footer."""

    lang: str
    site_name: str
    home: str
    stylesheet: str
    icon: str
    sections: tuple[Link, ...]
    footer_links: tuple[Link, ...]
    search: str  # the search page, where the masthead's box leads
    date_line: Moment | None = None
    is_home: bool = False
    search_box: bool = True  # the masthead's; not on the search page, which has its own form


def _from_root(href: str) -> str:
    """A link made from the homepage (`media/x.jpg`, or `/media/x.jpg` in the site's own
    style) as a path below the site's root; an absolute URL stays as it is."""
    return href if urlsplit(href).scheme or href.startswith("//") else href.lstrip("/")


@lru_cache(maxsize=BODY_CACHE_SIZE)
def kept_body(body: str) -> str:
    """`render_body(body).html`, remembered: a warm function re-renders the same articles
    again and again (each new article changes the related boxes of its neighbours), and
    the Markdown is most of an article page's cost. Pure, so a cache cannot go stale."""
    return render_body(body).html


def _html_plain(fragment: str) -> str:
    """A rendered body's words as plain text."""
    spaced = _BLOCK_END.sub(" ", fragment)  # `</p><p>` parts words, `<b>` not
    return " ".join(html.unescape(_TAG.sub("", spaced)).split())


@cache
def _environment() -> Environment:
    """The templates as the layer's build compiled them (`precompile`), when it did and
    they are the templates beside them; else compiled from source here."""
    from rotativa.rendering import precompile

    loader: BaseLoader
    if precompile.is_current(precompile.COMPILED):
        loader = ModuleLoader(str(precompile.COMPILED))
    else:
        loader = PackageLoader("rotativa", "templates")
    return Environment(loader=loader, **precompile.environment_options())


class SiteRenderer:
    """Pages, feeds and sitemaps of one site, in one link style."""

    def __init__(
        self,
        site: SiteSettings,
        *,
        link_style: LinkStyle = "site",
        assets: AssetBundle | None = None,
    ) -> None:
        self.site = site
        self.links = Links(site.base_url, link_style)
        self.labels = Labels(site.locale)
        self.assets = assets or AssetBundle.packaged()
        self._zone = site.zone
        self._environment = _environment()
        self._templates = {
            name: self._environment.get_template(name)
            for name in (
                "article.html", "home.html", "listing.html", "corrections.html",
                "not_found.html", "moved.html", "search.html",
                "feed.xml", "sitemap.xml", "sitemap_index.xml", "news_sitemap.xml",
                "robots.txt",
            )
        }  # fmt: skip

    # --- the public API: one method per kind of page -----------------------------------------

    def asset_files(self) -> dict[str, bytes]:
        """Site path → bytes of every asset, e.g. `/assets/site.1a2b3c4d5e.css`."""
        return self.assets.files()

    def article_page(
        self,
        article: Article,
        *,
        published: datetime,
        updated: datetime | None,
        related: Sequence[ArticleTeaser],
        pictures: Sequence[PictureRef] = (),
        at: str | None = None,
        body_html: str | None = None,
    ) -> bytes:
        """The article's page. `at` is where the page is written when it is not its own
        path (the preview writes it at `/`); links are relative to it in the files style.
        `body_html` is the body as validation rendered it (`StoredArticle.body_html`), else
        the Markdown is rendered here."""
        here = at or article.path
        labels = self.labels
        section = Link(article.section.name, self._href(section_path(article.section.slug), here))
        hero = self._hero_ref(article.image, pictures)
        image = (
            self._picture(article.image, here, hero, widths=True, sizes=HERO_SIZES)
            if article.image
            else None
        )
        body = page_body(
            self._sized_body(
                kept_body(article.body) if body_html is None else body_html, pictures, here
            ),
            self.links,
            at=here,
        )
        # "Aggiornato il …" only for a real later change, never for a re-upload of the same:
        # a later upload, or the newest correction or live update when that is later still.
        changed = max(
            (m for m in (updated, article.revised) if m is not None and m > published),
            default=None,
        )
        moment = self._moment(published)
        boxed = [r for r in related if r.key != article.key][:RELATED_BOX_SIZE]
        context = {
            "head": self._article_head(article, published, changed, here, hero),
            "chrome": self._chrome(here, current_section=article.section.slug, date=published),
            "trail": self._trail(self._article_crumbs(article), here),
            "article": {
                "title": article.title,
                "section": section,
                "byline": self._byline(article.authors, here),
                "published": moment,
                "published_text": labels.format(
                    "published_at", date=moment.text, time=clock(published, self._zone)
                ),
                "updated": self._moment(changed) if changed is not None else None,
                "updated_text": (
                    labels.format(
                        "updated_at",
                        date=short_date(changed, self._zone, labels.language),
                        time=clock(changed, self._zone),
                    )
                    if changed is not None
                    else ""
                ),
                "image": image,
                "body": Markup(body),
                "tags": tuple(self._tag_link(tag, here) for tag in article.tags),
                "corrections": tuple(self._correction(c, here) for c in article.corrections),
                "live": self._live(article, published, here),
            },
            "related": tuple(self._teaser(teaser, here, RELATED_SIZES) for teaser in boxed),
        }
        return self._render("article.html", context)

    def home_page(self, *, lead: ArticleTeaser | None, blocks: Sequence[SectionBlock]) -> bytes:
        """The homepage: the pinned lead story, then each section's latest, in site order."""
        here = HOME_PATH
        # Sections in the site's order (those it no longer lists after them), each newest
        # first: the page does not depend on the order the caller happened to use.
        order = {section.slug: index for index, section in enumerate(self.site.sections)}
        shown = sorted(
            (b for b in blocks if b.articles),
            key=lambda b: order.get(b.section.slug, len(order)),
        )
        dates = [a.date for b in shown for a in b.articles] + ([lead.date] if lead else [])
        description = self.labels.format("home_description", name=self.site.name)
        context = {
            "head": Head(
                title=self.site.name,
                description=description,
                canonical=self.links.absolute(HOME_PATH),
                properties=self._og_common(
                    title=self.site.name,
                    description=description,
                    kind="website",
                    url=self.links.absolute(HOME_PATH),
                    image=self._share_image(None),
                    image_alt="",
                ),
                names=(("twitter:card", "summary_large_image"),),
                robots=IMAGE_PREVIEW,
                feeds=(self._feed_link(self.site.name, FEED_PATH, here),),
                json_ld=self._home_json_ld(),
            ),
            "chrome": self._chrome(here, date=max(dates) if dates else None, is_home=True),
            "lead": self._teaser(lead, here, LEAD_SIZES) if lead else None,
            "blocks": tuple(
                {
                    "id": f"sezione-{block.section.slug}",
                    "section": Link(
                        block.section.name, self._href(section_path(block.section.slug), here)
                    ),
                    "more": self.labels.format("section_more", name=block.section.name),
                    "articles": tuple(
                        self._teaser(a, here) for a in sort_newest_first(block.articles)
                    ),
                }
                for block in shown
            ),
        }
        return self._render("home.html", context)

    def listing_page(self, listing: Listing) -> bytes:
        """A page of a section, tag or author: newest first, with links to the pages around."""
        here = listing.path
        labels = self.labels
        articles = sort_newest_first(listing.articles)
        heading = {
            "section": listing.name,
            "tag": labels.format("tag_heading", name=listing.name),
            "author": labels.format("author_heading", name=listing.name),
        }[listing.kind]
        description = labels.format(
            f"{listing.kind}_description", name=listing.name, site=self.site.name
        )
        is_front = listing.newer_path is None
        page_heading = self._page_heading(heading, listing)
        current_section = listing.path.split("/")[1] if listing.kind == "section" else None
        feed_title = labels.format("feed_of", name=listing.name)
        feeds = (
            (self._feed_link(f"{listing.name} – {self.site.name}", listing.feed_path, here),)
            if listing.feed_path
            else ()
        )
        context = {
            "head": self._listing_head(
                listing,
                page_heading,
                description,
                feeds=feeds,
                robots=IMAGE_PREVIEW,
                json_ld=self._profile_json_ld(listing, page_heading),
            ),
            "chrome": self._chrome(
                here,
                current_section=current_section,
                current_is_page=is_front,
                date=articles[0].date if articles else None,
            ),
            "trail": self._trail(((labels["home"], HOME_PATH), (heading, here)), here),
            "listing": {
                "heading": heading,
                "page": listing.page,
                "is_front": is_front,
                "show_section": listing.kind != "section",
                "page_label": labels.format("page_n", n=listing.page),
                "articles": tuple(self._teaser(a, here) for a in articles),
                "newer": self._href(listing.newer_path, here) if listing.newer_path else None,
                "older": self._href(listing.older_path, here) if listing.older_path else None,
                "feed": (
                    Link(feed_title, self._href(listing.feed_path, here))
                    if listing.feed_path
                    else None
                ),
            },
        }
        return self._render("listing.html", context)

    def corrections_page(self, listing: Listing) -> bytes:
        """/correzioni/: the site's corrections, newest first, each linking to its article.
        It exists with none too: the footer of every page links to it."""
        here = listing.path
        labels = self.labels
        notes = sorted(
            (
                self._correction(c, here, Link(a.title, self._href(a.path, here)))
                for a in listing.articles
                for c in a.corrections
            ),
            key=lambda note: note.moment.iso,
            reverse=True,
        )
        heading = labels["corrections_heading"]
        page_heading = self._page_heading(heading, listing)
        description = labels.format("corrections_description", site=self.site.name)
        context = {
            "head": self._listing_head(listing, page_heading, description),
            "chrome": self._chrome(here),
            "trail": self._trail(((labels["home"], HOME_PATH), (heading, here)), here),
            "listing": {
                "heading": heading,
                "is_front": listing.newer_path is None,
                "page_label": labels.format("page_n", n=listing.page),
                "intro": labels["corrections_intro"],
                "notes": tuple(notes),
                "newer": self._href(listing.newer_path, here) if listing.newer_path else None,
                "older": self._href(listing.older_path, here) if listing.older_path else None,
            },
        }
        return self._render("corrections.html", context)

    def not_found_page(self) -> bytes:
        """The 404 page: served for any missing address, so every link in it is absolute."""
        here = NOT_FOUND_PATH
        title = self.labels["not_found_title"]
        context = {
            "head": Head(
                title=f"{title} – {self.site.name}",
                description="",
                canonical=None,
                robots="noindex",
            ),
            "chrome": self._chrome(here),
        }
        return self._render("not_found.html", context)

    def search_page(self) -> bytes:
        """`/cerca/`: the search form, its section filters and the results, which
        `assets/search.js` finds in the pagefind bundle beside the page. Without JavaScript
        the form says that search needs it and the sections are linked instead."""
        here = SEARCH_PATH
        title = self.labels["search_title"]
        context = {
            "head": Head(
                title=f"{title} – {self.site.name}",
                description=self.labels.format("search_description", name=self.site.name),
                canonical=self.links.absolute(here),
                robots="noindex",  # a results page is not content of its own
            ),
            "chrome": replace(self._chrome(here), search_box=False),
            "script": self._href(self.assets.path(SEARCH_SCRIPT), here),
            "bundle": self._href(SEARCH_BUNDLE_PATH, here),
        }
        return self._render("search.html", context)

    def search_record(
        self, teaser: ArticleTeaser, body: str, body_html: str | None = None
    ) -> SearchRecord:
        """What the search index knows of a visible article: its words (headline, summary,
        body as plain text, authors, tags, section) and what a result shows of it (the
        headline, date, section and summary, the teaser's thumbnail with its size).

        Its links are site paths without the leading `/` (`cronaca/x/`): the search page
        gives pagefind the site's root as its base, so they hold wherever the site lives."""
        view = self._teaser(teaser, HOME_PATH)
        plain = self._note_plain(body) if body_html is None else _html_plain(body_html)
        words = [teaser.title, teaser.summary, plain if body else ""]
        words += [*teaser.authors, *(tag.name for tag in teaser.tags), teaser.section.name]
        meta = {
            "title": teaser.title,
            "date": view.date.text,
            "datetime": view.date.iso,
            "section": teaser.section.name,
            "section_url": _from_root(view.section.href),
            "summary": teaser.summary,
        }
        if view.image is not None:
            meta["image"] = _from_root(view.image.src)
            if view.image.width and view.image.height:
                meta["image_width"] = str(view.image.width)
                meta["image_height"] = str(view.image.height)
        return SearchRecord(
            url=_from_root(view.href),
            content="\n".join(part for part in words if part),
            meta=meta,
            filters={SECTION_FILTER: [teaser.section.name]},
            sort={"date": view.date.iso},
        )

    def moved_page(self, target: str) -> bytes:
        """The body of an old address: the CDN answers it with a 301 to `target`, so readers
        see this only where redirects are not followed (it links there, absolutely)."""
        title = self.labels["moved_title"]
        context = {
            "head": Head(
                title=f"{title} – {self.site.name}",
                description="",
                canonical=None,  # noindex and a canonical elsewhere contradict each other
                robots="noindex",
            ),
            "chrome": self._chrome(NOT_FOUND_PATH),
            "target": self.links.absolute(target),
        }
        return self._render("moved.html", context)

    def feed(
        self,
        *,
        title: str,
        page_path: str,
        feed_path: str,
        articles: Sequence[ArticleTeaser],
    ) -> bytes:
        """RSS 2.0 of the newest articles (at most 50), newest first."""
        items = sort_newest_first(articles)[:FEED_SIZE]
        build = max((a.modified for a in items), default=None)
        context = {
            "title": title,
            "link": self.links.absolute(page_path),
            "self_link": self.links.absolute(feed_path),
            "description": self.labels.format("feed_description", name=title),
            "language": self.site.locale,
            "build_date": self._rfc822(build) if build else None,
            "items": tuple(
                {
                    "title": a.title,
                    "link": self.links.absolute(a.path),
                    "date": self._rfc822(a.date),
                    "summary": a.summary,
                    "section": a.section.name,
                    "tags": tuple(t.name for t in a.tags),
                    "authors": a.authors,
                    "image": self._feed_image(a),
                    # A correction is an update of the same item (same guid): readers that
                    # keep items by guid show it changed, and the text says what changed.
                    "modified": iso(a.modified, self._zone) if a.modified > a.date else None,
                    "corrections": tuple(
                        f"{self._correction_label(c)}: {self._note_plain(c.text)}"
                        for c in a.corrections
                    ),
                }
                for a in items
            ),
        }
        return self._render("feed.xml", context)

    def sitemap(self, entries: Sequence[SitemapEntry]) -> bytes:
        """sitemap.xml: every address in path order, with its last modification."""
        if len(entries) > SITEMAP_LIMIT:
            raise ValueError(
                f"a sitemap holds at most {SITEMAP_LIMIT} addresses, not {len(entries)}: "
                "split it and list the parts in a sitemap index"
            )
        return self._render("sitemap.xml", {"urls": self._sitemap_urls(entries)})

    def sitemap_index(self, entries: Sequence[SitemapEntry]) -> bytes:
        """A sitemap index: the sitemaps of the site (e.g. one per month), in path order."""
        if len(entries) > SITEMAP_LIMIT:
            raise ValueError(f"a sitemap index lists at most {SITEMAP_LIMIT} sitemaps")
        context = {"sitemaps": self._sitemap_urls(entries)}
        return self._render("sitemap_index.xml", context)

    def news_sitemap(self, articles: Sequence[ArticleTeaser], *, now: datetime) -> bytes:
        """The Google News sitemap: articles of the last 48 hours before `now`, at most 1,000."""
        moment = local_time(now, self._zone)
        recent = [
            a
            for a in sort_newest_first(articles)
            if moment - NEWS_WINDOW <= local_time(a.date, self._zone) <= moment
        ][:NEWS_SITEMAP_LIMIT]
        context = {
            "publication": self.site.name,
            "language": self.site.locale,
            "articles": tuple(
                (self.links.absolute(a.path), iso(a.date, self._zone), a.title) for a in recent
            ),
        }
        return self._render("news_sitemap.xml", context)

    def robots_txt(self) -> bytes:
        """robots.txt: every crawler may read the whole site, and is told where the sitemap
        index and the news sitemap are, by absolute URL (the protocol wants them so)."""
        sitemaps = tuple(self.links.absolute(path) for path in (SITEMAP_PATH, NEWS_SITEMAP_PATH))
        for url in sitemaps:
            if any(character.isspace() or ord(character) < 32 for character in url):
                raise ValueError(f"a robots.txt line cannot hold {url!r}")  # a line of its own
        return self._render("robots.txt", {"sitemaps": sitemaps})

    # --- pieces -------------------------------------------------------------------------------

    @cached_property
    def _logo(self) -> tuple[str, int, int]:
        """The logo's absolute URL and size, read from its PNG header (no decoding)."""
        size = declared_size(self.assets.contents[LOGO])
        if size is None:
            raise ValueError(f"the asset {LOGO} is not an image whose size can be read")
        return (self.links.absolute(self.assets.path(LOGO)), *size)

    def _publication(self) -> dict[str, Any]:
        """The newsroom's node: publisher of every article, named by its `@id` elsewhere."""
        return newsroom(
            name=self.site.name,
            url=self.links.absolute(HOME_PATH),
            logo=image_object(*self._logo),
        )

    def _author_url(self, name: str) -> str | None:
        """An author's page, absolute, slugged as `_byline` links it; None when it has none."""
        slug = slugify(name)
        return self.links.absolute(author_path(slug)) if slug else None

    @staticmethod
    def _json_ld(*nodes: Mapping[str, Any]) -> Markup:
        return Markup(script_json(graph(*nodes)))

    def _home_json_ld(self) -> Markup:
        """The homepage says who publishes the site and what the site is called."""
        publication = self._publication()
        site = website(
            name=self.site.name,
            url=self.links.absolute(HOME_PATH),
            language=self.site.locale,
            publication=publication,
        )
        return self._json_ld(publication, site)

    def _profile_json_ld(self, listing: Listing, name: str) -> Markup | None:
        """An author's pages are a profile of that author: a person, or the newsroom when the
        byline is the newsroom's (Google's ProfilePage takes an organisation as well)."""
        if listing.kind != "author":
            return None
        publication = self._publication()
        newsroom_signs = is_newsroom_byline(listing.name)
        page = profile_page(
            url=self.links.absolute(listing.path),
            name=name,
            language=self.site.locale,
            subject=(
                reference(publication)
                if newsroom_signs
                else person(listing.name, self._author_url(listing.name))
            ),
        )
        return self._json_ld(page, publication) if newsroom_signs else self._json_ld(page)

    def _newsroom_notes(
        self, data: dict[str, Any], article: Article, published: datetime, url: str
    ) -> None:
        """What the newsroom added to the story, in its node: each correction as a
        `CorrectionComment`; live coverage makes it a `LiveBlogPosting` whose updates are
        `BlogPosting`s, with the coverage's start (the article's date) and, once `live` is
        removed, its end (the last update)."""
        zone = self._zone
        if article.corrections:
            data["correction"] = [
                correction_comment(published=iso(c.at, zone), text=self._note_plain(c.text))
                for c in article.corrections
            ]
        if not article.is_live_blog:
            return
        updates = [
            blog_update(
                url=f"{url}#{self._update_anchor(u, published)}",
                headline=u.title,
                body=self._note_plain(u.text),
                published=iso(u.at, zone),
            )
            for u in article.updates
        ]
        # Over (`live` removed: then it has updates, or it would be no live blog): it ended
        # with its last update.
        ended = None if article.live else iso(article.updates[0].at, zone)
        live_blog(data, start=iso(published, zone), end=ended, updates=updates)

    def _article_crumbs(self, article: Article) -> tuple[tuple[str, str], ...]:
        """Home → section → article, (name, path): the breadcrumb the page shows and the
        `BreadcrumbList` it gives search engines, from one list so that they agree."""
        return (
            (self.labels["home"], HOME_PATH),
            (article.section.name, section_path(article.section.slug)),
            (article.title, article.path),
        )

    def _trail(self, crumbs: Sequence[tuple[str, str]], here: str) -> tuple[Link, ...]:
        """The visible breadcrumb: links to the pages above, then this page, unlinked."""
        *above, (current, _) = crumbs
        return (
            *(Link(name, self._href(path, here)) for name, path in above),
            Link(current, "", current=True),
        )

    def _render(self, template: str, context: Mapping[str, Any]) -> bytes:
        text = self._templates[template].render(labels=self.labels, **context)
        return text.encode("utf-8")

    def _sitemap_urls(self, entries: Sequence[SitemapEntry]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (self.links.absolute(entry.path), iso(entry.last_modified, self._zone))
            for entry in sorted(entries, key=lambda e: (e.path, e.last_modified))
        )

    def _href(self, path: str, here: str) -> str:
        return self.links.href(path, at=here)

    def _moment(self, moment: datetime) -> Moment:
        return Moment(short_date(moment, self._zone, self.labels.language), iso(moment, self._zone))

    def _rfc822(self, moment: datetime) -> str:
        return format_datetime(local_time(moment, self._zone).replace(microsecond=0))

    def _picture(
        self,
        image: ArticleImage,
        here: str,
        ref: PictureRef | None = None,
        *,
        widths: bool = False,
        sizes: str = "",
    ) -> Picture:
        plain = Picture(self._href(media_path(image.src), here), image.alt, image.caption)
        if ref is None or not ref.current:
            return plain
        if widths:
            shown = ref.variants(VariantKind.WIDTH, PictureFormat.JPEG)
            modern = ref.variants(VariantKind.WIDTH, ref.modern)
        else:
            shown, modern = (
                tuple(
                    v
                    for kind in (VariantKind.TEASER, VariantKind.TEASER_2X)
                    if (v := ref.variant(kind, fmt)) is not None
                )
                for fmt in (PictureFormat.JPEG, ref.modern)
            )
        if not shown:
            return plain
        first = shown[-1]
        return Picture(
            src=self._variant_href(first, here),
            alt=image.alt,
            caption=image.caption,
            srcset=self._srcset(shown, here),
            sizes=sizes,
            width=first.width,
            height=first.height,
            sources=((ref.modern.content_type, self._srcset(modern, here)),) if modern else (),
        )

    def _sized_body(self, body: str, pictures: Sequence[PictureRef], here: str) -> str:
        """Body pictures the site made variants of, as the hero is (widths, no crops), but
        lazy: they are below the hero. `src` stays a site path for `page_body` to localise;
        `srcset`, which it does not read, is written as the page needs it already."""
        refs = {p.src: p for p in pictures if p.current}
        if not refs or "<img" not in body:
            return body

        def sized(match: re.Match[str]) -> str:
            tag = match.group(0)
            found = IMG_SRC.search(tag)
            key = img_media_key(tag)
            ref = refs.get(key) if key else None
            shown = ref.variants(VariantKind.WIDTH, PictureFormat.JPEG) if ref else ()
            if ref is None or not shown or found is None or " srcset=" in tag:
                return tag
            widest = shown[-1]
            modern = ref.variants(VariantKind.WIDTH, ref.modern)
            size = "" if " width=" in tag else f' width="{widest.width}" height="{widest.height}"'
            img = (
                tag[: found.start(1)]
                + "/"
                + widest.name
                + tag[found.end(1) : -1].rstrip("/ ")
                + f' srcset="{self._srcset(shown, here)}" sizes="{BODY_SIZES}"{size}'
                + ' loading="lazy" decoding="async">'
            )
            source = (
                f'<source type="{ref.modern.content_type}" srcset="{self._srcset(modern, here)}"'
                f' sizes="{BODY_SIZES}">'
                if modern
                else ""
            )
            return f"<picture>{source}{img}</picture>"

        return IMG_TAG.sub(sized, body)

    def _srcset(self, specs: Sequence[VariantSpec], here: str) -> str:
        return ", ".join(f"{self._variant_href(s, here)} {s.width}w" for s in specs)

    def _variant_href(self, spec: VariantSpec, here: str) -> str:
        return self._href(spec.path, here)

    @staticmethod
    def _hero_ref(image: ArticleImage | None, pictures: Sequence[PictureRef]) -> PictureRef | None:
        """The ref made for the hero: its src, cropped at its focus when one was made."""
        if image is None:
            return None
        key = media_key_of(image.src)
        of_src = [p for p in pictures if p.src == key and p.current]
        found = [p for p in of_src if p.focus == image.focus] or of_src
        return found[0] if found else None

    def _feed_image(self, teaser: ArticleTeaser) -> dict[str, Any] | None:
        if teaser.image is None:
            return None
        ref = teaser.picture
        spec = None
        if ref is not None and ref.current:
            spec = ref.variant(VariantKind.CROP_16_9, PictureFormat.JPEG) or ref.variant(
                VariantKind.WIDTH, PictureFormat.JPEG
            )
        if spec is None:
            return {"url": self.links.absolute(media_path(teaser.image.src)), "width": None}
        return {
            "url": self.links.absolute(spec.path),
            "width": spec.width,
            "height": spec.height,
            "type": "image/jpeg",
        }

    def _page_heading(self, heading: str, listing: Listing) -> str:
        """The front page of a listing is the one with no newer page; the others say which
        page they are (whether numbered from the newest or, in stable buckets, the oldest)."""
        if listing.newer_path is None:
            return heading
        return self.labels.format("page_title_paged", name=heading, n=listing.page)

    def _listing_head(
        self, listing: Listing, page_heading: str, description: str, **extra: Any
    ) -> Head:
        """The head of a page of a list (a section, a tag, an author, the corrections)."""
        url = self.links.absolute(listing.path)
        return Head(
            title=f"{page_heading} – {self.site.name}",
            description=description,
            canonical=url,
            properties=self._og_common(
                title=page_heading,
                description=description,
                kind="website",
                url=url,
                image=self._share_image(None),
                image_alt="",
            ),
            **extra,
        )

    def _note_html(self, text: str, here: str) -> Markup:
        """A correction's or an update's Markdown, sanitised and linked as the body is."""
        return Markup(page_body(kept_body(text), self.links, at=here))

    def _correction_label(self, correction: Correction) -> str:
        """`Correzione del 03 Mag. 2024 alle 09:15`."""
        return self.labels.format(
            "correction_at",
            date=short_date(correction.at, self._zone, self.labels.language),
            time=clock(correction.at, self._zone),
        )

    def _correction(
        self, correction: Correction, here: str, article: Link | None = None
    ) -> NoteView:
        return NoteView(
            self._moment(correction.at),
            self._correction_label(correction),
            self._note_html(correction.text, here),
            article=article,
        )

    def _update_anchor(self, update: LiveUpdate, published: datetime) -> str:
        """`agg-2110`: an update's address on its page, from its time in the site's zone;
        `agg-0503-0115` past the coverage's first day. It depends on nothing but the two
        times, so it never changes as later updates arrive."""
        local = local_time(update.at, self._zone)
        day = "" if self._on_first_day(update, published) else local.strftime("%m%d-")
        return f"agg-{day}{local.strftime('%H%M')}"

    def _on_first_day(self, update: LiveUpdate, published: datetime) -> bool:
        """Whether `update` came on the coverage's first day (site time): its time alone
        says when it came; later days' updates carry their date too."""
        zone = self._zone
        return local_time(update.at, zone).date() == local_time(published, zone).date()

    def _live(self, article: Article, published: datetime, here: str) -> dict[str, Any] | None:
        """The coverage above the body, newest first; None for an ordinary article."""
        if not article.is_live_blog:
            return None
        labels, zone = self.labels, self._zone
        updates = []
        for update in article.updates:
            time = clock(update.at, zone)
            if not self._on_first_day(update, published):
                time = f"{short_date(update.at, zone, labels.language)} {time}"
            updates.append(
                NoteView(
                    moment=self._moment(update.at),
                    label=time,
                    html=self._note_html(update.text, here),
                    anchor=self._update_anchor(update, published),
                    title=update.title,
                )
            )
        return {
            "on_air": article.live,
            "heading": labels["live"] if article.live else labels["live_over"],
            "updates": tuple(updates),
            "waiting": labels["live_waiting"] if article.live and not updates else "",
        }

    @staticmethod
    def _note_plain(text: str) -> str:
        """A correction's or an update's Markdown as plain text: what a feed or JSON-LD
        carries of it, from the HTML the page shows (shortcodes and all rendered)."""
        return _html_plain(kept_body(text))

    def _byline(self, authors: Sequence[str], here: str) -> tuple[Link, ...]:
        """`di Chiara Colombo e Marco Brambilla` in pieces: each name links to its author's
        page, slugged as the author listings are (`domain.slugs.slugify`), and the words
        around the names are pieces without a link. A name with no letter or digit has no
        author page (the listings skip it): it stays plain text."""
        if not authors:
            return ()
        before, _, after = self.labels["byline"].partition("{names}")
        pieces = [Link(before, "")]
        for name, joint in zip(authors, self.labels.joints(len(authors)), strict=True):
            slug = slugify(name)
            pieces.append(Link(name, self._href(author_path(slug), here) if slug else ""))
            pieces.append(Link(joint, ""))
        pieces.append(Link(after, ""))
        return tuple(piece for piece in pieces if piece.text)

    def _tag_link(self, tag: Tag, here: str) -> Link:
        return Link(tag.name, self._href(tag_path(tag.slug), here))

    def _teaser(self, teaser: ArticleTeaser, here: str, sizes: str = TEASER_SIZES) -> TeaserView:
        live = ""
        if teaser.live:
            live = self.labels["live"]
            if teaser.revised is not None:
                latest = self.labels.format("live_latest", time=clock(teaser.revised, self._zone))
                live = f"{live} · {latest}"
        return TeaserView(
            title=teaser.title,
            href=self._href(teaser.path, here),
            section=Link(teaser.section.name, self._href(section_path(teaser.section.slug), here)),
            date=self._moment(teaser.date),
            summary=teaser.summary,
            image=(
                # alt="": the headline beside it already names the story
                replace(self._picture(teaser.image, here, teaser.picture, sizes=sizes), alt="")
                if teaser.image
                else None
            ),
            live=live,
        )

    def _feed_link(self, title: str, feed_path: str, here: str) -> Link:
        return Link(title, self._href(feed_path, here))

    def _share_image(self, image: ArticleImage | None) -> str:
        if image is not None:
            return self.links.absolute(media_path(image.src))
        return self.links.absolute(self.assets.path(SHARE_IMAGE))

    def _chrome(
        self,
        here: str,
        *,
        current_section: str | None = None,
        current_is_page: bool = False,
        date: datetime | None = None,
        is_home: bool = False,
    ) -> Chrome:
        labels = self.labels
        sections = tuple(
            Link(
                s.name,
                self._href(section_path(s.slug), here),
                current=current_is_page and s.slug == current_section,
            )
            for s in self.site.sections
        )
        footer = (
            Link(labels["corrections"], self._href(CORRECTIONS_PATH, here)),
            Link(labels["feed"], self._href(FEED_PATH, here)),
            Link(labels["sitemap"], self._href(SITEMAP_PATH, here)),
        )
        return Chrome(
            lang=self.site.locale,
            site_name=self.site.name,
            home=self._href(HOME_PATH, here),
            stylesheet=self._href(self.assets.path(STYLESHEET), here),
            icon=self._href(self.assets.path(ICON), here),
            sections=sections,
            footer_links=footer,
            search=self._href(SEARCH_PATH, here),
            date_line=(
                Moment(date_line(date, self._zone, labels.language), iso(date, self._zone))
                if date is not None
                else None
            ),
            is_home=is_home,
        )

    def _og_common(
        self, *, title: str, description: str, kind: str, url: str, image: str, image_alt: str
    ) -> tuple[tuple[str, str], ...]:
        properties = [
            ("og:site_name", self.site.name),
            ("og:locale", _OG_LOCALES.get(self.site.locale, self.site.locale)),
            ("og:type", kind),
            ("og:title", title),
            ("og:description", description),
            ("og:url", url),
            ("og:image", image),
        ]
        if image_alt:
            properties.append(("og:image:alt", image_alt))
        return tuple(properties)

    def _article_head(
        self,
        article: Article,
        published: datetime,
        updated: datetime | None,
        here: str,
        hero: PictureRef | None = None,
    ) -> Head:
        url = self.links.absolute(article.path)
        description = shorten(article.summary, DESCRIPTION_LENGTH)
        image = self._share_image(article.image)
        social = hero.variant(VariantKind.SOCIAL, PictureFormat.JPEG) if hero else None
        crops = [
            v
            for kind in (VariantKind.CROP_16_9, VariantKind.CROP_4_3, VariantKind.CROP_1_1)
            if hero and (v := hero.variant(kind, PictureFormat.JPEG)) is not None
        ]
        if social is not None:
            image = self.links.absolute(social.path)
        published_iso = iso(published, self._zone)
        modified_iso = iso(updated, self._zone) if updated is not None else published_iso
        properties = [
            *self._og_common(
                title=article.title,
                description=description,
                kind="article",
                url=url,
                image=image,
                image_alt=article.image.alt if article.image else "",
            ),
        ]
        if social is not None:
            at = properties.index(("og:image", image)) + 1
            properties[at:at] = [
                ("og:image:type", "image/jpeg"),
                ("og:image:width", str(social.width)),
                ("og:image:height", str(social.height)),
            ]
        properties.append(("article:published_time", published_iso))
        properties.append(("article:modified_time", modified_iso))
        author_urls = [self._author_url(name) for name in article.authors]
        properties.extend(("article:author", url) for url in author_urls if url)
        properties.append(("article:section", article.section.name))
        properties.extend(("article:tag", tag.name) for tag in article.tags)
        publication = self._publication()
        data = news_article(
            url=url,
            headline=article.title,
            description=description,
            images=(
                tuple(
                    {
                        "@type": "ImageObject",
                        "url": self.links.absolute(c.path),
                        "width": c.width,
                        "height": c.height,
                    }
                    for c in crops
                )
                or (image,)
            ),
            published=published_iso,
            modified=modified_iso,
            authors=[
                author(name, url, publication)
                for name, url in zip(article.authors, author_urls, strict=True)
            ],
            section=article.section.name,
            keywords=tuple(tag.name for tag in article.tags),
            publication=publication,
            language=self.site.locale,
        )
        self._newsroom_notes(data, article, published, url)
        crumbs = breadcrumb_list(
            [(name, self.links.absolute(path)) for name, path in self._article_crumbs(article)]
        )
        return Head(
            title=f"{article.title} – {self.site.name}",
            description=description,
            canonical=url,
            properties=tuple(properties),
            names=(("twitter:card", "summary_large_image"),),
            feeds=(
                self._feed_link(
                    f"{article.section.name} – {self.site.name}",
                    section_feed_path(article.section.slug),
                    here,
                ),
            ),
            json_ld=self._json_ld(publication, data, crumbs),
            robots=IMAGE_PREVIEW,
        )

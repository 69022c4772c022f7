"""Site paths, bucket keys and the links between pages.

A page lives at a site path (`/sport/x/`) and is stored under a bucket key
(`sport/x/index.html`). Links come in two styles: `site`, root-relative, for the CDN;
`files`, relative and ending in `index.html`, so that a folder of pages opens from disk.
"""

from __future__ import annotations

import posixpath
import re
from typing import Literal
from urllib.parse import quote, urlsplit

# The site's fixed addresses are the domain's; they are re-exported here for templates.
from rotativa.domain.pages import CORRECTIONS_PATH as CORRECTIONS_PATH
from rotativa.domain.pages import FEED_PATH as FEED_PATH
from rotativa.domain.pages import HOME_PATH as HOME_PATH
from rotativa.domain.pages import NEWS_SITEMAP_PATH as NEWS_SITEMAP_PATH
from rotativa.domain.pages import NOT_FOUND_PATH as NOT_FOUND_PATH
from rotativa.domain.pages import SITEMAP_INDEX_PATH, object_key

LinkStyle = Literal["site", "files"]

SITEMAP_PATH = SITEMAP_INDEX_PATH

# What a path may carry unquoted: RFC 3986 pchar plus "/".
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"


page_key = object_key  # the one mapping from site paths to bucket keys


def section_path(section_slug: str) -> str:
    return f"/{section_slug}/"


def tag_path(tag_slug: str) -> str:
    return f"/tag/{tag_slug}/"


def author_path(author_slug: str) -> str:
    return f"/autore/{author_slug}/"


def section_feed_path(section_slug: str) -> str:
    return f"/{section_slug}/feed.xml"


def media_path(src: str) -> str:
    """Where an image lives: `media/x.jpg` → `/media/x.jpg`; `https://…` stays as it is."""
    if urlsplit(src).scheme:
        return src
    path = posixpath.normpath("/" + src.lstrip("/"))
    return quote(path, safe=_PATH_SAFE)


class Links:
    """Absolute URLs for the outside world and hrefs between pages, in one link style."""

    def __init__(self, base_url: str, style: LinkStyle = "site") -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.style: LinkStyle = style

    def absolute(self, path: str) -> str:
        """`https://example.it/sport/x/`: canonical URLs, feeds and sitemaps."""
        if urlsplit(path).scheme:
            return path
        return self.base_url + path.lstrip("/")

    def href(self, path: str, *, at: str) -> str:
        """A link to `path` from the page at `at`."""
        if self.style == "site" or urlsplit(path).scheme or not path.startswith("/"):
            return path
        target, _, fragment = path.partition("#")
        here = posixpath.dirname(page_key(at)) or "."
        relative = posixpath.relpath(page_key(target), here)
        return f"{relative}#{fragment}" if fragment else relative


# Attributes of a rendered body that point somewhere: relative media and site paths are
# rewritten so that they work from the article's own address (and from disk).
_BODY_URL = re.compile(r'(\s(?:src|href)=")([^"]*)(")')


def localise_body_links(html: str, links: Links, *, at: str) -> str:
    """Body links as the page needs them: `media/x.jpg` is the site's `/media/x.jpg`."""

    def rewrite(match: re.Match[str]) -> str:
        url = match.group(2)
        if not url or url.startswith(("#", "?", "//")) or urlsplit(url).scheme:
            return match.group(0)
        path = url if url.startswith("/") else media_path(url)
        return match.group(1) + links.href(path, at=at) + match.group(3)

    return _BODY_URL.sub(rewrite, html)

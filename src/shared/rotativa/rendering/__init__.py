"""The rendering layer: every page, feed and sitemap of the site as bytes, from data.

Pure functions of what each page shows (no AWS, no clock, no environment): the pipeline
decides which pages changed and calls `SiteRenderer`; the bytes it gets back are the same
for the same inputs, so unchanged pages are neither written nor invalidated.
"""

from __future__ import annotations

from rotativa.rendering.assets import AssetBundle, hashed_name, media_type
from rotativa.rendering.labels import PAGE_LABELS, Labels, date_line
from rotativa.rendering.listing import Listing, sort_newest_first
from rotativa.rendering.paths import (
    FEED_PATH,
    HOME_PATH,
    NEWS_SITEMAP_PATH,
    NOT_FOUND_PATH,
    SITEMAP_PATH,
    Links,
    LinkStyle,
    author_path,
    media_path,
    page_key,
    section_feed_path,
    section_path,
    tag_path,
)
from rotativa.rendering.renderer import SitemapEntry, SiteRenderer

__all__ = [
    "FEED_PATH",
    "HOME_PATH",
    "NEWS_SITEMAP_PATH",
    "NOT_FOUND_PATH",
    "PAGE_LABELS",
    "SITEMAP_PATH",
    "AssetBundle",
    "Labels",
    "LinkStyle",
    "Links",
    "Listing",
    "SiteRenderer",
    "SitemapEntry",
    "author_path",
    "date_line",
    "hashed_name",
    "media_path",
    "media_type",
    "page_key",
    "section_feed_path",
    "section_path",
    "sort_newest_first",
    "tag_path",
]

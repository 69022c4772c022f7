"""The search index's view of the site: one record per visible article.

What a record holds is decided by `SiteRenderer.search_record` (rendering/renderer.py:
the words, the result's title, date, section and thumbnail); the bundle is made by
`adapters.pagefind`; when and where it is written, by `services.search`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SEARCH_PATH = "/cerca/"  # the search page; its bundle lives below it
SEARCH_BUNDLE_PATH = "/cerca/pagefind/"  # pagefind's files, as the site serves them
SEARCH_BUNDLE_PREFIX = SEARCH_BUNDLE_PATH[1:]  # …and as the site bucket's keys begin
SECTION_FILTER = "sezione"  # the filter a result's section is kept under


@dataclass(frozen=True)
class SearchRecord:
    """One article as the index knows it."""

    url: str  # the site path readers open
    content: str  # the words that find it: headline, summary, body, as plain text
    meta: Mapping[str, str]  # what a result shows: title, date, section, image…
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: Mapping[str, str] = field(default_factory=dict)

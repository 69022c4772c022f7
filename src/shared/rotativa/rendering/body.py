"""The article body as its page shows it: under the headline, with links that resolve.

`domain.markdown.render_body` gives a sanitised fragment whose headings are shifted one
level down (`#` → h2, `##` → h3), and editors write `##` for their first subheading. On
the page that would put an h3 right under the h1, a skipped level the W3C checker rejects
and screen-reader users trip over. So the levels the body uses are renumbered in order
from h2, keeping their hierarchy (h3 + h5 → h2 + h3). The fragment is nh3's output, so
its heading tags carry no attributes and the rewrite is exact.
"""

from __future__ import annotations

import re

from rotativa.rendering.paths import Links, localise_body_links

_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)")


def outline_headings(html: str, top: int = 2) -> str:
    """Renumber the body's heading levels from `top` down, without gaps."""
    levels = sorted({int(level) for _, level in _HEADING_TAG.findall(html)})
    if not levels:
        return html
    mapping = {level: min(top + index, 6) for index, level in enumerate(levels)}
    if all(old == new for old, new in mapping.items()):
        return html
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{mapping[int(m.group(2))]}>", html)


def require_alt(html: str) -> str:
    """Give every body image an `alt`: empty where the editor wrote none.

    Validation already warned the editor about it; on the page an image without the
    attribute is invalid HTML, and screen readers read its file name out instead.
    """
    return _IMG_WITHOUT_ALT.sub('<img alt=""', html)


def page_body(html: str, links: Links, *, at: str) -> str:
    """The rendered body ready for the article page at `at`."""
    html = outline_headings(html)
    if "<img" in html:
        html = require_alt(html)
    if links.style == "files" or " src=" in html or " href=" in html:
        html = localise_body_links(html, links, at=at)
    return html

"""The article body as its page shows it: under the headline, with links that resolve.

`domain.markdown.render_body` already gives a sanitised fragment whose outline starts at
h2; here the page adds what only a page needs: an `alt` on every image and links that
resolve where the page is served from.
"""

from __future__ import annotations

import re

from rotativa.rendering.paths import Links, localise_body_links

_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)")


def require_alt(html: str) -> str:
    """Give every body image an `alt`: empty where the editor wrote none.

    Validation already warned the editor about it; on the page an image without the
    attribute is invalid HTML, and screen readers read its file name out instead.
    """
    return _IMG_WITHOUT_ALT.sub('<img alt=""', html)


def page_body(html: str, links: Links, *, at: str) -> str:
    """The rendered body ready for the article page at `at`."""
    if "<img" in html:
        html = require_alt(html)
    if links.style == "files" or " src=" in html or " href=" in html:
        html = localise_body_links(html, links, at=at)
    return html

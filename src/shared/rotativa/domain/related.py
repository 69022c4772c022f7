"""Which articles the "Articoli correlati" box shows.

Hugo-style weighted scoring (gohugo.io/content-management/related/): each shared tag
weighs most, the same section next, then closeness in time; tags carried by too large a
share of the site are ignored (Hugo's `cardinalityThreshold`), as they relate everything to
everything. Slugs the editor pinned in `related` come first, and when too few articles
score, the latest of the same section fill the box so that it is never empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.pages import ListingId, ListingKind

RELATED_BOX_SIZE = 5
TAG_WEIGHT = 100
SECTION_WEIGHT = 40
RECENCY_WEIGHT = 20
RECENCY_DAYS = 90  # articles further apart than this get no recency points
CARDINALITY_THRESHOLD = 0.5  # a tag on more than half of the articles relates nothing
#: The candidates of a box are the newest this many of each of its pool's listings, read
#: when the article is indexed; newer articles then push themselves into the box.
CANDIDATES_PER_LISTING = 20


@dataclass(frozen=True)
class TagStatistics:
    """How many published articles carry each tag, and how many there are in all."""

    counts: Mapping[str, int]
    total: int

    def is_distinctive(self, tag_slug: str) -> bool:
        if self.total < 10:
            return True  # a tiny site has no meaningful tag frequencies yet
        return self.counts.get(tag_slug, 0) <= CARDINALITY_THRESHOLD * self.total


def pool_listings(article: ArticleTeaser, stats: TagStatistics) -> list[ListingId]:
    """Where an article's related candidates come from: its section and each of its
    distinctive tags (a tag that relates nothing brings no candidates)."""
    return [ListingId(ListingKind.SECTION, article.section.slug)] + [
        ListingId(ListingKind.TAG, tag.slug)
        for tag in article.tags
        if stats.is_distinctive(tag.slug)
    ]


def score(article: ArticleTeaser, candidate: ArticleTeaser, stats: TagStatistics) -> float:
    """How related `candidate` is to `article`; 0 means not related at all."""
    return _score(article, _distinctive(article, stats), candidate)


def _distinctive(article: ArticleTeaser, stats: TagStatistics) -> frozenset[str]:
    return frozenset(t.slug for t in article.tags if stats.is_distinctive(t.slug))


def _score(article: ArticleTeaser, own: frozenset[str], candidate: ArticleTeaser) -> float:
    shared = len(own.intersection(t.slug for t in candidate.tags))
    same_section = candidate.section.slug == article.section.slug
    if not shared and not same_section:
        return 0.0
    days = abs((article.date - candidate.date).total_seconds()) / 86_400
    recency = max(0.0, 1.0 - days / RECENCY_DAYS)
    return shared * TAG_WEIGHT + same_section * SECTION_WEIGHT + recency * RECENCY_WEIGHT


def related_articles(
    article: ArticleTeaser,
    candidates: Iterable[ArticleTeaser],
    stats: TagStatistics,
    *,
    pinned: Sequence[str] = (),
    limit: int = RELATED_BOX_SIZE,
) -> list[ArticleTeaser]:
    """The box for `article`: pinned slugs first, then the best scores.

    The order is total (score, then date, then key), so the same inputs always give the
    same box and the page's bytes do not change for nothing.
    """
    pool = {c.key: c for c in candidates if c.key != article.key}
    chosen: dict[str, ArticleTeaser] = {}
    by_slug: dict[str, ArticleTeaser] = {}
    for candidate in sorted(pool.values(), key=lambda c: (c.date, c.key), reverse=True):
        by_slug.setdefault(candidate.slug, candidate)
    for slug in pinned:
        if slug in by_slug and len(chosen) < limit:
            chosen.setdefault(by_slug[slug].key, by_slug[slug])
    own = _distinctive(article, stats)  # once per box, not once per candidate
    scored = sorted(
        ((_score(article, own, c), c) for c in pool.values() if c.key not in chosen),
        key=lambda pair: (pair[0], pair[1].date, pair[1].key),
        reverse=True,
    )
    # Same-section candidates always score above zero, so when tags relate too few the
    # section's latest articles fill the box: it is never empty while the section is not.
    for value, candidate in scored:
        if len(chosen) >= limit or value <= 0:
            break
        chosen[candidate.key] = candidate
    return list(chosen.values())

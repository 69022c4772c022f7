"""What the homepage shows: the lead story, then each section's latest articles.

The rule a newsroom expects, in one place: the newest pinned article leads; without one,
the newest article of the site does. Each configured section then shows its newest
`homepage_count` articles, in the site's order, leaving the lead out so that no story is
shown twice. The RenderFunction (through `PageRenderer`), `rotativa local`, `rotativa
rebuild` and the benchmarks all render the homepage from this, and the IndexFunction asks
`home_depth` which section changes can move it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rotativa.domain.article import ArticleTeaser
from rotativa.domain.site import SectionSettings


@dataclass(frozen=True)
class SectionBlock:
    """One section on the homepage: its latest articles, newest first, already cut."""

    section: SectionSettings
    articles: tuple[ArticleTeaser, ...]


@dataclass(frozen=True)
class FrontPage:
    lead: ArticleTeaser | None
    blocks: tuple[SectionBlock, ...]


def home_depth(section: SectionSettings) -> int:
    """How many of a section's newest articles the homepage can show: its
    `homepage_count`, and one more, which moves up when the lead story is among them."""
    return section.homepage_count + 1


def front_page(
    *,
    pinned: ArticleTeaser | None,
    latest: Callable[[], ArticleTeaser | None],
    sections: Sequence[SectionSettings],
    newest: Callable[[SectionSettings, int], Sequence[ArticleTeaser]],
) -> FrontPage:
    """The homepage from the newest pinned article, `latest()`, the site's newest article
    (asked only without a pinned one), and `newest(section, n)`, a section's `n` newest
    articles (newest first)."""
    lead = pinned or latest()
    blocks = []
    for section in sections:
        articles = newest(section, home_depth(section))
        shown = tuple(a for a in articles if lead is None or a.key != lead.key)
        blocks.append(SectionBlock(section, shown[: section.homepage_count]))
    return FrontPage(lead, tuple(blocks))

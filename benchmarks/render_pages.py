"""Micro-benchmark: milliseconds to render one page, on the samples (`make bench`).

Not a test: it measures and prints. The samples are indexed into the in-memory twin of
the articles table before the clock starts, so the figures are the `PageRenderer`'s cost
(Markdown to HTML included for article pages), the work the RenderFunction does per page.
Each figure is the median of several rounds over all the samples, after a warm-up round
(templates compiled once per process, as in a warm Lambda).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rotativa.adapters.folder import read_uploads
from rotativa.adapters.memory import MemoryBucket, MemoryTable, NoInvalidations
from rotativa.domain.markdown import render_body
from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.site import SiteSettings
from rotativa.rendering.renderer import kept_body
from rotativa.services.rebuild import index_uploads
from rotativa.services.rendering import PageRenderer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TARGET_MS = 2.0


def per_call_ms(
    jobs: list[Callable[[], bytes]], rounds: int, before_round: Callable[[], None] = lambda: None
) -> float:
    """Median over `rounds` of the mean milliseconds per job."""
    for job in jobs:  # warm-up
        job()
    timings = []
    for _ in range(rounds):
        before_round()
        start = time.perf_counter()
        for job in jobs:
            job()
        timings.append((time.perf_counter() - start) * 1000 / len(jobs))
    return statistics.median(timings)


def body_job(body: str) -> Callable[[], bytes]:
    return lambda: render_body(body).html.encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)

    site = SiteSettings.from_file(SAMPLES / "site.yaml")
    now = datetime.now(UTC)
    table = MemoryTable()
    index_uploads(site, table, read_uploads(SAMPLES), now)
    pages = PageRenderer(site, table, MemoryBucket(), NoInvalidations())
    stored = [a for a in table.articles() if a.visible]

    def job(ref: PageRef) -> Callable[[], bytes]:
        return lambda: b"".join(o.body or b"" for o in pages.outputs(ref, now))

    articles = [job(PageRef.article(a.key, a.path or "")) for a in stored]
    tags = sorted(
        (ListingId(ListingKind.TAG, t.slug) for a in stored for t in a.teaser().tags),
        key=table.count,
    )
    figures = {
        # every body rendered from its Markdown, as on an article's first publication
        "article page": per_call_ms(articles, args.rounds, kept_body.cache_clear),
        # of which the body's Markdown → sanitised HTML (domain.markdown.render_body)
        "  of which Markdown": per_call_ms(
            [body_job(a.article.body) for a in stored if a.article is not None], args.rounds
        ),
        # the same pages again, as when new articles change their related boxes
        "article re-render": per_call_ms(articles, args.rounds),
        "homepage": per_call_ms([job(PageRef.of(PageKind.HOME))], args.rounds),
        # the front page of the largest tag (the samples have fewer than 20 in any)
        "listing page": per_call_ms([job(PageRef.listing(tags[-1]))], args.rounds),
        "RSS feed": per_call_ms([job(PageRef.feed())], args.rounds),
    }
    print(f"rotativa rendering, {len(articles)} sample articles, median of {args.rounds} rounds")
    for name, value in figures.items():
        print(f"  {name:<18} {value:7.3f} ms/page")
    verdict = "within" if figures["article page"] < TARGET_MS else "OVER"
    print(f"article pages: {verdict} the {TARGET_MS} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())

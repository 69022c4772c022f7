"""Micro-benchmark: milliseconds to render one page, on the samples (`make bench`).

Not a test: it measures and prints. Related boxes and listings are worked out before the
clock starts, so the figures are the rendering layer's own cost (Markdown to HTML included
for article pages), the work the RenderFunction does per page. Each figure is the median
of several rounds over all the samples, after a warm-up round (templates compiled once
per process, as in a warm Lambda).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rotativa.domain.markdown import render_body
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SiteRenderer, paginate
from rotativa.rendering.folder import FolderSite
from rotativa.rendering.renderer import rendered_body
from rotativa_tools.cli import article_files, upload_key

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
    files = list(article_files(SAMPLES / "articles"))
    folder = FolderSite.load(files, site, keys=[upload_key(f) for f in files])
    renderer = SiteRenderer(site)
    stats = folder.tag_statistics()
    teasers = folder.teasers()

    def article_job(index: int) -> Callable[[], bytes]:
        entry = folder.articles[index]
        related = folder.related(entry, stats)
        return lambda: renderer.article_page(
            entry.article, published=entry.published, updated=None, related=related
        )

    articles = [article_job(i) for i in range(len(folder.articles))]
    lead, blocks = folder.lead(), folder.blocks()
    (listing,) = paginate("tag", "Tutto", "/tag/tutto/", teasers[:20])
    figures = {
        # every body rendered from its Markdown, as on an article's first publication
        "article page": per_call_ms(articles, args.rounds, rendered_body.cache_clear),
        # of which the body's Markdown → sanitised HTML (domain.markdown.render_body)
        "  of which Markdown": per_call_ms(
            [body_job(a.article.body) for a in folder.articles], args.rounds
        ),
        # the same pages again, as when new articles change their related boxes
        "article re-render": per_call_ms(articles, args.rounds),
        "homepage": per_call_ms(
            [lambda: renderer.home_page(lead=lead, blocks=blocks)], args.rounds
        ),
        "listing page (20)": per_call_ms([lambda: renderer.listing_page(listing)], args.rounds),
        "RSS feed": per_call_ms(
            [
                lambda: renderer.feed(
                    title=site.name, page_path="/", feed_path="/feed.xml", articles=teasers
                )
            ],
            args.rounds,
        ),
    }
    print(f"rotativa rendering, {len(articles)} sample articles, median of {args.rounds} rounds")
    for name, value in figures.items():
        print(f"  {name:<18} {value:7.3f} ms/page")
    verdict = "within" if figures["article page"] < TARGET_MS else "OVER"
    print(f"article pages: {verdict} the {TARGET_MS} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())

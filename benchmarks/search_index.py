"""The search index: one rebuild of a site of N articles, and what it writes.

What the SearchFunction does once per batching window, measured in one process on this
machine: the visible articles read from the table's in-memory twin (on AWS: one Query per
month and one BatchGetItem per 100 articles, which this does not time), their records made
(`rendering.search_record`), the bundle built by pagefind's own binary, and the files
compared with the bucket's (a folder on tmpfs here, S3 on AWS: PutObject latency is not
in these figures). Three rebuilds of the same site, each timed as a whole:

- `first`: into an empty bucket (a new site, or a forced rebuild of a lost one);
- `one_changed`: after one article's body changed: the files written are its fragment,
  the index chunks its words touch, the filter and meta files (pagefind writes those anew
  at every build) and the entry;
- `unchanged`: the same records again: nothing is built or written (the table's digest).

The corpus is `benchmarks.corpus` (fixed bytes every run). `pagefind_peak_rss_mb` is the
largest resident size of the binary over the runs (RUSAGE_CHILDREN), which says how much
memory the SearchFunction needs beyond Python's.
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.corpus import FIXED_END, generate
from benchmarks.seeding import stored_articles
from rotativa.adapters.folder import FolderBucket
from rotativa.adapters.memory import MemoryTable
from rotativa.adapters.pagefind import build_bundle
from rotativa.domain.search import SEARCH_BUNDLE_PREFIX
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import index_articles
from rotativa.services.search import SearchIndexer, SearchRefresh

NOW = FIXED_END + timedelta(hours=1)


def _figures(result: SearchRefresh, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "articles": result.articles,
        "files_in_bundle": result.files,
        "files_written": len(result.written),
        "bytes_written": result.bytes_written,
        "files_deleted": len(result.deleted),
        "paths_invalidated": len(result.invalidated),
        "unchanged": result.unchanged,
    }


def one_size(n: int, site: SiteSettings, work: Path) -> dict[str, Any]:
    stored = stored_articles(generate(n), site)
    table = MemoryTable()
    index_articles(site, table, stored, NOW)
    out = work / f"search-{n}"
    shutil.rmtree(out, ignore_errors=True)
    bucket = FolderBucket(out)

    class Sent:
        def send(self, changes: object) -> None:
            del changes

    search = SearchIndexer(site, table, table, bucket, Sent(), build_bundle, builds=table)
    runs: dict[str, Any] = {}

    def timed(name: str, body: Callable[[], SearchRefresh]) -> None:
        started = time.perf_counter()
        result = body()
        runs[name] = _figures(result, time.perf_counter() - started)

    timed("first", lambda: search.refresh(NOW))
    # one article's body changes, as an editor's correction would (committed to the table)
    changed = stored[len(stored) // 2]
    assert changed.article is not None
    edited = changed.article.model_copy(
        update={"body": changed.article.body + "\n\nAggiornamento."}
    )
    index_articles(site, table, [replace(changed, article=edited)], NOW)
    timed("one_changed", lambda: search.refresh(NOW + timedelta(minutes=5)))
    timed("unchanged", lambda: search.refresh(NOW + timedelta(minutes=10)))
    bundle_bytes = sum(
        p.stat().st_size for p in (out / SEARCH_BUNDLE_PREFIX).rglob("*") if p.is_file()
    )
    shutil.rmtree(out, ignore_errors=True)
    return {"n": n, "bundle_bytes": bundle_bytes, **runs}


def run(sizes: list[int], work: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    from benchmarks.fullbuild import template_site

    # the site as the template configures the functions, read on moto in this process
    # (a section before may have left AWS_ENDPOINT_URL pointing at its own moto server)
    endpoint = os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        site = template_site()
    finally:
        if endpoint is not None:
            os.environ["AWS_ENDPOINT_URL"] = endpoint
    results = []
    for n in sizes:
        log(f"search index: {n:,} articles")
        results.append(one_size(n, site, work))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"sizes": results, "pagefind_peak_rss_mb": round(peak, 1)}

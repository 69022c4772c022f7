"""Seed a local cloud with a site of N articles without running N publishes through it.

Publishing 10,000 articles one by one through moto would take hours; what the benchmark
needs is the state they leave behind. So each generated upload is validated exactly as
the ValidateFunction does (`validate_upload`), committed with the real adapter
(`ArticlesTable.commit`: the article item and its address claim, in one transaction),
and the IndexFunction's items (memberships, sharded counters, teasers, related boxes,
months) are written in bulk with the adapter's own item shapes, computed by the code the
IndexFunction runs (`records.memberships`; the related boxes its `Indexer` keeps, run over
the in-memory twin of the table by `services.rebuild.index_articles`). The site bucket
then gets every page the RenderFunction would have written, rendered by the same
`PageRenderer` from the same state.

The table's stream is switched off while seeding (the seeded articles are history, not
changes for the IndexFunction to replay) and on again before the measured publish.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition as s3_partition

from benchmarks.corpus import GeneratedArticle
from rotativa.adapters.articles_table import ArticlesTable, _encode, article_pk
from rotativa.adapters.buckets import CONTENT_HASH, content_hash
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.records import (
    ArticleState,
    KeptBody,
    StoredArticle,
    memberships,
    month_of,
)
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import Rebuild, RebuildReport, index_articles, site_pages
from rotativa.services.validation import validate_upload
from rotativa_tools.local.cloud import LocalCloud


@dataclass(frozen=True)
class Seeded:
    articles: int
    table_items: int
    site_objects: int


def stored_articles(
    articles: Sequence[GeneratedArticle], site: SiteSettings
) -> list[StoredArticle]:
    """Each upload as the table holds it once published (validated like the cloud does)."""
    stored = []
    for number, generated in enumerate(articles, start=1):
        report = validate_upload(generated.key, generated.upload(), site)
        if report.article is None:
            problems = [p.message("en") for p in report.problems]
            raise ValueError(f"{generated.key} is not valid: {problems}")
        published = report.article.date or generated.date
        stored.append(
            StoredArticle(
                key=generated.key,
                order=f"{number:032X}",  # the width of a padded S3 sequencer
                state=ArticleState.PUBLISHED,
                received_at=published,
                article=report.article,
                first_published=published,
                kept_body=KeptBody.of(report.article.body, report.body_html),  # as ingest
            )
        )
    return stored


@contextmanager
def stream_paused(cloud: LocalCloud) -> Iterator[None]:
    """moto's table without its stream for the length of the block (seeding only)."""
    backend = dynamodb_backends[cloud.stack.account_id][cloud.stack.region]
    table = backend.tables[cloud.table]
    shard = table.stream_shard
    table.stream_shard = None
    try:
        yield
    finally:
        table.stream_shard = shard


def seed_table(
    cloud: LocalCloud,
    site: SiteSettings,
    stored: Sequence[StoredArticle],
    memory: MemoryTable,
    now: datetime,
) -> int:
    """Write what N publishes would have left in the articles table; returns the items."""
    del now  # memberships follow the stored state, never the clock
    table = ArticlesTable(cloud.table, site, cloud.clients.dynamodb)
    items: list[dict[str, Any]] = []
    counters: Counter[tuple[str, str]] = Counter()
    months: set[str] = set()
    with stream_paused(cloud):
        for article in stored:
            table.commit(article, release_path=None, seen=None)
            joined = memberships(article)
            if not joined:
                continue
            teaser = article.teaser()
            for listing, position in joined.items():
                items.append(table._member_item(listing, position, teaser))
                key = table._counter_update(listing, article.key, +1)["Update"]["Key"]
                counters[(key["pk"]["S"], key["sk"]["S"])] += 1
            months.add(month_of(article.published))
            items.append(
                _encode(
                    {
                        "pk": article_pk(article.key),
                        "sk": "teaser",
                        "teaser": teaser.model_dump_json(),
                    }
                )
            )
            items.append(
                _encode(
                    {
                        "pk": article_pk(article.key),
                        "sk": "related",
                        "keys": json.dumps(memory.related(article.key)),
                    }
                )
            )
        items.extend(_encode({"pk": pk, "sk": sk, "n": n}) for (pk, sk), n in counters.items())
        items.extend(_encode({"pk": "months", "sk": month}) for month in sorted(months))
        _batch_write(cloud, items)
    return len(items) + 2 * len(stored)


def _batch_write(cloud: LocalCloud, items: list[dict[str, Any]]) -> None:
    client = cloud.clients.dynamodb
    for start in range(0, len(items), 25):
        pending: Any = {
            cloud.table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
        }
        while pending:
            response = client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or None


class MotoSiteBucket:
    """The site bucket written straight into moto's S3 backend, with the object shape
    `SiteBucket.put_if_changed` gives it (bytes, content type, cache control and the
    content hash in the metadata, a 301's target as its redirect location): 13,000 pages
    through boto3 would take minutes."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.backend = s3_backends[cloud.stack.account_id][s3_partition(cloud.stack.region)]
        self.bucket = cloud.site_bucket

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        # No article has an old address yet; a listing's bucket that is its front's copy
        # answers a 301 to the front, as SiteBucket writes it.
        digest = content_hash(body, redirect)
        stored = self.backend.put_object(self.bucket, key, body, disable_notification=True)
        stored.website_redirect_location = redirect
        stored.set_metadata(
            {
                f"x-amz-meta-{CONTENT_HASH}": digest,
                "Content-Type": content_type,
                "Cache-Control": cache_control,
            }
        )
        return digest

    def delete(self, key: str) -> bool:
        del key  # a seeded site has nothing to remove
        return False


def seed_site_bucket(
    cloud: LocalCloud, site: SiteSettings, memory: MemoryTable, now: datetime
) -> RebuildReport:
    """Every page of the seeded site, rendered by the RenderFunction's `PageRenderer` and
    stored in the site bucket as it stores them."""
    return Rebuild(site, memory, MotoSiteBucket(cloud)).run(site_pages(memory, site), now)


def seed(
    cloud: LocalCloud, site: SiteSettings, articles: Sequence[GeneratedArticle], now: datetime
) -> Seeded:
    stored = stored_articles(articles, site)
    memory = MemoryTable()
    index_articles(site, memory, stored, now)
    items = seed_table(cloud, site, stored, memory, now)
    written = seed_site_bucket(cloud, site, memory, now)
    return Seeded(len(stored), items, written.written)

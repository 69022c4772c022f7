"""A DynamoDB table export ("export to S3", DYNAMODB_JSON) of a site's articles table,
for `rotativa rebuild --table-export` (the full-rebuild race, its tests).

What AWS writes, as `aws s3 sync s3://bucket/prefix/AWSDynamoDB/<export id>/ DIR` brings
it down: `data/<name>.json.gz`, gzipped lines of `{"Item": {<attribute>: {<type>: value}}}`,
beside `manifest-summary.json` and `manifest-files.json`. The items are those the articles
table holds once the articles are published and indexed, in the adapter's own shapes (the
same `benchmarks.seeding` writes into moto). No moto, no boto3 call: usable by unit tests.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from rotativa.adapters.articles_table import ArticlesTable, _article_item, _encode, article_pk
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.records import StoredArticle, memberships, month_of
from rotativa.domain.site import SiteSettings

EXPORT_ID = "01700000000000-bench"  # the folder an export to S3 names after its id
ITEMS_PER_DATA_FILE = 20_000  # an export splits its items over several files too


class _NoClient:
    """The table's adapter used only for its item shapes: it never calls DynamoDB."""


def table_items(
    site: SiteSettings, stored: Sequence[StoredArticle], memory: MemoryTable
) -> Iterator[dict[str, Any]]:
    """The articles table's items once `stored` are published and `memory` indexed them,
    as DynamoDB JSON in the adapter's shapes (as `benchmarks.seeding` writes them into
    moto): each article item and its address claim, then the IndexFunction's items."""
    table = ArticlesTable("articles", site, cast(Any, _NoClient()))
    counters: Counter[tuple[str, str]] = Counter()
    months: set[str] = set()
    for article in stored:
        yield _encode(_article_item(article))
        if article.path is not None:
            yield _encode({"pk": f"path#{article.path}", "sk": "claim", "owner": article.key})
        for path in memory.redirects_of(article.key):
            yield _encode({"pk": f"redirect#{path}", "sk": "redirect", "owner": article.key,
                           "gsi1pk": f"redirects#{article.key}", "gsi1sk": path})  # fmt: skip
        joined = memberships(article)
        if not joined:
            continue
        teaser = article.teaser()
        for listing, position in joined.items():
            yield table._member_item(listing, position, teaser)
            key = table._counter_update(listing, article.key, +1)["Update"]["Key"]
            counters[(key["pk"]["S"], key["sk"]["S"])] += 1
        months.add(month_of(article.published))
        pk = article_pk(article.key)
        yield _encode({"pk": pk, "sk": "teaser", "teaser": teaser.model_dump_json()})
        yield _encode({"pk": pk, "sk": "related", "keys": json.dumps(memory.related(article.key))})
    for (pk, sk), n in sorted(counters.items()):
        yield _encode({"pk": pk, "sk": sk, "n": n})
    for month in sorted(months):
        yield _encode({"pk": "months", "sk": month})


def write_table_export(items: Iterable[dict[str, Any]], folder: Path) -> Path:
    """A DynamoDB export to S3 in DYNAMODB_JSON as `aws s3 sync` brings it down:
    `AWSDynamoDB/<export id>/` with `data/<n>.json.gz` (one `{"Item": …}` a line) and the
    manifests. Returns the export's folder (what `rotativa rebuild --table-export` takes)."""
    export = folder / "AWSDynamoDB" / EXPORT_ID
    shutil.rmtree(folder, ignore_errors=True)
    (export / "data").mkdir(parents=True)
    files: list[dict[str, Any]] = []
    batch: list[str] = []

    def flush() -> None:
        name = f"data/{len(files):04d}.json.gz"
        # mtime=0: the same items give the same bytes
        with gzip.GzipFile(export / name, "wb", mtime=0) as out:
            out.write("".join(batch).encode())
        files.append({"itemCount": len(batch), "dataFileS3Key": f"{export.name}/{name}"})
        batch.clear()

    for item in items:
        batch.append(json.dumps({"Item": item}, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(batch) == ITEMS_PER_DATA_FILE:
            flush()
    if batch or not files:
        flush()
    total = sum(f["itemCount"] for f in files)
    manifest = "".join(json.dumps(f) + "\n" for f in files)
    (export / "manifest-files.json").write_text(manifest)
    summary = {
        "exportArn": f"arn:aws:dynamodb:::table/articles/export/{EXPORT_ID}",
        "exportFormat": "DYNAMODB_JSON",
        "itemCount": total,
        "manifestFilesS3Key": f"{export.name}/manifest-files.json",
    }
    (export / "manifest-summary.json").write_text(json.dumps(summary, indent=2))
    return export

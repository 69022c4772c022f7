"""Rebuild against the local cloud: from the articles table, into the site bucket or the
render queue, with the bytes the pipeline itself wrote as the reference."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.buckets import SiteBucket
from rotativa.adapters.memory import MemoryTable
from rotativa.adapters.queues import RenderQueue
from rotativa.domain.pages import PageKind, RenderRequest, object_key
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import Rebuild, fan_out, index_articles, site_pages
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article

ARTICLES = [
    ("articles/derby.md", article("Il derby", tags=("Calcio", "Pro"), date="2024-05-01T10:00")),
    ("articles/coppa.md", article("La coppa", tags=("Calcio",), date="2024-05-01T12:00")),
    ("articles/basket.md", article("Basket, vittoria", tags=("Basket",), date="2024-04-30T18:00")),
    ("articles/mercato.md", article("Il mercato", section="Bresso", tags=("Commercio",),
                                    date="2024-04-29T09:00")),
    ("articles/ciclabile.md", article("La ciclabile", section="Bresso",
                                      tags=("Trasporti", "Calcio"), date="2024-04-02T09:00")),
    ("articles/bozza.md", article("Una bozza", extra="status: draft\n")),
]  # fmt: skip


class Recorder:
    """The site bucket, seen through what a rebuild asked of it."""

    def __init__(self, bucket: SiteBucket) -> None:
        self.bucket = bucket
        self.keys: set[str] = set()

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        self.keys.add(key)
        return self.bucket.put_if_changed(
            key, body, content_type=content_type, cache_control=cache_control, redirect=redirect
        )

    def delete(self, key: str) -> bool:
        self.keys.add(key)
        return self.bucket.delete(key)


class Bytes:
    """A site bucket in memory."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        del content_type, cache_control, redirect
        self.files[key] = body
        return "changed"

    def delete(self, key: str) -> bool:
        return self.files.pop(key, None) is not None


@pytest.fixture(scope="module")
def published() -> Iterator[LocalCloud]:
    with mock_aws():
        cloud = LocalCloud.start()
        for key, text in ARTICLES:
            cloud.put(key, text)
        cloud.run_until_quiet()
        yield cloud


@pytest.fixture
def site(published: LocalCloud) -> SiteSettings:
    return SiteSettings.from_environment(published.stack.functions["RenderFunction"].environment)


def bucket_files(cloud: LocalCloud) -> dict[str, bytes]:
    """The pages: not the media, nor the search index (the SearchFunction's, not pages)."""
    return {
        k: v
        for k, v in cloud.site_files().items()
        if not k.startswith(("media/", "cerca/pagefind/"))
    }


def test_a_rebuild_from_the_table_rewrites_nothing_that_did_not_change(
    published: LocalCloud, site: SiteSettings
) -> None:
    table = ArticlesTable(published.table, site, published.clients.dynamodb)
    refs = site_pages(table, site)
    recorder = Recorder(SiteBucket(published.site_bucket, published.clients.s3))

    report = Rebuild(site, table, recorder).run(refs, datetime.now(UTC))

    # Only the news sitemap may be new: the pipeline renders it when a recent article
    # changes, and these are older than its 48 hours.
    assert [path for path, _ in report.changes] in ([], ["/news-sitemap.xml"])
    assert report.removed == 0
    # every page the pipeline wrote is one the rebuild knows about
    assert set(bucket_files(published)) <= recorder.keys
    assert sum(r.kind is PageKind.ARTICLE for r in refs) == 5  # not the draft


def test_the_table_indexed_in_memory_renders_the_bytes_the_pipeline_wrote(
    published: LocalCloud, site: SiteSettings
) -> None:
    """The pipeline's article items, indexed again in the order they were published by
    the same `Indexer` into the in-memory twin of the table: the same pages, byte for byte
    (related boxes included, not copied from the table)."""
    table = ArticlesTable(published.table, site, published.clients.dynamodb)
    keys = [key for key, _ in ARTICLES]
    stored = [found for key in keys if (found := table.get(key)) is not None]
    memory = MemoryTable()
    now = datetime.now(UTC)
    index_articles(site, memory, stored, now)
    assert {k: memory.related(k) for k in keys} == {k: table.related(k) for k in keys}
    storage = Bytes()

    Rebuild(site, memory, storage).run(site_pages(memory, site), now)

    expected = bucket_files(published)
    expected.pop(object_key("/news-sitemap.xml"), None)  # depends on when it is rendered
    storage.files.pop(object_key("/news-sitemap.xml"), None)
    assert storage.files == expected


def test_the_render_queue_rebuilds_every_page_and_invalidates_nothing(
    published: LocalCloud, site: SiteSettings
) -> None:
    table = ArticlesTable(published.table, site, published.clients.dynamodb)
    refs = site_pages(table, site)
    queue = RenderQueue(published.stack.outputs["RenderQueueUrl"], published.clients.sqs)
    invalidations = len(published.invalidations())
    rendered: list[int] = []

    def count(invocation: Any, event: dict[str, Any]) -> None:
        if invocation.function == "RenderFunction":  # a message names up to 25 pages
            rendered.extend(
                len(RenderRequest.from_message(json.loads(r["body"])).pages)
                for r in event["Records"]
            )

    published.pump.observer = count
    try:
        fan_out(refs, queue)
        published.run_until_quiet()
    finally:
        published.pump.observer = None

    assert sum(rendered) == len(refs)
    assert len(published.invalidations()) == invalidations  # same bytes: nothing to purge


def test_a_template_change_reaches_every_page_and_one_hand_over(
    published: LocalCloud, site: SiteSettings
) -> None:
    table = ArticlesTable(published.table, site, published.clients.dynamodb)
    refs = site_pages(table, site)
    renamed = site.model_copy(update={"name": "Nordmilano Notizie Sera"})
    sent: list[int] = []

    class Invalidations:
        def send(self, changes: Sequence[tuple[str, str]]) -> None:
            sent.append(len(changes))

    storage = Bytes()
    report = Rebuild(renamed, table, storage, Invalidations()).run(refs, datetime.now(UTC))

    pages = [k for k in storage.files if k.endswith(".html")]
    assert all(b"Nordmilano Notizie Sera" in storage.files[k] for k in pages)
    assert sent == [report.written]


@pytest.mark.parametrize("ledger", [True, False])
def test_a_rebuild_into_the_bucket_keeps_the_page_ledger_true(
    ledger: bool, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The RenderFunction trusts the ledger's hashes: a page the CLI rewrote must be written
    again when a render makes the bytes the ledger held before."""
    from rotativa_tools.cli import main
    from tests.conftest import SAMPLES

    with mock_aws():
        # GIVEN a published article
        cloud = LocalCloud.start()
        key, text = ARTICLES[0]
        cloud.put(key, text)
        cloud.run_until_quiet()
        page = object_key("/sport/derby/")
        published = cloud.site_files()[page]
        # WHEN a rebuild from a folder writes another version of its page into the bucket
        folder = tmp_path / "content"
        (folder / "articles").mkdir(parents=True)
        (folder / "articles" / "derby.md").write_text(
            text.replace("Testo dell'articolo.", "Rinviato.")
        )
        command = ["rebuild", str(folder), "--site", str(SAMPLES / "site.yaml")]
        command += ["--bucket", cloud.site_bucket, "--no-search", "--quiet"]
        if ledger:
            command += ["--ledger-table", cloud.table]
        assert main(command) == 0
        assert cloud.site_files()[page] != published
        warned = "--ledger-table" in capsys.readouterr().err
        assert warned is not ledger
        if not ledger:
            return  # said, and left to the operator: the rebuild cannot know the table
        # AND the pipeline renders the article again from the table (a redrive)
        site = SiteSettings.from_environment(cloud.stack.functions["RenderFunction"].environment)
        table = ArticlesTable(cloud.table, site, cloud.clients.dynamodb)
        refs = [r for r in site_pages(table, site) if r.kind is PageKind.ARTICLE]
        fan_out(refs, RenderQueue(cloud.stack.outputs["RenderQueueUrl"], cloud.clients.sqs))
        cloud.run_until_quiet()
        # THEN the bucket holds the pipeline's page again, not the rebuild's
        assert cloud.site_files()[page] == published

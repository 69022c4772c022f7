"""One render batch: each page once, the table read once, one send, failures kept apart."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.site import SiteSettings
from rotativa.services.rendering import PageRenderer
from rotativa.services.snapshot import Snapshot
from tests.fakes import MemoryPages, MemorySite, RecordingInvalidations
from tests.unit.test_indexing import NOW
from tests.unit.test_page_renderer import site_of

ARTICLES = [
    {"key": f"articles/a{i}.md", "title": f"Articolo {i}", "date": f"2024-04-{i + 1:02d}T10:00"}
    for i in range(6)
]


class CountingPages(MemoryPages):
    """The fake table, counting every read by method."""

    def __init__(self, inner: MemoryPages) -> None:
        self.__dict__.update(inner.__dict__)
        self.reads: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        found = object.__getattribute__(self, name)
        if name not in {"get", "slice", "members", "months", "counts", "teasers", "related",
                        "related_boxes", "path_owner", "redirect_owner"}:  # fmt: skip
            return found
        reads = object.__getattribute__(self, "reads")

        def read(*args: Any, **kwargs: Any) -> Any:  # counted when called, not when named
            reads[name] += 1
            return found(*args, **kwargs)

        return read


def article_ref(store: MemoryPages, key: str) -> PageRef:
    path = store.articles[key].path
    assert path is not None
    return PageRef.article(key, path)


def batch_pages(store: MemoryPages) -> list[PageRef]:
    return [
        PageRef.of(PageKind.HOME),
        PageRef.of(PageKind.FRONTS_SITEMAP),
        PageRef.of(PageKind.SITEMAP_INDEX),
        PageRef.of(PageKind.FEED),
        PageRef.of(PageKind.NEWS_SITEMAP),
        *(article_ref(store, a["key"]) for a in ARTICLES),
    ]


def break_page(monkeypatch: pytest.MonkeyPatch, broken: PageRef, error: Exception) -> None:
    """Make every rendering of `broken` raise `error`; the other pages render as ever."""
    original = PageRenderer.outputs

    def outputs(self: PageRenderer, ref: PageRef, now: Any) -> Any:
        if ref == broken:
            raise error
        return original(self, ref, now)

    monkeypatch.setattr(PageRenderer, "outputs", outputs)


def test_a_batch_reads_each_item_once_and_sends_once(settings: SiteSettings) -> None:
    store, _, _, _ = site_of(settings, *ARTICLES)
    counting = CountingPages(store)
    site, invalidations = MemorySite(), RecordingInvalidations()
    renderer = PageRenderer(settings, counting, site, invalidations)

    batch = renderer.render_batch(batch_pages(store) * 2, NOW)  # every page asked twice

    assert not batch.failed
    assert len(invalidations.batches) == 1  # one message for the whole batch
    assert {path for path, _ in batch.changes} >= {"/", "/sitemap.xml", "/feed.xml"}
    assert counting.reads["months"] == 1  # four pages walk the months; one read
    assert counting.reads["related"] == 0  # the boxes come in one prefetch
    assert counting.reads["related_boxes"] == 1
    assert counting.reads["get"] == len(ARTICLES)  # each article item once
    # the same bytes as pages rendered one by one
    alone = MemorySite()
    one_by_one = PageRenderer(settings, store, alone, RecordingInvalidations())
    for ref in batch_pages(store):
        one_by_one.render([ref], NOW)
    assert alone.objects == site.objects


def test_a_failing_page_is_reported_and_the_others_still_go_out(
    settings: SiteSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, renderer, site, invalidations = site_of(settings, *ARTICLES)
    broken = article_ref(store, ARTICLES[0]["key"])
    break_page(monkeypatch, broken, TimeoutError("the table timed out"))
    batch = renderer.render_batch(batch_pages(store), NOW)

    assert list(batch.failed) == [broken]
    assert isinstance(batch.failed[broken], TimeoutError)
    assert "index.html" in site.objects  # the rest was stored...
    assert invalidations.batches  # ...and invalidated, without the broken page
    assert all(path != broken.path for path, _ in invalidations.batches[0])
    with pytest.raises(TimeoutError):  # render() (the rebuild's) still raises it
        renderer.render([broken], NOW)


def test_the_snapshot_answers_smaller_newest_slices_from_one_read(
    settings: SiteSettings,
) -> None:
    store, _, _, _ = site_of(settings, *ARTICLES)
    counting = CountingPages(store)
    snapshot = Snapshot(counting)
    section = ListingId(ListingKind.SECTION, settings.sections[0].slug)
    everything = store.slice(section, skip_newest=0, take=50)
    assert snapshot.slice(section, skip_newest=0, take=1) == everything[:1]
    assert snapshot.slice(section, skip_newest=0, take=5) == everything[:5]
    assert snapshot.slice(section, skip_newest=0, take=20) == everything[:20]
    assert counting.reads["slice"] == 1
    assert snapshot.slice(section, skip_newest=0, take=50) == everything  # more: read again
    assert counting.reads["slice"] == 2
    assert snapshot.slice(section, skip_newest=1, take=2) == everything[1:3]


def test_the_handler_fails_only_the_messages_of_failed_pages(
    settings: SiteSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    from pathlib import Path

    from rotativa import bootstrap

    store, renderer, _, _ = site_of(settings, *ARTICLES)
    broken = article_ref(store, ARTICLES[1]["key"])
    break_page(monkeypatch, broken, ConnectionError("S3 reset the connection"))
    monkeypatch.setattr(bootstrap, "page_renderer", lambda: renderer)
    path = Path(__file__).parents[2] / "src/functions/render/app.py"
    spec = importlib.util.spec_from_file_location("render_app_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)

    def record(message_id: str, body: str) -> dict[str, str]:
        return {"messageId": message_id, "body": body}

    event = {
        "Records": [
            record("m-home", json.dumps(PageRef.of(PageKind.HOME).as_message())),
            record("m-broken", json.dumps(broken.as_message())),
            record("m-broken-again", json.dumps(broken.as_message())),
            record("m-garbage", "{not json"),
        ]
    }

    class Context:
        function_name = "render"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:eu-south-1:123456789012:function:render"
        aws_request_id = "req-1"

    response = app.lambda_handler(event, Context())
    failed = sorted(item["itemIdentifier"] for item in response["batchItemFailures"])
    assert failed == ["m-broken", "m-broken-again", "m-garbage"]


def test_a_read_month_answers_the_smaller_reads_of_it(settings: SiteSettings) -> None:
    store, _, _, _ = site_of(settings, *ARTICLES)
    counting = CountingPages(store)
    snapshot = Snapshot(counting)
    month = store.months()[0]
    listing = ListingId(ListingKind.MONTH, month)
    snapshot.members(listing)  # as the month's sitemap reads it (it renders first in a batch)
    reads = counting.reads["slice"] + counting.reads["members"]
    for skip, take, newest_first in [(0, 1, True), (0, 50, True), (2, 3, True), (1, 2, False)]:
        expected = store.slice(listing, skip_newest=skip, take=take, newest_first=newest_first)
        found = snapshot.slice(listing, skip_newest=skip, take=take, newest_first=newest_first)
        assert found == expected
    assert counting.reads["slice"] + counting.reads["members"] == reads  # no read more

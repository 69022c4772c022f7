"""Pending renders on moto: the IndexFunction's render queue leaves out what a request on
its way will render, and nothing else; and on the local cloud, with the template's batching
windows kept by the clock, a page is rendered once for what was queued before its render
began, and again for what changed after."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from rotativa import bootstrap
from rotativa.adapters.queues import RenderQueue
from rotativa.adapters.render_marks import (
    KEEP_SECONDS,
    PENDING_SECONDS,
    TTL_ATTRIBUTE,
    PendingRenders,
)
from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef, RenderRequest
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.conftest import REGION
from tests.integration.pipeline_helpers import article, site_page

HOME = PageRef.of(PageKind.HOME)
FEED = PageRef.feed()
SPORT = PageRef.listing(ListingId(ListingKind.SECTION, "sport"))


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def parts(aws: None) -> tuple[RenderQueue, PendingRenders, Clock, Any]:  # noqa: ARG001
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="articles",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="render")["QueueUrl"]
    clock = Clock()
    marks = PendingRenders("articles", dynamodb, clock)
    return RenderQueue(url, sqs, marks), marks, clock, sqs


def received(sqs: Any, url: str) -> list[RenderRequest]:
    found: list[RenderRequest] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(RenderRequest.from_message(json.loads(message["Body"])))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def pages_of(requests: list[RenderRequest]) -> set[PageRef]:
    return {page for request in requests for page in request.pages}


def test_a_page_a_waiting_request_names_is_not_sent_again(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any],
) -> None:
    queue, _, _, sqs = parts
    # GIVEN a request for the homepage and the feed, not yet rendered
    queue.send([HOME, FEED])
    first = received(sqs, queue.url)
    assert pages_of(first) == {HOME, FEED}
    assert len({r.token for r in first}) == 1
    # WHEN a later change names them again, and the sport front
    queue.send([HOME, FEED, SPORT])
    # THEN only the sport front is sent: the waiting request will read the newer indexes
    assert pages_of(received(sqs, queue.url)) == {SPORT}
    assert queue.left_out == 2


def test_a_page_whose_render_has_begun_is_sent_again(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any],
) -> None:
    queue, marks, _, sqs = parts
    queue.send([HOME, FEED])
    [request] = received(sqs, queue.url)
    # GIVEN its render began (it marks its token before reading the table)
    marks.rendering([request.token])
    # WHEN a change made after that names the homepage
    queue.send([HOME])
    # THEN it is sent again: the render under way may have read the table before the change
    [again] = received(sqs, queue.url)
    assert again.pages == (HOME,)
    assert again.token != request.token


def test_a_mark_written_after_its_render_began_holds_nothing_back(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any],
) -> None:
    queue, marks, _, sqs = parts
    # GIVEN an IndexFunction slow to mark: its request was rendered before the mark landed
    marks.rendering(["t-slow"])
    marks.mark([HOME], "t-slow")
    # THEN the homepage is not taken as pending
    queue.send([HOME])
    assert pages_of(received(sqs, queue.url)) == {HOME}


def test_a_request_that_never_renders_holds_its_pages_for_a_while_only(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any],
) -> None:
    queue, _, clock, sqs = parts
    queue.send([HOME])
    received(sqs, queue.url)  # lost: it never reaches a render (its messages in the DLQ)
    queue.send([HOME])
    assert received(sqs, queue.url) == []
    clock.moment += timedelta(seconds=PENDING_SECONDS + 1)
    queue.send([HOME])
    assert pages_of(received(sqs, queue.url)) == {HOME}


def test_pages_left_unmarked_by_a_failure_are_sent_again(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    queue, marks, _, sqs = parts
    from botocore.exceptions import ClientError

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "TransactionCanceledException"}}, "Transact")

    # GIVEN the marks could not be written after the send
    monkeypatch.setattr(marks.client, "transact_write_items", refuse)
    queue.send([HOME])
    monkeypatch.undo()
    received(sqs, queue.url)
    # THEN the next change sends the page again (work, never a page lost)
    queue.send([HOME])
    assert pages_of(received(sqs, queue.url)) == {HOME}


def test_two_hundred_pages_go_in_one_send(
    parts: tuple[RenderQueue, PendingRenders, Clock, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    queue, _, _, sqs = parts
    sends = []
    original = sqs.send_message_batch

    def counted(**kwargs: Any) -> Any:
        sends.append(len(kwargs["Entries"]))
        return original(**kwargs)

    monkeypatch.setattr(sqs, "send_message_batch", counted)
    pages = [PageRef.article(f"articles/{n}.md", f"/sport/{n}/") for n in range(200)]
    queue.send(pages)
    assert sends == [8]  # 25 pages a request
    assert pages_of(received(sqs, queue.url)) == set(pages)


# --- the pipeline, with its batching windows kept by the clock ---------------------------


class Renders:
    """What each RenderFunction invocation rendered, and when (by the local clock)."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.batches: list[tuple[datetime, set[PageRef]]] = []

    def __call__(self, invocation: Any, event: dict[str, Any]) -> None:
        if invocation.function != "RenderFunction":
            return
        pages = {
            page
            for record in event["Records"]
            for page in RenderRequest.from_message(json.loads(record["body"])).pages
        }
        self.batches.append((self.cloud.clock.now(), pages))

    def count(self, page: PageRef) -> int:
        return sum(page in pages for _, pages in self.batches)


def test_a_burst_renders_each_page_once_and_a_later_change_again(
    aws: None,  # noqa: ARG001
) -> None:
    observed: list[Renders] = []
    cloud = LocalCloud.start(observer=lambda i, e: observed[0](i, e))
    renders = Renders(cloud)
    observed.append(renders)
    cloud.pump.timed = True
    cloud.clock.freeze()
    # GIVEN twelve uploads arriving over four seconds: the IndexFunction (1 s window) runs
    # several times before the RenderFunction's 2 s window closes, each naming the homepage
    for second in range(4):
        for n in range(3):
            number = second * 3 + n
            text = article(f"Articolo {number}", date=f"2024-05-01T{number:02}:00")
            cloud.put(f"articles/a{number}.md", text)
        cloud.pump.run_due()
        cloud.clock.advance(timedelta(seconds=1))
    cloud.run_until_quiet()
    indexes = [i for i in cloud.pump.invocations if i.function == "IndexFunction"]
    assert len(indexes) >= 2
    # THEN no page was rendered twice from requests queued before its render began: the
    # later invocations left out what the first had queued
    home = renders.count(HOME)
    assert home == 1
    assert bootstrap.indexer().queue.left_out > 0  # type: ignore[attr-defined]
    for _, pages in renders.batches:
        assert len(pages) == len(set(pages))
    # AND the section front, rendered once, shows every article of the burst
    assert renders.count(SPORT) == 1
    front = site_page(cloud, "/sport/")
    assert front is not None
    for number in range(12):
        assert f"Articolo {number}<" in front, number

    # WHEN an article changes after its render
    cloud.put("articles/a11.md", article("Articolo undici corretto", date="2024-05-01T11:00"))
    cloud.run_until_quiet()
    # THEN the homepage and the front are rendered again, and show the change
    assert renders.count(HOME) == home + 1
    assert renders.count(SPORT) == 2
    front = site_page(cloud, "/sport/")
    assert front is not None
    assert "Articolo undici corretto<" in front


def test_marks_are_deleted_by_the_tables_ttl_and_nothing_else_carries_its_attribute(
    aws: None,  # noqa: ARG001
) -> None:
    # GIVEN the stack as the template declares it, after one publish
    cloud = LocalCloud.start()
    cloud.put("articles/a.md", article("Articolo a", date="2024-05-01T08:00"))
    cloud.run_until_quiet()
    dynamodb = cloud.clients.dynamodb
    # THEN the table's TTL reads the attribute the marks carry
    ttl = dynamodb.describe_time_to_live(TableName=cloud.table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    assert ttl["AttributeName"] == TTL_ATTRIBUTE
    items = [
        item
        for page in dynamodb.get_paginator("scan").paginate(TableName=cloud.table)
        for item in page["Items"]
    ]
    marks = [i for i in items if i["pk"]["S"].startswith(("render#page:", "render#sent:"))]
    assert marks, "the publish left marks"
    now = cloud.clock.now().timestamp()
    for mark in marks:
        # AND each mark outlives its use by a day, then goes
        assert now < float(mark[TTL_ATTRIBUTE]["N"]) <= now + KEEP_SECONDS + 1
    # AND no article, listing, box or ledger item would ever be deleted by it
    assert [i["pk"]["S"] for i in items if TTL_ATTRIBUTE in i and i not in marks] == []

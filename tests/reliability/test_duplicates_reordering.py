"""S3 events arrive one to three times, in any order, in any batches: the site converges.

Hypothesis draws a few puts, updates and deletes on a handful of upload keys, applies them
to the inbox on moto (so every event names a real version), and builds the AWS-shaped
notifications with increasing sequencers. They are then delivered to the ValidateFunction
duplicated, shuffled and cut into random batches (sometimes letting the rest of the
pipeline run between batches). The final site bucket, table and reports must equal those
of a fresh stack given the same operations once, in order.

What legitimately differs, and is left out of the comparison: version ids (moto draws new
ones per stack), `order` (ingest takes it from S3's LastModified, not from the event, so
that a forged event cannot freeze an article), `received_at`, `first_published` and
`updated` (when the system *saw* a version: a reordered run may never see an intermediate
one). The generated articles all carry a `date` later than every event, so none of those
fields reaches a page. For the same reason the old addresses an article leaves when it
moves differ: an address that was live only in a version the reordered run skipped never
had readers there. So redirects are compared by what must hold in each run (each leads in
one hop to a live page, and none sits on one), and the pages apart from them must be
equal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article, call, sqs_event
from tests.reliability.cloud_helpers import article_items, comparable_site, reports

KEYS = ("articles/alfa.md", "articles/beta.md", "articles/gamma.md")
ANCHOR = "articles/ancora.md"
EVENT_TIME = datetime(2024, 4, 1, 6, 0, tzinfo=UTC)  # before every article's date


def variant(key: str, which: int) -> str:
    """What an editor may upload under `key`: each key has its own slug, so keys never
    compete for an address (which upload wins one is first come, first served)."""
    name = key.removeprefix("articles/").removesuffix(".md")
    if which == 0:
        return article(f"{name} prima", tags=("Calcio",), date="2024-05-01T10:00")
    if which == 1:
        return article(
            f"{name} seconda", section="Bresso", tags=("Scuola", "Calcio"), date="2024-05-02T09:30"
        )
    if which == 2:
        return article(f"{name} bozza", extra="status: draft\n", date="2024-05-03T08:00")
    if which == 3:
        return "---\ntitle: [rotto\nsection: Sport\n---\nTesto\n"  # rejected with a report
    return article(
        f"{name} in apertura", tags=("Pro Sesto",), extra="pinned: true\n", date="2024-05-04T12:00"
    )


@dataclass(frozen=True)
class Operation:
    key: str
    variant: int | None  # None: a delete


operations = st.lists(
    st.builds(
        Operation,
        st.sampled_from(KEYS),
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
    ),
    min_size=1,
    max_size=6,
)


def start() -> LocalCloud:
    """A stack whose site already has one article: a site's first page (homepage, 404,
    assets) is written by its first publish, which a delete overtaking the put skips."""
    cloud = LocalCloud.start()
    cloud.put(
        ANCHOR, article("Ancora", section="Bresso", tags=("Calcio",), date="2024-04-20T08:00")
    )
    cloud.run_until_quiet()
    return cloud


def apply(cloud: LocalCloud, ops: list[Operation]) -> list[str]:
    """Do the operations on the inbox; the SQS bodies S3 would send, in sequencer order."""
    s3 = cloud.clients.s3
    bodies = []
    for i, op in enumerate(ops):
        if op.variant is None:
            response: Any = s3.delete_object(Bucket=cloud.inbox, Key=op.key)
            name = "ObjectRemoved:DeleteMarkerCreated"
        else:
            body = variant(op.key, op.variant).encode()
            response = s3.put_object(Bucket=cloud.inbox, Key=op.key, Body=body)
            name = "ObjectCreated:Put"
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": cloud.stack.region,
            "eventTime": (EVENT_TIME + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
            "eventName": name,
            "s3": {
                "bucket": {"name": cloud.inbox},
                "object": {
                    "key": op.key,
                    "versionId": response.get("VersionId"),
                    "sequencer": f"{0x0066310C5B7E4F2A51 + i * 7:X}",
                },
            },
        }
        bodies.append(json.dumps({"Records": [record]}))
    _drain_ingest_queue(cloud)  # moto's own notifications: ours replace them
    return bodies


def _drain_ingest_queue(cloud: LocalCloud) -> None:
    url = cloud.stack.outputs["IngestQueueUrl"]
    while messages := cloud.clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages"
    ):
        for message in messages:
            cloud.clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def deliver(cloud: LocalCloud, bodies: list[str]) -> None:
    event = sqs_event(cloud, "IngestQueue", list(bodies))
    assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}


def outcome(cloud: LocalCloud) -> tuple[dict[str, bytes], dict[str, Any], dict[str, Any]]:
    site = comparable_site(cloud.site_files())
    redirects = {}
    for key in site:
        head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)
        if "WebsiteRedirectLocation" in head:
            redirects[key] = head["WebsiteRedirectLocation"]
    for key, target in redirects.items():
        page = target.lstrip("/") + "index.html"
        assert page in site, f"{key} leads to {target}, which is not a page"
        assert page not in redirects, f"{key} leads to {target}, another redirect"
        del site[key]
    return site, comparable(article_items(cloud)), reports(cloud)


def comparable(items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The table without what depends on when a version was seen (see the module doc).

    Pending-render marks name random tokens and clock times: each run's own. What must
    hold of them in every run is that, once quiet, no page is still held by a request
    that never began rendering.
    """
    begun = {
        str(i["pk"]).removeprefix("render#sent:") for i in items.values() if i["sk"] == "rendered"
    }
    held = [
        str(i["pk"])
        for i in items.values()
        if i["sk"] == "pending"
        and str(i["pk"]).startswith("render#page:")
        and i["token"] not in begun
    ]
    assert held == [], f"pages still held by requests never rendered: {held}"
    kept: dict[str, Any] = {}
    for name, item in items.items():
        if str(item["pk"]).startswith(("render#page:", "render#sent:")):
            continue
        item = dict(item)
        if item.get("sk") == "article":
            for field in ("received_at", "version_id", "first_published", "updated", "order"):
                item.pop(field, None)  # `order` starts with S3's LastModified: each stack's own
        if "teaser" in item:
            teaser = json.loads(item["teaser"])
            teaser.pop("updated", None)
            item["teaser"] = teaser
        if str(item["pk"]).startswith("count#") and int(item.get("n", 0)) == 0:
            continue  # a listing emptied again and one never filled are the same
        if item.get("sk") == "related" and json.loads(item["keys"]) == []:
            continue  # an empty box left by a deleted article: the same as none
        if item.get("sk") == "redirect":
            continue  # old addresses: which ones depends on the versions seen (module doc)
        kept[name] = item
    return kept


@st.composite
def deliveries(draw: st.DrawFn, count: int) -> tuple[list[list[int]], list[bool]]:
    """Each event one to three times, shuffled, cut into batches of one to ten; and after
    which batches the rest of the pipeline runs."""
    copies = [i for i in range(count) for _ in range(draw(st.integers(1, 3)))]
    order = draw(st.permutations(copies))
    batches: list[list[int]] = []
    while order:
        size = draw(st.integers(1, min(10, len(order))))
        batches.append(list(order[:size]))
        order = order[size:]
    pauses = [draw(st.booleans()) for _ in batches]
    return batches, pauses


@given(data=st.data(), ops=operations)
def test_duplicated_reordered_batched_events_converge_on_the_in_order_result(
    aws_environment: None,  # noqa: ARG001
    data: st.DataObject,
    ops: list[Operation],
) -> None:
    batches, pauses = data.draw(deliveries(len(ops)), label="deliveries")
    assert_converges(ops, batches, pauses)
    _count_example(len(ops), sum(len(batch) for batch in batches), len(batches))  # passed


def assert_converges(ops: list[Operation], batches: list[list[int]], pauses: list[bool]) -> None:
    """The property, for one draw (test_regressions.py replays the draws it once failed)."""
    # GIVEN the operations applied once, in order
    with mock_aws():
        cloud = start()
        for body in apply(cloud, ops):
            deliver(cloud, [body])
        cloud.run_until_quiet()
        expected = outcome(cloud)

    # WHEN the same operations' events come duplicated, shuffled and batched
    with mock_aws():
        cloud = start()
        bodies = apply(cloud, ops)
        for batch, pause in zip(batches, pauses, strict=True):
            deliver(cloud, [bodies[i] for i in batch])
            if pause:
                cloud.run_until_quiet()
        cloud.run_until_quiet()
        site, table, found_reports = outcome(cloud)

    # THEN the site, the table and the reports are the same
    expected_site, expected_table, expected_reports = expected
    assert sorted(site) == sorted(expected_site)
    differing = [k for k in site if site[k] != expected_site[k]]
    assert differing == [], first_difference(differing, site, expected_site)
    assert table == expected_table
    assert found_reports == expected_reports


def _count_example(operations: int, deliveries: int, batches: int) -> None:
    """With ROTATIVA_EXAMPLE_LOG set, one line per example run: the soak's figures."""
    log = os.environ.get("ROTATIVA_EXAMPLE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{operations} {deliveries} {batches}\n")


def first_difference(keys: list[str], got: dict[str, bytes], wanted: dict[str, bytes]) -> str:
    import difflib

    if not keys:
        return ""
    key = keys[0]
    lines = difflib.unified_diff(
        wanted[key].decode(errors="replace").splitlines(),
        got[key].decode(errors="replace").splitlines(),
        "in order",
        "reordered",
        lineterm="",
        n=1,
    )
    return f"{key}:\n" + "\n".join(list(lines)[:30])

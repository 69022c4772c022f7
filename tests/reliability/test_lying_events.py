"""Events that lie, against S3's truth: replayed, forged and foreign events, two files of
one name (`x.md`, `x.json`), and uploads competing for one address, in any order.

Hypothesis draws puts and deletes on three uploads that all want the address
`/sport/conteso/` (`conteso.md`, its JSON twin `conteso.json`, and `altro.md` with
`slug: conteso`), applies them to the inbox on moto, and delivers their events duplicated,
shuffled and batched, mixed with forged events (any sequencer up to `FFFF…`, a real or
made-up version, puts and deletes, another bucket's name). Whatever the draw, once the
system is quiet the site says what the inbox holds now:

- every article the inbox holds is live with its current title, or its report says why
  not (`slug_taken` naming the holder, or `name_twin`); nothing is frozen at an old version;
- while `conteso.md` is in the inbox, `conteso.json` is not on the site;
- the address has exactly one live holder whenever one of them may have it, and its page
  shows that holder; a deleted upload is on no page.

Unlike test_duplicates_reordering, which of two competing uploads holds the address is not
compared with an in-order run: the first to be looked at wins, as documented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article, call, sqs_event
from tests.reliability.cloud_helpers import article_items
from tests.reliability.test_duplicates_reordering import _drain_ingest_queue, deliveries

MD, JSON, OTHER = "articles/conteso.md", "articles/conteso.json", "articles/altro.md"
KEYS = (MD, JSON, OTHER)
ADDRESS = "/sport/conteso/"
EVENT_TIME = datetime(2024, 4, 1, 6, 0, tzinfo=UTC)


def content(key: str, which: int) -> str:
    title = f"{key.removeprefix('articles/')} v{which}"
    if key == JSON:
        return json.dumps({"title": title, "section": "Sport", "date": "2024-05-01T10:00",
                           "body": "Testo."})  # fmt: skip
    return article(title, slug="conteso" if key == OTHER else None)


@dataclass(frozen=True)
class Operation:
    key: str
    variant: int | None  # None: a delete


@dataclass(frozen=True)
class Forgery:
    key: str
    delete: bool
    sequencer: str
    real_version: bool  # names a version the key really had (a replay) or a made-up one
    foreign: bool  # names another bucket


operations = st.lists(
    st.builds(Operation, st.sampled_from(KEYS), st.one_of(st.none(), st.integers(0, 3))),
    min_size=1,
    max_size=6,
)
forgeries = st.lists(
    st.builds(
        Forgery,
        st.sampled_from(KEYS),
        st.booleans(),
        st.sampled_from(["F" * 40, "0", "0066310C5B7E4F2A52", "7" * 20]),
        st.booleans(),
        st.booleans(),
    ),
    max_size=4,
)


def record(cloud: LocalCloud, key: str, name: str, version: str | None, sequencer: str,
           at: datetime, bucket: str | None = None) -> str:  # fmt: skip
    obj: dict[str, Any] = {"key": key, "sequencer": sequencer}
    if version:
        obj["versionId"] = version
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": cloud.stack.region,
        "eventTime": at.isoformat().replace("+00:00", "Z"), "eventName": name,
        "s3": {"bucket": {"name": bucket or cloud.inbox}, "object": obj},
    }]})  # fmt: skip


def apply(cloud: LocalCloud, ops: list[Operation], forged: list[Forgery]) -> list[str]:
    s3 = cloud.clients.s3
    bodies: list[str] = []
    versions: dict[str, str | None] = {}
    for i, op in enumerate(ops):
        at = EVENT_TIME + timedelta(seconds=i)
        sequencer = f"{0x0066310C5B7E4F2A51 + i * 7:X}"
        if op.variant is None:
            response: Any = s3.delete_object(Bucket=cloud.inbox, Key=op.key)
            bodies.append(record(cloud, op.key, "ObjectRemoved:DeleteMarkerCreated",
                                 response.get("VersionId"), sequencer, at))  # fmt: skip
        else:
            body = content(op.key, op.variant).encode()
            response = s3.put_object(Bucket=cloud.inbox, Key=op.key, Body=body)
            versions.setdefault(op.key, response.get("VersionId"))
            bodies.append(record(cloud, op.key, "ObjectCreated:Put", response.get("VersionId"),
                                 sequencer, at))  # fmt: skip
    for forgery in forged:
        version = versions.get(forgery.key) if forgery.real_version else "forged-version"
        name = "ObjectRemoved:Delete" if forgery.delete else "ObjectCreated:Put"
        bucket = "rotativa-someone-else" if forgery.foreign else None
        bodies.append(record(cloud, forgery.key, name, version, forgery.sequencer,
                             EVENT_TIME + timedelta(days=3650), bucket))  # fmt: skip
    _drain_ingest_queue(cloud)  # moto's own notifications: ours replace them
    return bodies


def in_inbox(cloud: LocalCloud) -> dict[str, str]:
    """The title of each article the inbox holds now."""
    found = {}
    for key in KEYS:
        try:
            data = cloud.clients.s3.get_object(Bucket=cloud.inbox, Key=key)["Body"].read()
        except cloud.clients.s3.exceptions.NoSuchKey:
            continue
        text = data.decode()
        found[key] = json.loads(text)["title"] if key == JSON else text.split('"')[1]
    return found


def assert_tells_the_inbox_truth(cloud: LocalCloud) -> None:
    holds = in_inbox(cloud)
    items = article_items(cloud)
    live = {}
    for key in KEYS:
        item = items.get(f"article#{key}|article")
        if item is not None and item["state"] == "published":
            live[key] = json.loads(item["article"])["title"]
    for key, title in live.items():
        assert holds.get(key) == title, (
            f"{key} is live as {title!r}; the inbox holds {holds.get(key)!r}"
        )
    if MD in holds:
        assert JSON not in live, "the JSON twin is live beside its Markdown file"
    may_hold = {k for k in holds if not (k == JSON and MD in holds)}
    assert len(live) == (1 if may_hold else 0), (live, holds)
    claim = items.get(f"path#{ADDRESS}|claim")
    if live:
        [(holder, title)] = live.items()
        assert claim is not None
        assert claim["owner"] == holder
        page = cloud.clients.s3.get_object(Bucket=cloud.site_bucket, Key="sport/conteso/index.html")
        assert title in page["Body"].read().decode()
    else:
        assert "sport/conteso/index.html" not in cloud.site_files()
    for key in holds.keys() - live.keys():
        report = json.loads(cloud.clients.s3.get_object(
            Bucket=cloud.inbox, Key=f"reports/{key}.json")["Body"].read())  # fmt: skip
        codes = [e["code"] for e in report["errors"]]
        assert report["status"] == "rejected", (key, report)
        assert {"slug_taken", "name_twin"} & set(codes), (key, codes)


@given(data=st.data(), ops=operations, forged=forgeries)
def test_lying_events_never_outvote_the_inbox(
    aws_environment: None,  # noqa: ARG001
    data: st.DataObject,
    ops: list[Operation],
    forged: list[Forgery],
) -> None:
    with mock_aws():
        cloud = LocalCloud.start()
        bodies = apply(cloud, ops, forged)
        batches, pauses = data.draw(deliveries(len(bodies)), label="deliveries")
        for batch, pause in zip(batches, pauses, strict=True):
            event = sqs_event(cloud, "IngestQueue", [bodies[i] for i in batch])
            assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}
            if pause:
                cloud.run_until_quiet()
        cloud.run_until_quiet()
        assert_tells_the_inbox_truth(cloud)

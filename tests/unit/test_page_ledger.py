"""The page ledger (adapters/page_ledger.py): a render batch learns what the site bucket
holds from the table in one read, and the ledger never claims bytes S3 may not hold.

On moto: the articles table's key schema and a site bucket, the RenderFunction's
`SiteBucket` with its ledger, and every call counted by operation.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.buckets import CONTENT_HASH, SiteBucket, content_hash
from rotativa.adapters.page_ledger import (
    ABSENT,
    CLAIM_SECONDS,
    UNKNOWN,
    PageLedger,
    is_claim,
    stored,
)
from rotativa.domain.pages import SiteWrite

REGION: Final = "eu-south-1"
TABLE, BUCKET = "articles", "site"
HTML = {"content_type": "text/html; charset=utf-8", "cache_control": "public"}


class Calls:
    """Every AWS call the clients make, by operation."""

    def __init__(self, *clients: Any) -> None:
        self.count: Counter[str] = Counter()
        for client in clients:
            client.meta.events.register("before-call.*.*", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.count[model.name] += 1

    def reset(self) -> None:
        self.count.clear()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield dynamodb, s3


def _site(aws: tuple[Any, Any]) -> tuple[SiteBucket, PageLedger, Calls]:
    dynamodb, s3 = aws
    ledger = PageLedger(TABLE, dynamodb)
    return SiteBucket(BUCKET, s3, ledger), ledger, Calls(dynamodb, s3)


def _page(key: str, body: bytes) -> SiteWrite:
    return SiteWrite(key, body, **HTML)


def _body(aws: tuple[Any, Any], key: str) -> bytes | None:
    try:
        return bytes(aws[1].get_object(Bucket=BUCKET, Key=key)["Body"].read())
    except aws[1].exceptions.NoSuchKey:
        return None


def test_a_batch_knows_its_stored_hashes_from_one_read_and_asks_s3_nothing(
    aws: tuple[Any, Any],
) -> None:
    site, ledger, calls = _site(aws)
    pages = [_page(f"p{i}/index.html", f"<h1>{i}</h1>".encode()) for i in range(30)]
    # GIVEN a batch of thirty new pages stored once
    first = site.store_many(pages)
    assert first == [content_hash(p.body or b"") for p in pages]
    # WHEN the same batch is stored again, one page changed and one gone
    calls.reset()
    again = [
        *pages[:28],
        _page("p28/index.html", b"<h1>nuovo</h1>"),
        SiteWrite("p29/index.html", None),
    ]
    results = site.store_many(again)
    # THEN only those two changed, and S3 was written for them alone, asked nothing
    assert results[:28] == [None] * 28
    assert results[28] == content_hash(b"<h1>nuovo</h1>")
    assert results[29] == "deleted:p29/index.html"
    assert calls.count == Counter(
        {"BatchGetItem": 1, "TransactWriteItems": 2, "PutObject": 1, "DeleteObject": 1}
    )
    assert _body(aws, "p28/index.html") == b"<h1>nuovo</h1>"
    assert _body(aws, "p29/index.html") is None
    # AND the ledger says what S3 holds, the deleted page included
    states = ledger.read(["p0/index.html", "p28/index.html", "p29/index.html"])
    assert states["p0/index.html"] == stored(content_hash(b"<h1>0</h1>"))
    assert states["p28/index.html"] == stored(content_hash(b"<h1>nuovo</h1>"))
    assert states["p29/index.html"] == ABSENT
    # AND a page that is still gone costs no S3 call, and comes back when rendered again
    calls.reset()
    assert site.store_many([SiteWrite("p29/index.html", None)]) == [None]
    assert calls.count == Counter({"BatchGetItem": 1})
    assert site.put_if_changed("p29/index.html", b"<h1>29</h1>", **HTML) is not None
    assert _body(aws, "p29/index.html") == b"<h1>29</h1>"


def test_an_object_written_before_the_ledger_is_asked_of_s3_once(aws: tuple[Any, Any]) -> None:
    site, ledger, calls = _site(aws)
    old = SiteBucket(BUCKET, aws[1])  # a writer without the ledger: the site before it
    old.put_if_changed("home/index.html", b"<h1>Home</h1>", **HTML)
    calls.reset()
    # WHEN the RenderFunction renders the same bytes
    assert site.store_many([_page("home/index.html", b"<h1>Home</h1>")]) == [None]
    # THEN it asked S3 (HeadObject) and wrote nothing, and the ledger knows it from now on
    assert calls.count["HeadObject"] == 1
    assert calls.count["PutObject"] == 0
    assert ledger.read(["home/index.html"]) == {
        "home/index.html": stored(content_hash(b"<h1>Home</h1>"))
    }
    calls.reset()
    assert site.store_many([_page("home/index.html", b"<h1>Home</h1>")]) == [None]
    assert calls.count == Counter({"BatchGetItem": 1})


def test_a_key_another_writer_holds_is_written_the_old_way_and_left_unknown(
    aws: tuple[Any, Any],
) -> None:
    site, ledger, calls = _site(aws)
    key = "home/index.html"
    site.put_if_changed(key, b"<h1>A</h1>", **HTML)
    # GIVEN another render batch that claimed the key and is writing it
    other = ledger.new_claim()
    assert ledger.claim({key: stored(content_hash(b"<h1>A</h1>"))}, other) == {key}
    # WHEN this batch stores the key meanwhile
    calls.reset()
    assert site.store_many([_page(key, b"<h1>B</h1>")]) == [content_hash(b"<h1>B</h1>")]
    # THEN it asked S3 before writing, and left the key unknown in the ledger
    assert calls.count["HeadObject"] == 1
    assert _body(aws, key) == b"<h1>B</h1>"
    assert ledger.read([key]) == {key: UNKNOWN}
    # AND the other's settle no longer lands: the ledger cannot claim bytes S3 may not hold
    assert ledger.settle({key: stored(content_hash(b"<h1>C</h1>"))}, other) == set()
    assert ledger.read([key]) == {key: UNKNOWN}
    # AND the next batch asks S3, finds its bytes there, and knows them again
    calls.reset()
    assert site.store_many([_page(key, b"<h1>B</h1>")]) == [None]
    assert calls.count["HeadObject"] == 1
    assert ledger.read([key]) == {key: stored(content_hash(b"<h1>B</h1>"))}


def test_a_key_taken_between_the_read_and_the_claim_is_written_the_old_way(
    aws: tuple[Any, Any],
) -> None:
    site, ledger, _ = _site(aws)
    site.store_many([_page("a/index.html", b"a"), _page("b/index.html", b"b")])
    read = ledger.read

    def read_then_lose_b(keys: Any) -> dict[str, str]:
        states = read(keys)
        # another batch claims b right after this batch read the ledger
        ledger.claim({"b/index.html": states["b/index.html"]}, ledger.new_claim())
        return states

    ledger.read = read_then_lose_b  # type: ignore[method-assign]
    results = site.store_many([_page("a/index.html", b"a2"), _page("b/index.html", b"b2")])
    ledger.read = read  # type: ignore[method-assign]
    # THEN both pages are written; a is known to the ledger, b is left for S3 to say
    assert results == [content_hash(b"a2"), content_hash(b"b2")]
    assert (_body(aws, "a/index.html"), _body(aws, "b/index.html")) == (b"a2", b"b2")
    assert ledger.read(["a/index.html", "b/index.html"]) == {
        "a/index.html": stored(content_hash(b"a2")),
        "b/index.html": UNKNOWN,
    }


def test_a_claim_whose_writer_died_lapses(aws: tuple[Any, Any]) -> None:
    site, ledger, calls = _site(aws)
    key = "home/index.html"
    lapsed = f"p:dead:{time.time() - CLAIM_SECONDS - 1:.0f}"
    assert not is_claim(lapsed)
    assert is_claim(ledger.new_claim())
    ledger.claim({key: None}, lapsed)
    # WHEN a batch stores the key a dead writer claimed
    assert site.store_many([_page(key, b"<h1>Home</h1>")]) == [content_hash(b"<h1>Home</h1>")]
    # THEN it claimed it as unknown (asking S3 first) and settled it
    assert calls.count["HeadObject"] == 1
    assert ledger.read([key]) == {key: stored(content_hash(b"<h1>Home</h1>"))}


def test_a_failed_write_fails_alone_and_is_not_recorded(
    aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, ledger, _ = _site(aws)
    site.store_many([_page("a/index.html", b"a"), _page("b/index.html", b"b")])
    put = site.client.put_object

    def refuse_b(**kwargs: Any) -> Any:
        if kwargs["Key"] == "b/index.html":
            raise RuntimeError("S3 is down for b")
        return put(**kwargs)

    monkeypatch.setattr(site.client, "put_object", refuse_b)
    results = site.store_many([_page("a/index.html", b"a2"), _page("b/index.html", b"b2")])
    # THEN a is stored and b's failure is its result, for its page alone to be retried
    assert results[0] == content_hash(b"a2")
    assert isinstance(results[1], RuntimeError)
    # AND the ledger does not say b holds bytes it does not: S3 is asked next time
    assert ledger.read(["b/index.html"]) == {"b/index.html": UNKNOWN}
    assert _body(aws, "b/index.html") == b"b"


def test_a_settle_that_fails_stores_the_pages_and_costs_only_a_head_later(
    aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, ledger, calls = _site(aws)
    key = "home/index.html"

    def throttled(*_: Any, **__: Any) -> set[str]:
        raise RuntimeError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(ledger, "settle", throttled)
    # WHEN the ledger cannot be settled after the writes
    assert site.store_many([_page(key, b"<h1>A</h1>")]) == [content_hash(b"<h1>A</h1>")]
    monkeypatch.undo()
    # THEN the page is stored, and the key still holds that batch's claim
    assert _body(aws, key) == b"<h1>A</h1>"
    assert is_claim(ledger.read([key])[key])
    # AND the next batch writes the key the old way, correctly
    calls.reset()
    assert site.store_many([_page(key, b"<h1>B</h1>")]) == [content_hash(b"<h1>B</h1>")]
    assert calls.count["HeadObject"] == 1
    assert _body(aws, key) == b"<h1>B</h1>"


def test_a_key_named_twice_in_a_batch_is_stored_and_reported_once(aws: tuple[Any, Any]) -> None:
    site, _, calls = _site(aws)
    page = _page("assets/site.css", b"body{}")
    results = site.store_many([page, page])
    assert results == [content_hash(b"body{}"), None]
    assert calls.count["PutObject"] == 1
    head = aws[1].head_object(Bucket=BUCKET, Key="assets/site.css")
    assert head["Metadata"][CONTENT_HASH] == content_hash(b"body{}")

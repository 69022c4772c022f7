"""S3 notifications as real S3 and moto send them, read leniently."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotativa.domain.inbox import (
    Change,
    InboxEvent,
    MalformedNotification,
    decode_key,
    order_key,
    parse_notification,
)
from tests.events import load_event, sqs_bodies


def events_of(name: str) -> list[InboxEvent]:
    return [e for body in sqs_bodies(load_event(name)) for e in parse_notification(body)]


def test_real_aws_put_event() -> None:
    [event] = events_of("validate/s3-put")
    assert event.change is Change.PUT
    assert event.key == "articles/massimo-carrera-spartak-mosca.md"
    assert event.bucket == "rotativa-dev-inbox-123456789012"
    assert event.sequencer == "0066310C5B7E4F2A51"
    assert event.version_id == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    assert event.is_article
    assert not event.is_media


def test_delete_marker_is_a_delete() -> None:
    [event] = events_of("validate/s3-delete")
    assert event.change is Change.DELETE
    assert event.order > events_of("validate/s3-put")[0].order


def test_test_event_is_ignored() -> None:
    assert events_of("validate/s3-test-event") == []


@pytest.mark.parametrize(
    "name", ["validate/s3-put-spaces-accents", "validate/s3-put-moto"], ids=["aws", "moto"]
)
def test_keys_with_spaces_and_accents_in_both_encodings(name: str) -> None:
    [event] = events_of(name)
    assert event.key == "articles/Carrera a Mosca – Città.md"


def test_moto_event_without_sequencer_is_ordered_by_time() -> None:
    [event] = events_of("validate/s3-put-moto")
    assert event.sequencer is None
    later = order_key(None, datetime(2024, 5, 1, 6, 15, 0, 124000, tzinfo=UTC))
    assert event.order < later


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("0055B988749AB3B1", "0055B988749AB3B2"),
        ("FFFF", "0055B988749AB3B1"),  # shorter means smaller once left-padded
        ("0066310C5B7E4F2A51", "0066310C5B7E4F2A5100"),
        ("a1", "A2"),
    ],
)
def test_sequencers_compare_after_left_padding(older: str, newer: str) -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    assert order_key(older, when) < order_key(newer, when)
    assert len(order_key(older, when)) == len(order_key(newer, when))


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("articles/a+b.md", "articles/a b.md"),
        ("articles%2Fa+b.md", "articles/a b.md"),
        ("articles/citt%C3%A0%2B1.md", "articles/città+1.md"),
        ("media/foto%20uno.jpg", "media/foto uno.jpg"),
    ],
)
def test_decode_key(raw: str, key: str) -> None:
    assert decode_key(raw) == key


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"Records": "x"}', '{"Records": [{"eventName": "ObjectCreated:Put"}]}'],
)
def test_malformed_notifications_are_refused(body: str) -> None:
    with pytest.raises(MalformedNotification):
        parse_notification(body)


def test_other_event_kinds_are_skipped() -> None:
    body = (
        '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRestore:Completed",'
        ' "eventTime": "2024-05-01T00:00:00Z", "s3": {}}]}'
    )
    assert parse_notification(body) == []


def test_media_and_other_keys() -> None:
    body = (
        '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",'
        ' "eventTime": "2024-05-01T00:00:00Z", "s3": {"bucket": {"name": "b"},'
        ' "object": {"key": "media/foto.jpg"}}}]}'
    )
    [event] = parse_notification(body)
    assert event.is_media
    assert not event.is_article

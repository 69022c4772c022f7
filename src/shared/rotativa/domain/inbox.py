"""S3 notifications about the inbox bucket, read leniently and ordered by sequencer.

Real S3 URL-encodes keys as a form would (`+` for space, `%XX`, `/` left alone) and moto
encodes the `/` too (`articles%2Fa+b.md`): `unquote_plus` reads both. Moto's events carry
no `sequencer`, and S3 sends an `s3:TestEvent` when notifications are configured; both are
handled here, so that nothing downstream has to know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from rotativa.domain.upload import ARTICLE_EXTENSIONS

ARTICLES_PREFIX = "articles/"
MEDIA_PREFIX = "media/"
REPORTS_PREFIX = "reports/"
ORDER_WIDTH = 40


class MalformedNotification(ValueError):
    """The message is not an S3 notification we can read: it belongs in the DLQ."""


class Change(StrEnum):
    PUT = "put"
    DELETE = "delete"


@dataclass(frozen=True)
class InboxEvent:
    bucket: str
    key: str
    change: Change
    event_time: datetime
    version_id: str | None = None
    sequencer: str | None = None
    size: int | None = None

    @property
    def order(self) -> str:
        return order_key(self.sequencer, self.event_time)

    @property
    def is_article(self) -> bool:
        return self.key.startswith(ARTICLES_PREFIX) and (
            PurePosixPath(self.key).suffix.lower() in ARTICLE_EXTENSIONS
        )

    @property
    def is_media(self) -> bool:
        return self.key.startswith(MEDIA_PREFIX) and not self.key.endswith("/")


def order_key(sequencer: str | None, event_time: datetime) -> str:
    """A string that sorts like the events of one key happened.

    S3's `sequencer` is hex and orders the events of one key once the shorter is
    left-padded with zeros; padding every sequencer to one width makes plain string
    comparison (and DynamoDB's condition `order < :order`) do exactly that.

    Without a sequencer (moto, or a hand-made event) the fallback is the event time in
    microseconds, also as fixed-width hex: monotonic for events of one key that are at
    least a millisecond apart (S3's own resolution of eventTime). Two writes of one key
    within the same millisecond cannot be ordered without a sequencer; only moto and
    hand-made events lack one, and there the later one is the one replayed last.
    """
    if sequencer:
        return sequencer.strip().upper().rjust(ORDER_WIDTH, "0")
    micros = int(event_time.timestamp() * 1_000_000)
    return f"{micros:X}".rjust(ORDER_WIDTH, "0")


def decode_key(raw: str) -> str:
    return unquote_plus(raw)


def parse_notification(body: str | Mapping[str, Any]) -> list[InboxEvent]:
    """The inbox events of one SQS message body; [] for `s3:TestEvent` and other noise."""
    try:
        message = json.loads(body) if isinstance(body, str) else body
    except json.JSONDecodeError as exc:
        raise MalformedNotification(f"not JSON: {exc.msg}") from None
    if not isinstance(message, Mapping):
        raise MalformedNotification("not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise MalformedNotification("no Records in the notification")
    return [event for record in records if (event := _event(record)) is not None]


def _event(record: Any) -> InboxEvent | None:
    if not isinstance(record, Mapping) or record.get("eventSource") not in (None, "aws:s3"):
        return None
    name = str(record.get("eventName", ""))
    if name.startswith("ObjectCreated"):
        change = Change.PUT
    elif name.startswith("ObjectRemoved"):
        change = Change.DELETE
    else:
        return None  # replication, restore, lifecycle transitions: not an editor's change
    try:
        s3 = record["s3"]
        bucket = str(s3["bucket"]["name"])
        obj = s3["object"]
        key = decode_key(str(obj["key"]))
    except (KeyError, TypeError) as exc:
        raise MalformedNotification(f"S3 record without {exc}") from None
    return InboxEvent(
        bucket=bucket,
        key=key,
        change=change,
        event_time=_time(record.get("eventTime")),
        version_id=obj.get("versionId") or None,
        sequencer=obj.get("sequencer") or None,
        size=obj.get("size"),
    )


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MalformedNotification(f"eventTime {value!r} is not ISO 8601") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise MalformedNotification("S3 record without eventTime")

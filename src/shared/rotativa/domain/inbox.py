"""S3 notifications about the inbox bucket, read leniently and ordered by sequencer.

Real S3 URL-encodes keys as a form would (`+` for space, `%XX`, `/` left alone) and moto
encodes the `/` too (`articles%2Fa+b.md`): `unquote_plus` reads both. Moto's events carry
no `sequencer`, and S3 sends an `s3:TestEvent` when notifications are configured; both are
handled here, so that nothing downstream has to know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from rotativa.domain.pictures import MEDIA_PREFIX
from rotativa.domain.problems import Problem, error
from rotativa.domain.upload import ARTICLE_EXTENSIONS

ARTICLES_PREFIX = "articles/"
REPORTS_PREFIX = "reports/"
ORDER_WIDTH = 40


def report_key(key: str) -> str:
    """Where the editor's report on upload `key` lies in the inbox, beside the uploads."""
    return f"{REPORTS_PREFIX}{key}.json"


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
    etag: str | None = None
    confirmed_order: str | None = None  # set by ingest once S3 has confirmed the event

    @property
    def order(self) -> str:
        if self.confirmed_order is not None:
            return self.confirmed_order
        return order_key(self.sequencer, self.event_time)

    def describes(self, current: InboxObject) -> bool:
        """Whether this event is about the object S3 holds now: its version (a versioned
        inbox), else its ETag. An event naming neither (a hand-made one) is only a hint."""
        if self.version_id and current.version_id:
            return self.version_id == current.version_id
        if self.etag and current.etag:
            return self.etag.strip('"') == current.etag.strip('"')
        return False

    def names_a_version(self) -> bool:
        return bool(self.version_id or self.etag)

    @property
    def is_article(self) -> bool:
        return self.key.startswith(ARTICLES_PREFIX) and (
            PurePosixPath(self.key).suffix.lower() in ARTICLE_EXTENSIONS
        )

    @property
    def is_media(self) -> bool:
        return self.key.startswith(MEDIA_PREFIX) and not self.key.endswith("/")

    @property
    def is_ours(self) -> bool:
        """A key rotativa itself writes or that no editor means as an upload: its own
        reports (each one's event comes back to ingest), a console's folder marker
        (`articles/`), a system's hidden file (`.DS_Store` from `aws s3 sync`)."""
        name = PurePosixPath(self.key).name
        return self.key.startswith(REPORTS_PREFIX) or self.key.endswith("/") or name.startswith(".")


@dataclass(frozen=True)
class InboxObject:
    """An inbox object as S3 holds it now: the truth an event is checked against."""

    data: bytes
    version_id: str | None
    etag: str | None
    last_modified: datetime


@dataclass(frozen=True)
class FileUpload:
    """An upload read from a file on disk instead of the inbox (a preview, a folder
    rebuild): its inbox key, the file it came from, its bytes, and when it "arrived" (the
    file's modification time, as S3's LastModified would be)."""

    key: str
    path: PurePath
    data: bytes
    arrived: datetime


def misplaced(key: str) -> Problem:
    """Why an upload that is neither an article nor a media file is not read, and where
    it belongs: the report is the editor's only channel, so it names the folder."""
    path = PurePosixPath(key)
    extension = path.suffix.lower()
    if key.startswith(ARTICLES_PREFIX):
        return error("file_extension", field="file", extension=extension or path.name)
    folder = ARTICLES_PREFIX if extension in ARTICLE_EXTENSIONS else MEDIA_PREFIX
    return error("upload_outside", field="file", value=key, suggestion=folder + path.name)


def confirmed_order(current: InboxObject, event: InboxEvent) -> str:
    """The order of the version S3 holds now, from what S3 says rather than the event.

    A forged or replayed event may carry any sequencer or time; if that decided the order,
    one forged "newest ever" event would make every later real upload look stale and
    freeze the article. So the order is S3's own LastModified (whole seconds), and the
    event's sequencer (or time) only breaks ties inside that second, and only when the
    event is about this very version. A later real upload is then always newer.
    """
    seconds = int(current.last_modified.timestamp())
    tie = "0" * ORDER_WIDTH
    if event.describes(current):
        tie = order_key(event.sequencer, event.event_time)
        if not event.sequencer and int(event.event_time.timestamp()) != seconds:
            tie = "0" * ORDER_WIDTH  # an event time outside the object's second says nothing
    return f"{seconds:012X}{tie}"


def order_after(order: str) -> str:
    """An order just after `order` and before any later upload's (a delete's tombstone:
    S3 keeps no time for an absence that an event could not forge)."""
    return order + "~"


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
        size=obj.get("size") if isinstance(obj.get("size"), int) else None,
        etag=str(obj["eTag"]) if obj.get("eTag") else None,
    )


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MalformedNotification(f"eventTime {value!r} is not ISO 8601") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise MalformedNotification("S3 record without eventTime")


RECHECK_MARKER = "rotativa.recheck"


@dataclass(frozen=True)
class Recheck:
    """ "Look at this upload again": sent by the IndexFunction when an address (or a file
    name) that the upload was waiting for has been let go. It carries no version and no
    order: ingest reads the upload as S3 holds it now, like any event."""

    key: str

    def message(self) -> str:
        return json.dumps({"type": RECHECK_MARKER, "key": self.key}, sort_keys=True)

    @classmethod
    def from_message(cls, body: str | Mapping[str, Any]) -> Recheck | None:
        try:
            data = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            return None
        if not isinstance(data, Mapping) or data.get("type") != RECHECK_MARKER:
            return None
        key = data.get("key")
        if not isinstance(key, str) or not key.startswith(ARTICLES_PREFIX):
            raise MalformedNotification(f"recheck without an article key: {key!r}")
        return cls(key)

    def event(self, bucket: str, now: datetime) -> InboxEvent:
        return InboxEvent(bucket=bucket, key=self.key, change=Change.PUT, event_time=now)


class IngestOutcome(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    UNPUBLISHED = "unpublished"
    REJECTED = "rejected"
    STALE = "stale"
    MEDIA_COPIED = "media-copied"
    MEDIA_REMOVED = "media-removed"
    IGNORED = "ignored"
    FOREIGN = "foreign"  # about another bucket than the inbox: changes nothing


@dataclass(frozen=True)
class IngestResult:
    """What became of one inbox event: an article's (services/ingest.py) or a media
    file's (services/media.py), with the problems its report names."""

    event: InboxEvent
    outcome: IngestOutcome
    problems: tuple[Problem, ...] = field(default_factory=tuple)

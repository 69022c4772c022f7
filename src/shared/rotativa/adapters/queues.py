"""The render and invalidate queues (SQS)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import boto3

from rotativa.domain.pages import PageRef

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_BATCH = 10


class SqsQueue:
    def __init__(self, url: str, client: SQSClient | None = None) -> None:
        self.url = url
        self.client: SQSClient = client or boto3.client("sqs")

    def send_bodies(self, bodies: Sequence[str]) -> None:
        """Send every body, raising when SQS refuses any (the caller's batch then retries)."""
        for start in range(0, len(bodies), SQS_BATCH):
            chunk = bodies[start : start + SQS_BATCH]
            response = self.client.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} messages: {failed[0]}")


class RenderQueue(SqsQueue):
    """One message per page to render."""

    def send(self, pages: Iterable[PageRef]) -> None:
        self.send_bodies([json.dumps(page.as_message(), sort_keys=True) for page in pages])


class InvalidateQueue(SqsQueue):
    """Changed paths, with the hash of what changed (it makes CallerReferences unique)."""

    def send(self, changes: Sequence[tuple[str, str]]) -> None:
        if changes:
            self.send_bodies([json.dumps({"changes": [list(c) for c in changes]}, sort_keys=True)])


class SearchQueue(SqsQueue):
    """Hints that the search index is stale: the SearchFunction rebuilds once per window,
    however many arrive (their bodies say nothing more)."""

    def mark_stale(self) -> None:
        self.send_bodies(['{"stale": true}'])


class IngestRechecks(SqsQueue):
    """Uploads for ingest to look at again (an address they waited for was let go)."""

    def send(self, keys: Sequence[str]) -> None:
        from rotativa.domain.inbox import Recheck

        self.send_bodies([Recheck(key).message() for key in dict.fromkeys(keys)])

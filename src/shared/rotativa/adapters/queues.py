"""The render and invalidate queues (SQS)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import boto3

from rotativa.domain.pages import PageRef, RenderRequest

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from rotativa.adapters.render_marks import PendingRenders

SQS_BATCH = 10
SQS_BATCH_BYTES = 262_144  # what one SendMessageBatch may carry (256 KiB)


class SqsQueue:
    def __init__(self, url: str, client: SQSClient | None = None) -> None:
        self.url = url
        self.client: SQSClient = client or boto3.client("sqs")

    def send_bodies(self, bodies: Sequence[str]) -> None:
        """Send every body, raising when SQS refuses any (the caller's batch then retries).
        One `SendMessageBatch` per SQS_BATCH bodies, fewer when they exceed its size."""
        for chunk in _batches(bodies):
            response = self.client.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
            )
            failed = response.get("Failed", [])
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} messages: {failed[0]}")


def _batches(bodies: Sequence[str]) -> list[list[str]]:
    """`bodies` in order, SQS_BATCH to a batch and at most SQS_BATCH_BYTES in each."""
    batches: list[list[str]] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if not batches or len(batches[-1]) == SQS_BATCH or size + length > SQS_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(body)
        size += length
    return batches


class RenderQueue(SqsQueue):
    """Render requests, each naming up to PAGES_PER_REQUEST pages: one `SendMessageBatch`
    for up to 250 pages. With `marks` (the IndexFunction's), a page a request already on
    its way will render is left out, and the pages sent are marked pending after the send
    (see `adapters.render_marks`: the order is what loses nothing)."""

    def __init__(
        self, url: str, client: SQSClient | None = None, marks: PendingRenders | None = None
    ) -> None:
        super().__init__(url, client)
        self.marks = marks
        self.left_out = 0  # pages not sent because a pending request names them

    def send(self, pages: Iterable[PageRef]) -> None:
        unique = sorted(set(pages))
        if self.marks is None:
            self.send_bodies(_bodies(RenderRequest.split(unique)))
            return
        pending = self.marks.pending(unique) if unique else set()
        wanted = [page for page in unique if page not in pending]
        self.left_out += len(unique) - len(wanted)
        if not wanted:
            return
        from rotativa.adapters.render_marks import new_token

        token = new_token()
        self.send_bodies(_bodies(RenderRequest.split(wanted, token)))
        self.marks.mark(wanted, token)


def _bodies(requests: Sequence[RenderRequest]) -> list[str]:
    return [json.dumps(r.as_message(), sort_keys=True, separators=(",", ":")) for r in requests]


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

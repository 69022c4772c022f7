"""Moving dead letters back once the fault that put them there is gone.

Four DLQs hold SQS messages as they were (ingest, render, invalidate, search): redriving one sends
each message back to its source queue and only then deletes it from the DLQ, so a crash
half-way duplicates a message rather than losing it (every function is idempotent). The
fifth, IndexDLQ, holds what Lambda's stream event source writes when it gives up on a
batch: not the records, only where they are in the table's stream (`DDBStreamBatchInfo`).
Redriving it reads those records back from the stream (which keeps them 24 hours) and
hands them to the IndexFunction again; the indexer reads the article's current state
from the table, so a late replay converges instead of restoring an old version.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

# (route name, DLQ output, source queue output) as template.yaml names them.
QUEUE_ROUTES = (
    ("ingest", "IngestDLQUrl", "IngestQueueUrl"),
    ("render", "RenderDLQUrl", "RenderQueueUrl"),
    ("invalidate", "InvalidateDLQUrl", "InvalidateQueueUrl"),
    ("search", "SearchDLQUrl", "SearchQueueUrl"),
)
STREAM_ROUTE = ("index", "IndexDLQUrl")
ROUTE_NAMES = (*(name for name, _, _ in QUEUE_ROUTES), STREAM_ROUTE[0])

StreamInvoker = Callable[[dict[str, Any]], Any]


class RedriveError(RuntimeError):
    """A dead letter could not be moved back (its records are gone, or the replay failed)."""


@dataclass(frozen=True)
class Route:
    name: str
    dlq_url: str
    queue_url: str | None = None  # None: a stream's failure destination


@dataclass
class RedriveResult:
    route: str
    moved: int = 0  # SQS messages sent back to their queue
    replayed: int = 0  # stream records handed to the IndexFunction again
    kept: int = 0  # dead letters left where they were (the replay failed)
    reasons: list[str] = field(default_factory=list)


def routes(outputs: Mapping[str, str], only: str | None = None) -> list[Route]:
    """The stack's DLQs and where each one's messages go back to."""
    found = [
        Route(name, outputs[dlq], outputs[queue])
        for name, dlq, queue in QUEUE_ROUTES
        if dlq in outputs and queue in outputs
    ]
    name, dlq = STREAM_ROUTE
    if dlq in outputs:
        found.append(Route(name, outputs[dlq]))
    if only is not None and only != "all":
        found = [r for r in found if r.name == only]
    return found


class Redriver:
    def __init__(
        self,
        sqs: SQSClient,
        streams: DynamoDBStreamsClient | None = None,
        replay: StreamInvoker | None = None,
    ) -> None:
        self.sqs = sqs
        self.streams = streams
        self.replay = replay

    def waiting(self, route: Route) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=route.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def redrive(self, route: Route, *, limit: int | None = None) -> RedriveResult:
        result = RedriveResult(route.name)
        seen: set[str] = set()
        for message in self._dead_letters(route.dlq_url, limit):
            if message["MessageId"] in seen:
                break  # a kept letter came round again: everything was tried once
            seen.add(message["MessageId"])
            if route.queue_url is not None:
                self._send_back(route.queue_url, message)
                result.moved += 1
            else:
                try:
                    result.replayed += self._replay(message["Body"])
                except RedriveError as exc:
                    result.kept += 1
                    result.reasons.append(str(exc))
                    continue  # stays in the DLQ, visible again after its timeout
            self.sqs.delete_message(QueueUrl=route.dlq_url, ReceiptHandle=message["ReceiptHandle"])
        return result

    # --- SQS ------------------------------------------------------------------------------

    def _dead_letters(self, url: str, limit: int | None) -> Iterator[dict[str, Any]]:
        taken = 0
        while limit is None or taken < limit:
            want = 10 if limit is None else min(10, limit - taken)
            received = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=want,
                MessageAttributeNames=["All"],
                VisibilityTimeout=60,
            ).get("Messages", [])
            if not received:
                return
            for message in received:
                taken += 1
                yield dict(message)

    def _send_back(self, queue_url: str, message: Mapping[str, Any]) -> None:
        attributes = {
            name: {
                k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")
            }
            for name, value in dict(message.get("MessageAttributes") or {}).items()
        }
        args: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": message["Body"]}
        if attributes:
            args["MessageAttributes"] = attributes
        self.sqs.send_message(**args)

    # --- stream failures ------------------------------------------------------------------

    def _replay(self, body: str) -> int:
        if self.streams is None or self.replay is None:
            raise RedriveError("stream failures need the stream and the IndexFunction")
        try:
            info = json.loads(body)["DDBStreamBatchInfo"]
            arn = str(info["streamArn"])
            first = int(info["startSequenceNumber"])
            last = int(info["endSequenceNumber"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RedriveError(f"not a stream failure record: {exc}") from None
        records = self._stream_records(arn, info.get("shardId"), first, last)
        if not records:
            raise RedriveError(
                f"records {first}..{last} are no longer in the stream (kept 24 hours)"
            )
        try:
            outcome = self.replay({"Records": records})
        except Exception as exc:
            raise RedriveError(f"replay failed: {type(exc).__name__}: {exc}") from exc
        failures = outcome.get("batchItemFailures") if isinstance(outcome, Mapping) else None
        if failures:
            raise RedriveError(f"replay failed for {len(failures)} of {len(records)} records")
        return len(records)

    def _stream_records(
        self, arn: str, shard_id: str | None, first: int, last: int
    ) -> list[dict[str, Any]]:
        assert self.streams is not None
        if shard_id:
            shards = [str(shard_id)]
        else:
            description = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
            shards = [s["ShardId"] for s in description.get("Shards", [])]
        found: list[dict[str, Any]] = []
        for shard in shards:
            iterator: str | None = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                batch = response.get("Records", [])
                if not batch:
                    break
                for record in batch:
                    number = int(record["dynamodb"]["SequenceNumber"])
                    if first <= number <= last:
                        found.append(lambda_record(dict(record), arn))
                if int(batch[-1]["dynamodb"]["SequenceNumber"]) >= last:
                    break
                iterator = response.get("NextShardIterator")
        return found


def lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: JSON-safe, with its source ARN."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": change, "eventSourceARN": arn}

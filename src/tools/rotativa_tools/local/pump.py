"""Deliver events to the template's functions until the system is quiet.

For each event source of each function (read from template.yaml by `stack.provision`),
the pump does what Lambda's event source mappings do: polls SQS queues and DynamoDB
streams, applies the FilterCriteria, honours BatchSize and ReportBatchItemFailures, returns
failed SQS messages to their queue (where the queue's RedrivePolicy moves them to the DLQ
after maxReceiveCount receives) and sends stream batches that exhaust their retries to the
on-failure destination. Batching windows are shortened: locally a batch is whatever is
waiting when the pump polls. When every source is idle, schedules that came due by the
local clock fire (see `local.scheduler`), and their messages are delivered in turn.

With `timed=True` the windows are kept by the local clock instead, as Lambda keeps them:
a source gathers what arrives (held, as Lambda's pollers hold messages in flight) and is
delivered when its batch is full or its window, opened by the first record, has lasted
`MaximumBatchingWindowInSeconds`; `run_due` delivers what is due now, and
`run_until_quiet` moves the clock to the next window's end when nothing else is due. The
burst benchmark uses it to spread uploads over several windows (benchmarks/pipeline.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from rotativa import bootstrap
from rotativa_tools.local.event_shapes import sqs_record
from rotativa_tools.local.runtime import invoke
from rotativa_tools.local.scheduler import LocalScheduler
from rotativa_tools.local.stack import EventSource, FunctionSpec, LocalStack

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient

SQS_MAX_BATCH = 10


@dataclass
class Invocation:
    function: str
    source: str
    records: int
    failed: int
    error: str | None = None


@dataclass
class _ShardCursor:
    iterator: str | None
    pending: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    opened: datetime | None = None  # timed: when its window opened (the first record seen)


@dataclass
class _Window:
    """Timed: the messages an SQS source holds for its next batch, and since when."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    opened: datetime | None = None


Observer = Callable[[Invocation, dict[str, Any]], None]


class Invoker(Protocol):
    """What runs a function for the pump: `runtime.invoke` (its handler in this process)
    by default; tests/e2e/test_shipped_build.py runs the built package in a clean
    interpreter instead."""

    def __call__(
        self,
        spec: FunctionSpec,
        event: dict[str, Any],
        *,
        region: str,
        account_id: str,
        clock_offset: timedelta = ...,
    ) -> Any: ...


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """EventBridge-style matching, as Lambda's FilterCriteria use it (exact values,
    `prefix` and `exists`), enough for the patterns a template declares."""
    if not isinstance(event, Mapping):
        return False
    for name, expected in pattern.items():
        present = name in event
        value = event.get(name)
        if isinstance(expected, Mapping):
            if not present or not matches(expected, value):
                return False
            continue
        if not isinstance(expected, list):
            return False
        if not any(_matches_one(option, present, value) for option in expected):
            return False
    return True


def _matches_one(option: Any, present: bool, value: Any) -> bool:
    if isinstance(option, Mapping):
        if "exists" in option:
            return bool(option["exists"]) == present
        if "prefix" in option:
            return isinstance(value, str) and value.startswith(str(option["prefix"]))
        return False
    return present and value == option


class EventPump:
    def __init__(
        self,
        stack: LocalStack,
        sqs: SQSClient,
        streams: DynamoDBStreamsClient,
        *,
        observer: Observer | None = None,
        schedules: LocalScheduler | None = None,
        invoker: Invoker = invoke,
        timed: bool = False,
    ) -> None:
        self.timed = timed  # batching windows kept by the local clock (see the module)
        self._windows: dict[str, _Window] = {}
        self.stack = stack
        self.invoker = invoker
        self.sqs = sqs
        self.streams = streams
        self.observer = observer
        self.schedules = schedules
        self.invocations: list[Invocation] = []
        self._cursors: dict[tuple[str, ...], _ShardCursor] = {}
        bootstrap.reset()  # services cached for another stack must not leak into this one

    # --- the loop -------------------------------------------------------------------------

    def run_until_quiet(self, max_rounds: int = 10_000) -> int:
        """Deliver until a whole round finds nothing to deliver; returns the rounds run.
        Timed, a round that finds nothing due moves the clock to the next window's end."""
        for rounds in range(1, max_rounds + 1):
            if self.step():
                continue
            closes = self.next_close() if self.timed else None
            if closes is None:
                return rounds
            assert self.schedules is not None
            self.schedules.clock.advance_to(closes)
        raise RuntimeError(f"the local cloud is not quiet after {max_rounds} rounds")

    def run_due(self, max_rounds: int = 10_000) -> int:
        """Timed: deliver what is due by the clock now, without moving it; the rounds run."""
        for rounds in range(1, max_rounds + 1):
            if not self.step():
                return rounds
        raise RuntimeError(f"the local cloud is not quiet after {max_rounds} rounds")

    def next_close(self) -> datetime | None:
        """Timed: when the earliest open window ends (None: every source is empty)."""
        ends = [
            opened + timedelta(seconds=source.batching_window_seconds)
            for source, opened in self._open_windows()
        ]
        return min(ends, default=None)

    def _open_windows(self) -> list[tuple[EventSource, datetime]]:
        found = []
        for spec in self.stack.functions.values():
            for source in spec.events:
                window = self._windows.get(self._window_key(spec, source))
                if window is not None and window.opened is not None:
                    found.append((source, window.opened))
                for key, cursor in self._cursors.items():
                    if key[:2] == (spec.logical_id, source.name) and cursor.opened is not None:
                        found.append((source, cursor.opened))
        return found

    def _now(self) -> datetime:
        if self.schedules is None:
            raise RuntimeError("a timed pump needs the local clock (a LocalScheduler)")
        return self.schedules.clock.now()

    def _closed(self, source: EventSource, opened: datetime | None, held: int) -> bool:
        """Timed: whether a source holding `held` records since `opened` delivers now."""
        if held == 0 or opened is None:
            return False
        waited = self._now() - opened
        return held >= source.batch_size or waited >= timedelta(
            seconds=source.batching_window_seconds
        )

    @staticmethod
    def _window_key(spec: FunctionSpec, source: EventSource) -> str:
        return f"{spec.logical_id}/{source.name}"

    def step(self) -> bool:
        """One poll of every event source; True when anything was delivered.

        Sources are polled by batching window, shortest first, and a longer window is
        polled only in a round where every shorter one was idle: the local stand-in for
        "the window closes later", so that what AWS would coalesce into one batch (one
        invalidation for a burst of renders) is coalesced here too.
        """
        sources = [
            (spec, s) for spec in self.stack.functions.values() for s in spec.events if s.enabled
        ]
        if self.timed:  # every source whose window is over, shortest windows first
            delivered = False
            for spec, source in sorted(sources, key=lambda p: p[1].batching_window_seconds):
                delivered |= self._poll(spec, source)
            return delivered or (self.schedules is not None and bool(self.schedules.fire_due()))
        for window in sorted({s.batching_window_seconds for _, s in sources}):
            delivered = False
            for spec, source in sources:
                if source.batching_window_seconds == window:
                    delivered |= self._poll(spec, source)
            if delivered:
                return True  # longer windows stay open while shorter ones still deliver
        # Quiet: now is the time for what the clock says is due (its messages go out on
        # the next round, like any other).
        return self.schedules is not None and bool(self.schedules.fire_due())

    def _poll(self, spec: FunctionSpec, source: EventSource) -> bool:
        if source.kind == "SQS":
            return self._poll_queue(spec, source)
        return self._poll_stream(spec, source)

    # --- SQS ------------------------------------------------------------------------------

    def _poll_queue(self, spec: FunctionSpec, source: EventSource) -> bool:
        url = source.queue_url
        if url is None:
            return False
        window = self._windows.setdefault(self._window_key(spec, source), _Window())
        messages: list[dict[str, Any]] = window.messages if self.timed else []
        while len(messages) < source.batch_size:
            response = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(SQS_MAX_BATCH, source.batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = response.get("Messages", [])
            if not received:
                break
            held = {m["MessageId"]: i for i, m in enumerate(messages)}
            for message in received:  # one held past its visibility timeout comes back
                if message["MessageId"] in held:
                    messages[held[message["MessageId"]]] = dict(message)
                else:
                    messages.append(dict(message))
        if self.timed:
            if messages and window.opened is None:
                window.opened = self._now()
            if not self._closed(source, window.opened, len(messages)):
                return False  # held: the window is still open
            self._windows[self._window_key(spec, source)] = _Window()
        if not messages:
            return False
        records = [self._sqs_record(m, source) for m in messages]
        kept = [r for r in records if self._wanted(source, r)]
        for record in records:
            if record not in kept:  # filtered out: Lambda deletes what no pattern matches
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
        if not kept:
            return True
        failed = self._deliver(spec, source, kept, key="messageId")
        for record in kept:
            if record["messageId"] in failed:
                # Back to the queue at once (the local stand-in for the visibility timeout);
                # the redrive policy counts the receives and moves it to the DLQ.
                self.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
        return True

    def _sqs_record(self, message: Mapping[str, Any], source: EventSource) -> dict[str, Any]:
        return sqs_record(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message["Body"],
            attributes=message.get("Attributes", {}),
            message_attributes=message.get("MessageAttributes", {}),
            md5_of_body=message.get("MD5OfBody", ""),
            source_arn=source.source_arn,
            region=self.stack.region,
        )

    # --- DynamoDB streams -----------------------------------------------------------------

    def _poll_stream(self, spec: FunctionSpec, source: EventSource) -> bool:
        arn = source.stream_arn or source.source_arn
        delivered = False
        shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            cursor = self._cursor(arn, shard["ShardId"], source, spec.logical_id)
            wanting = len(cursor.pending) < source.batch_size if self.timed else not cursor.pending
            if wanting and cursor.iterator:
                response = self.streams.get_records(
                    ShardIterator=cursor.iterator,
                    Limit=min(source.batch_size - len(cursor.pending), 1000),
                )
                cursor.iterator = response.get("NextShardIterator")
                fetched = [{**dict(r), "eventSourceARN": arn} for r in response.get("Records", [])]
                if self.timed:  # only what the filters let through is batched
                    fetched = [r for r in fetched if self._wanted(source, r)]
                cursor.pending += fetched
            if self.timed:
                if cursor.pending and cursor.opened is None:
                    cursor.opened = self._now()
                if not self._closed(source, cursor.opened, len(cursor.pending)):
                    continue  # held: the window is still open
                cursor.opened = None  # what stays pending opens the next window now
            batch = [r for r in cursor.pending[: source.batch_size] if self._wanted(source, r)]
            if not cursor.pending:
                continue
            delivered = True
            if not batch:
                cursor.pending = cursor.pending[source.batch_size :]
                continue
            failed = self._deliver(spec, source, batch, key="dynamodb.SequenceNumber")
            if not failed:
                cursor.pending = cursor.pending[source.batch_size :]
                cursor.attempts = 0
                continue
            # Lambda retries from the first failed record, in order, up to the retry limit.
            first = min(
                i for i, r in enumerate(cursor.pending) if r["dynamodb"]["SequenceNumber"] in failed
            )
            cursor.pending = cursor.pending[first:]
            cursor.attempts += 1
            limit = source.maximum_retry_attempts
            if limit is not None and limit >= 0 and cursor.attempts > limit:
                self._send_to_failure_destination(source, cursor.pending[: source.batch_size])
                cursor.pending = cursor.pending[source.batch_size :]
                cursor.attempts = 0
        return delivered

    def _cursor(
        self, arn: str, shard_id: str, source: EventSource, consumer: str = ""
    ) -> _ShardCursor:
        """One position per event source mapping: each function on a stream reads all of
        it, as on AWS (a shared cursor would split the records between them)."""
        key = (consumer, source.name, arn, shard_id)
        cursor = self._cursors.get(key)
        if cursor is None:
            position = source.starting_position or "TRIM_HORIZON"
            iterator = self.streams.get_shard_iterator(
                StreamArn=arn,
                ShardId=shard_id,
                ShardIteratorType=position,  # type: ignore[arg-type]
            )["ShardIterator"]
            cursor = self._cursors[key] = _ShardCursor(iterator)
        return cursor

    def _send_to_failure_destination(
        self, source: EventSource, records: list[dict[str, Any]]
    ) -> None:
        if source.on_failure_queue_url is None or not records:
            return
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        self.sqs.send_message(
            QueueUrl=source.on_failure_queue_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {"condition": "RetryAttemptsExhausted"},
                    "DDBStreamBatchInfo": {
                        "streamArn": source.stream_arn or source.source_arn,
                        "startSequenceNumber": first["SequenceNumber"],
                        "endSequenceNumber": last["SequenceNumber"],
                        "batchSize": len(records),
                    },
                }
            ),
        )

    # --- both -----------------------------------------------------------------------------

    def _wanted(self, source: EventSource, record: Mapping[str, Any]) -> bool:
        if not source.filter_patterns:
            return True
        subject: Any = record
        if source.kind == "SQS":
            try:
                subject = {**record, "body": json.loads(str(record["body"]))}
            except ValueError:
                subject = record
        return any(matches(pattern, subject) for pattern in source.filter_patterns)

    def _deliver(
        self, spec: FunctionSpec, source: EventSource, records: list[dict[str, Any]], *, key: str
    ) -> set[str]:
        """Invoke; the identifiers of the records that failed (all of them on an error)."""
        event = {"Records": records}
        error: str | None = None
        identifiers = {_dig(r, key) for r in records}
        try:
            result = self.invoker(
                spec,
                event,
                region=self.stack.region,
                account_id=self.stack.account_id,
                clock_offset=self.schedules.clock.offset if self.schedules else timedelta(0),
            )
        except Exception as exc:
            failed, error = identifiers, f"{type(exc).__name__}: {exc}"
        else:
            failed = set()
            if source.report_batch_item_failures and isinstance(result, Mapping):
                failed = {
                    str(item.get("itemIdentifier"))
                    for item in result.get("batchItemFailures", [])
                    if isinstance(item, Mapping)
                }
        invocation = Invocation(spec.logical_id, source.name, len(records), len(failed), error)
        self.invocations.append(invocation)
        if self.observer is not None:
            self.observer(invocation, event)
        return failed


def _dig(record: Mapping[str, Any], dotted: str) -> str:
    value: Any = record
    for part in dotted.split("."):
        value = value[part]
    return str(value)

"""Which events a function of the template takes, and what to do with the ones it does not.

`rotativa invoke` is handed whatever a developer has at hand: a sample from `events/`, the
output of `sam local generate-event s3 put`, a notification copied from moto or the
console, an `s3:TestEvent`. A function only ever receives what its triggers deliver (an
SQS batch, a DynamoDB stream batch), so each event is checked against the template's
triggers of that function, read from template.yaml:

- an SQS batch or a stream batch for a function with that trigger goes as it is;
- what a bucket notification (QueueConfigurations) or a schedule (AWS::Scheduler::Schedule
  Target) puts on one of the function's queues is wrapped as that queue would deliver it:
  one message, the event as its body;
- anything else is refused in one line that names the shape the function expects.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rotativa.domain.schedules import DUE_MARKER

SQS_SHAPE: Final = '{"Records": [{"eventSource": "aws:sqs", "body": "…"}]}'
STREAM_SHAPE: Final = '{"Records": [{"eventSource": "aws:dynamodb", "dynamodb": {…}}]}'
_S3_TEST_EVENT: Final = "s3:TestEvent"
#: The variable that tells a function where the schedules it creates deliver.
SCHEDULE_TARGET_VARIABLE: Final = "SCHEDULE_TARGET_ARN"


class EventShapeError(ValueError):
    """The event is not one the function's triggers deliver; the message names the shape."""


@dataclass(frozen=True)
class Trigger:
    """One event source of a function, as the template declares it (SAM `Events`)."""

    name: str
    kind: str  # "SQS" or "DynamoDB"
    source: str  # the queue's or the table's logical id
    fed_by_buckets: tuple[str, ...] = ()  # buckets whose notifications go to the queue
    schedules: tuple[str, ...] = ()  # schedules whose target is the queue
    schedule_inputs: tuple[Any, ...] = field(default=(), compare=False)
    due_changes: bool = False  # the target of the embargoes and expiries made at run time


@dataclass(frozen=True)
class PreparedEvent:
    """The event as the function receives it, and what was done to it (None: nothing)."""

    event: dict[str, Any]
    note: str | None = None


def triggers(template: Mapping[str, Any], logical_id: str) -> list[Trigger]:
    """The SQS and DynamoDB triggers of `logical_id`, with what feeds each queue."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    function = resources.get(logical_id) or {}
    events = (function.get("Properties") or {}).get("Events") or {}
    found: list[Trigger] = []
    for name, event in events.items():
        kind = event.get("Type")
        props = event.get("Properties") or {}
        if kind == "SQS":
            queue = _logical_id(props.get("Queue"))
            if queue is None:
                continue
            buckets = tuple(sorted(_buckets_feeding(resources, queue)))
            schedules = _schedules_feeding(resources, queue)
            due = queue in _run_time_schedule_targets(resources)
            found.append(
                Trigger(
                    name,
                    "SQS",
                    queue,
                    fed_by_buckets=buckets,
                    schedules=tuple(s for s, _ in schedules),
                    schedule_inputs=tuple(i for _, i in schedules),
                    due_changes=due,
                )
            )
        elif kind == "DynamoDB":
            table = _logical_id(props.get("Stream"))
            if table is not None:
                found.append(Trigger(name, "DynamoDB", table))
    return found


def expected_shape(logical_id: str, found: Sequence[Trigger]) -> str:
    """`ValidateFunction takes an SQS batch from IngestQueue ({…}), or …`: one line."""
    if not found:
        return f"{logical_id} has no SQS or DynamoDB trigger in the template"
    options: list[str] = []
    for trigger in found:
        if trigger.kind == "SQS":
            options.append(f"an SQS batch from {trigger.source} ({SQS_SHAPE})")
            if trigger.fed_by_buckets:
                options.append(f"an S3 notification of {', '.join(trigger.fed_by_buckets)}")
            for schedule, given in zip(trigger.schedules, trigger.schedule_inputs, strict=True):
                options.append(f"schedule {schedule}'s message ({given})")
            if trigger.due_changes:
                options.append(f'an embargo or expiry ({{"type": "{DUE_MARKER}", …}})')
        else:
            options.append(f"a DynamoDB stream batch of {trigger.source} ({STREAM_SHAPE})")
    return f"{logical_id} takes " + ", or ".join(options)


def prepare_event(
    logical_id: str,
    event: Mapping[str, Any],
    found: Sequence[Trigger],
    *,
    source_arns: Mapping[str, str] | None = None,
    region: str = "us-east-1",
) -> PreparedEvent:
    """The event as `logical_id`'s triggers would deliver it; `EventShapeError` when none
    delivers anything like it. `source_arns` gives the queues' ARNs (by logical id), which
    the wrapped records carry as their `eventSourceARN`."""
    arns = source_arns or {}
    shape = _shape_of(event)
    sqs = [t for t in found if t.kind == "SQS"]
    streams = [t for t in found if t.kind == "DynamoDB"]
    if shape == "sqs" and sqs:
        return PreparedEvent(dict(event))
    if shape == "dynamodb" and streams:
        return PreparedEvent(dict(event))
    for trigger in sqs:
        if shape in ("s3", "s3-test") and trigger.fed_by_buckets:
            what = "an s3:TestEvent" if shape == "s3-test" else "an S3 notification"
            return _wrapped(event, trigger, what, arns, region)
        if shape != "message":
            continue
        for schedule, given in zip(trigger.schedules, trigger.schedule_inputs, strict=True):
            if _same(event, given):
                return _wrapped(event, trigger, f"schedule {schedule}'s message", arns, region)
        if trigger.due_changes and event.get("type") == DUE_MARKER:
            return _wrapped(event, trigger, "an embargo or expiry message", arns, region)
    raise EventShapeError(f"{expected_shape(logical_id, found)}; this event is {_describe(shape)}")


def _wrapped(
    event: Mapping[str, Any],
    trigger: Trigger,
    what: str,
    arns: Mapping[str, str],
    region: str,
) -> PreparedEvent:
    body = json.dumps(event, ensure_ascii=False)
    record = sqs_record(
        message_id=str(uuid.uuid4()),
        receipt_handle=f"rotativa-invoke-{uuid.uuid4()}",
        body=body,
        attributes={
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(time.time() * 1000)),
            "SenderId": "rotativa-invoke",
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
        },
        source_arn=arns.get(trigger.source, f"arn:aws:sqs:{region}:123456789012:{trigger.source}"),
        region=region,
    )
    note = f"{what}, wrapped as {trigger.source} would deliver it (one SQS message)"
    return PreparedEvent({"Records": [record]}, note)


def sqs_record(
    *,
    message_id: str,
    receipt_handle: str,
    body: str,
    attributes: Mapping[str, str],
    source_arn: str,
    region: str,
    message_attributes: Mapping[str, Any] | None = None,
    md5_of_body: str | None = None,
) -> dict[str, Any]:
    """One record of an SQS batch as Lambda's event source mapping delivers it."""
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": dict(attributes),
        "messageAttributes": dict(message_attributes or {}),
        "md5OfBody": md5_of_body
        if md5_of_body is not None
        else hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": source_arn,
        "awsRegion": region,
    }


# ---------------------------------------------------------------------------- shapes


def _shape_of(event: Mapping[str, Any]) -> str:
    """sqs, dynamodb, s3, s3-test, mixed, records (of something else), message."""
    if event.get("Event") == _S3_TEST_EVENT:
        return "s3-test"
    records = event.get("Records")
    if records is None:
        return "message"
    if not isinstance(records, list) or not records:
        return "empty" if records == [] else "records"
    kinds = {_record_kind(r) for r in records}
    if len(kinds) > 1:
        return "mixed"
    return kinds.pop()


def _record_kind(record: Any) -> str:
    if not isinstance(record, Mapping):
        return "records"
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:sqs" and isinstance(record.get("body"), str):
        return "sqs"
    if source == "aws:dynamodb" and isinstance(record.get("dynamodb"), Mapping):
        return "dynamodb"
    # moto's notifications, like S3's own, carry `s3`; some copies lose eventSource
    if source in ("aws:s3", None) and isinstance(record.get("s3"), Mapping):
        return "s3"
    return "records"


def _describe(shape: str) -> str:
    return {
        "sqs": "an SQS batch",
        "dynamodb": "a DynamoDB stream batch",
        "s3": "an S3 notification",
        "s3-test": "an s3:TestEvent",
        "mixed": "a batch of records from different sources",
        "empty": "a batch with no records",
        "records": "a batch of records of no known source",
        "message": "an object with no Records",
    }[shape]


def _same(event: Mapping[str, Any], given: Any) -> bool:
    if isinstance(given, str):
        try:
            given = json.loads(given)
        except ValueError:
            return False
    return bool(given == dict(event))


def _run_time_schedule_targets(resources: Mapping[str, Any]) -> set[str]:
    """Embargoes and expiries are schedules a function creates at run time, not resources
    of the template: their target is the queue its `SCHEDULE_TARGET_ARN` names."""
    found: set[str] = set()
    for resource in resources.values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        variables = ((resource.get("Properties") or {}).get("Environment") or {}).get(
            "Variables"
        ) or {}
        target = _logical_id(variables.get(SCHEDULE_TARGET_VARIABLE))
        if target is not None:
            found.add(target)
    return found


def _logical_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and target:
                return str(target[0])
            if isinstance(target, str):
                return target.split(".", 1)[0]
        if "Ref" in value:
            return str(value["Ref"])
    return None


def _buckets_feeding(resources: Mapping[str, Any], queue: str) -> set[str]:
    found: set[str] = set()
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::S3::Bucket":
            continue
        notifications = (resource.get("Properties") or {}).get("NotificationConfiguration") or {}
        for item in notifications.get("QueueConfigurations") or []:
            if _logical_id(item.get("Queue")) == queue:
                found.add(name)
    return found


def _schedules_feeding(resources: Mapping[str, Any], queue: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Scheduler::Schedule":
            continue
        target = (resource.get("Properties") or {}).get("Target") or {}
        if _logical_id(target.get("Arn")) == queue:
            found.append((name, target.get("Input")))
    return found

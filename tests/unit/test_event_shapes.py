"""`rotativa invoke` takes the events a function's triggers deliver, read from template.yaml:
raw S3 notifications and schedules' messages are wrapped as their queue delivers them, the
rest is refused in one line naming the expected shape (issue 17). No AWS: the template only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rotativa.domain.inbox import parse_notification
from rotativa_tools.local.event_shapes import (
    EventShapeError,
    Trigger,
    prepare_event,
    triggers,
)
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
INGEST_ARN = "arn:aws:sqs:eu-south-1:123456789012:rotativa-local-IngestQueue"

# What `sam local generate-event s3 put` writes (SAM CLI 1.x), verbatim but for the bucket.
SAM_S3_PUT: dict[str, Any] = {
    "Records": [
        {
            "eventVersion": "2.0",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "1970-01-01T00:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "EXAMPLE"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {
                "x-amz-request-id": "EXAMPLE123456789",
                "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH",
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "testConfigRule",
                "bucket": {
                    "name": "example-bucket",
                    "ownerIdentity": {"principalId": "EXAMPLE"},
                    "arn": "arn:aws:s3:::example-bucket",
                },
                "object": {
                    "key": "articles%2Fderby.md",
                    "size": 1024,
                    "eTag": "0123456789abcdef0123456789abcdef",
                    "sequencer": "0A1B2C3D4E5F678901",
                },
            },
        }
    ]
}
# moto's notification: no userIdentity, no sequencer, a versionId
MOTO_S3_PUT = json.loads(
    json.loads((ROOT / "events/validate/s3-put-moto.json").read_text())["Records"][0]["body"]
)
S3_TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2024-05-01T06:00:00.000Z",
    "Bucket": "rotativa-dev-inbox-123456789012",
    "RequestId": "5582815E1AEA5ADF",
    "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR",
}


def test_the_triggers_are_the_templates() -> None:
    [validate] = triggers(TEMPLATE, "ValidateFunction")
    assert (validate.kind, validate.source) == ("SQS", "IngestQueue")
    assert validate.fed_by_buckets == ("InboxBucket",)
    assert validate.due_changes  # the IndexFunction's embargoes go to the ingest queue
    [render] = triggers(TEMPLATE, "RenderFunction")
    assert render.schedules == ("NewsSitemapRefresh",)
    assert [(t.kind, t.source) for t in triggers(TEMPLATE, "IndexFunction")] == [
        ("DynamoDB", "ArticlesTable")
    ]
    assert triggers(TEMPLATE, "NoSuchFunction") == []


@pytest.mark.parametrize(
    ("event", "what"),
    [
        (SAM_S3_PUT, "an S3 notification"),
        (MOTO_S3_PUT, "an S3 notification"),
        (S3_TEST_EVENT, "an s3:TestEvent"),
    ],
    ids=["sam-generate-event", "moto", "s3-test-event"],
)
def test_an_s3_notification_is_wrapped_as_the_ingest_queue_delivers_it(
    event: dict[str, Any], what: str
) -> None:
    found = triggers(TEMPLATE, "ValidateFunction")

    prepared = prepare_event(
        "ValidateFunction", event, found, source_arns={"IngestQueue": INGEST_ARN}
    )

    assert prepared.note == f"{what}, wrapped as IngestQueue would deliver it (one SQS message)"
    [record] = prepared.event["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == INGEST_ARN
    assert json.loads(record["body"]) == event  # the notification is the message, whole
    assert record["messageId"]
    assert record["receiptHandle"]
    # and the ValidateFunction's own parser reads it back as the uploads it names
    assert [u.key for u in parse_notification(record["body"])] == [
        u.key for u in parse_notification(event)
    ]


def test_a_queue_batch_goes_as_it_is() -> None:
    sample = json.loads((ROOT / "events/validate/s3-put.json").read_text())
    found = triggers(TEMPLATE, "ValidateFunction")
    prepared = prepare_event("ValidateFunction", sample, found)
    assert prepared.event == sample
    assert prepared.note is None


def test_a_schedules_message_is_wrapped_for_its_queue() -> None:
    found = triggers(TEMPLATE, "RenderFunction")
    prepared = prepare_event("RenderFunction", {"kind": "news-sitemap"}, found)
    assert prepared.note is not None
    assert "schedule NewsSitemapRefresh's message" in prepared.note
    assert json.loads(prepared.event["Records"][0]["body"]) == {"kind": "news-sitemap"}
    due = {"type": "rotativa.due", "action": "publish", "key": "articles/a.md", "at": "x"}
    validate = prepare_event("ValidateFunction", due, triggers(TEMPLATE, "ValidateFunction"))
    assert validate.note is not None
    assert "an embargo or expiry message" in validate.note


@pytest.mark.parametrize(
    ("function", "event", "expected", "given"),
    [
        ("IndexFunction", SAM_S3_PUT, "a DynamoDB stream batch of ArticlesTable", "an S3 notif"),
        ("RenderFunction", SAM_S3_PUT, "an SQS batch from RenderQueue", "an S3 notification"),
        ("InvalidateFunction", {"not": "an SQS event"}, "InvalidateQueue", "no Records"),
        ("ValidateFunction", {"Records": [{"x": 1}]}, "S3 notification of InboxBucket", "no "),
        ("RenderFunction", {"kind": "home"}, "NewsSitemapRefresh's message", "no Records"),
    ],
)
def test_an_event_no_trigger_delivers_is_one_line_naming_the_expected_shape(
    function: str, event: dict[str, Any], expected: str, given: str
) -> None:
    with pytest.raises(EventShapeError) as raised:
        prepare_event(function, event, triggers(TEMPLATE, function))
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{function} takes ")
    assert expected in message
    assert given in message.split("; this event is ", 1)[1]


def test_a_function_without_triggers_says_so() -> None:
    with pytest.raises(EventShapeError, match="no SQS or DynamoDB trigger"):
        prepare_event("Nobody", {"Records": []}, [])
    stream = [Trigger("Changes", "DynamoDB", "ArticlesTable")]
    with pytest.raises(EventShapeError, match="a batch with no records"):
        prepare_event("IndexFunction", {"Records": []}, stream)

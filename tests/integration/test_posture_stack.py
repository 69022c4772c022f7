"""The local cloud builds the template's posture on moto: log groups with their retention,
the alarm topic, an alarm per dead-letter queue, a versioned site bucket with its lifecycle;
and the site's writers still behave on a bucket that keeps versions."""

from __future__ import annotations

from typing import Any

import boto3

from rotativa.adapters.buckets import SiteBucket
from rotativa_tools.local.stack import AwsClients, LocalStack, provision
from tests.conftest import ROOT
from tests.integration.conftest import REGION

DLQS = ("IngestDLQ", "RenderDLQ", "InvalidateDLQ", "IndexDLQ", "SearchDLQ", "ScheduleDLQ")


def test_every_function_has_its_log_group_with_the_retention_asked(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    stack = provision(
        template, aws_clients, template_dir=ROOT, parameters={"LogRetentionDays": "14"}
    )
    groups = {
        group["logGroupName"]: group
        for group in boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]
    }
    for spec in stack.functions.values():
        group = groups[f"/aws/lambda/{spec.function_name}"]
        assert group["retentionInDays"] == 14
    assert len(groups) == len(stack.functions)


def test_every_dead_letter_queue_has_its_alarm_to_the_topic(
    local_stack: LocalStack,
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    alarms = cloudwatch.describe_alarms()["MetricAlarms"]
    topic = local_stack.physical_id("AlarmTopic")
    watched = {}
    for alarm in alarms:
        [dimension] = alarm["Dimensions"]
        watched[dimension["Value"]] = alarm
        assert alarm["AlarmActions"] == [topic]
        assert alarm["Threshold"] == 0
    for dlq in DLQS:
        assert local_stack.attribute(dlq, "QueueName") in watched, dlq
    assert len(alarms) == len(DLQS)


def test_the_topic_mails_only_when_an_address_is_given(
    aws_clients: AwsClients, template: dict[str, Any]
) -> None:
    sns = boto3.client("sns", region_name=REGION)
    stack = provision(template, aws_clients, template_dir=ROOT)
    assert "AlarmEmailSubscription" not in stack.resources
    assert sns.list_subscriptions()["Subscriptions"] == []
    provision(
        template, aws_clients, template_dir=ROOT, parameters={"AlarmEmail": "capo@example.org"}
    )
    [subscription] = sns.list_subscriptions()["Subscriptions"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "capo@example.org")


def test_the_site_bucket_keeps_versions_and_expires_old_ones(
    local_stack: LocalStack, aws_clients: AwsClients
) -> None:
    bucket = local_stack.outputs["SiteBucketName"]
    assert aws_clients.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    [rule] = aws_clients.s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert not [note for note in local_stack.notes if "LifecycleConfiguration" in note]


def test_pages_on_a_versioned_bucket_are_written_once_and_deleted_for_good(
    local_stack: LocalStack, aws_clients: AwsClients
) -> None:
    # GIVEN the site bucket, which keeps versions, and the RenderFunction's adapter on it
    name = local_stack.outputs["SiteBucketName"]
    site = SiteBucket(name, aws_clients.s3)
    page = {"content_type": "text/html", "cache_control": "no-cache"}

    # WHEN a page is written, written again unchanged, deleted, deleted again, rewritten
    first = site.put_if_changed("sport/index.html", b"<p>1</p>", **page)
    again = site.put_if_changed("sport/index.html", b"<p>1</p>", **page)
    gone = site.delete("sport/index.html")
    gone_again = site.delete("sport/index.html")
    listed_after_delete = [
        o["Key"] for o in aws_clients.s3.list_objects_v2(Bucket=name).get("Contents", [])
    ]
    after_delete = site.stored_hash("sport/index.html")
    back = site.put_if_changed("sport/index.html", b"<p>1</p>", **page)

    # THEN one write, a delete marker the listing does not show, and a write again after it
    assert first is not None
    assert again is None
    assert (gone, gone_again) == (True, False)
    assert listed_after_delete == []
    assert after_delete is None
    assert back == first
    versions = aws_clients.s3.list_object_versions(Bucket=name, Prefix="sport/index.html")
    assert len(versions["Versions"]) == 2
    assert len(versions["DeleteMarkers"]) == 1

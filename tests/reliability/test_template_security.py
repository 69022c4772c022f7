"""Buckets, queues, table and CDN in template.yaml: encrypted, private, TLS only; and
watched: every dead-letter queue alarms, every function's logs are kept for a while,
every site object can be rolled back."""

from __future__ import annotations

from typing import Any

import pytest

from rotativa_tools.local.template import (
    ResolveContext,
    evaluate_condition,
    load_template,
    translate,
)
from tests.conftest import ROOT

#: As CloudFormation will see it: SAM's translation (functions as AWS::Lambda::Function).
TEMPLATE: dict[str, Any] = translate(load_template(ROOT / "template.yaml"), region="eu-south-1")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
BUCKETS = [n for n, r in RESOURCES.items() if r["Type"] == "AWS::S3::Bucket"]
QUEUES = [n for n, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"]
BLOCK_ALL = {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}


def _policy_of(bucket: str) -> dict[str, Any]:
    [policy] = [
        r["Properties"]["PolicyDocument"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    return dict(policy)


def test_there_are_buckets_and_queues_to_check() -> None:
    assert set(BUCKETS) == {"InboxBucket", "SiteBucket"}
    assert len(QUEUES) >= 7
    assert any(r["Type"] == "AWS::Lambda::Function" for r in RESOURCES.values())


@pytest.mark.parametrize("bucket", BUCKETS)
def test_every_bucket_is_encrypted_private_and_tls_only(bucket: str) -> None:
    properties = RESOURCES[bucket]["Properties"]
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    block = properties["PublicAccessBlockConfiguration"]
    assert all(block.get(name) is True for name in BLOCK_ALL), block
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "AccessControl" not in properties
    statements = _policy_of(bucket)["Statement"]
    deny = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and s["Action"] == "s3:*"
        and s["Principal"] == "*"
    ]
    assert len(deny) == 1, "TLS-only: deny every request over plain HTTP"
    assert len(deny[0]["Resource"]) == 2, "the bucket and its objects"
    for statement in statements:
        if statement["Effect"] == "Allow":
            assert statement["Principal"] != "*", statement
            assert "Condition" in statement, "an Allow to a service names its source"


def test_the_inbox_keeps_versions() -> None:
    versioning = RESOURCES["InboxBucket"]["Properties"]["VersioningConfiguration"]
    assert versioning == {"Status": "Enabled"}


def test_the_site_keeps_versions_for_a_while_so_a_bad_write_can_be_rolled_back() -> None:
    properties = RESOURCES["SiteBucket"]["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = [r for r in properties["LifecycleConfiguration"]["Rules"] if r["Status"] == "Enabled"]
    [expiry] = [r for r in rules if "NoncurrentVersionExpiration" in r]
    assert "Prefix" not in expiry, "every object, not some"
    assert "Filter" not in expiry, "every object, not some"
    days = expiry["NoncurrentVersionExpiration"]["NoncurrentDays"]
    assert days == {"Ref": "SiteVersionRetentionDays"}
    assert TEMPLATE["Parameters"]["SiteVersionRetentionDays"]["MinValue"] >= 1
    assert not any("ExpirationInDays" in r for r in rules), "current objects never expire"


# ---------------------------------------------------------------------------- watched


def _targets(key: str, value: Any) -> set[str]:
    """Logical ids of queues `value` names under any `key` (as `!GetAtt Q.Arn`)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key and isinstance(item, dict) and "Fn::GetAtt" in item:
                found.add(item["Fn::GetAtt"][0])
            found |= _targets(key, item)
    elif isinstance(value, list):
        for item in value:
            found |= _targets(key, item)
    return found


def dead_letter_queues() -> set[str]:
    """Queues named like one, or that something sends what it gave up on to: a
    RedrivePolicy, a stream's on-failure destination, a schedule's dead-letter config."""
    named = {q for q in QUEUES if q.upper().endswith("DLQ")}
    redrive = _targets("deadLetterTargetArn", RESOURCES)
    on_failure = _targets("Destination", RESOURCES)
    scheduler = _targets("Arn", [r["Properties"].get("Target", {}).get("DeadLetterConfig")
                                 for r in RESOURCES.values()
                                 if r["Type"] == "AWS::Scheduler::Schedule"])  # fmt: skip
    return named | ((redrive | on_failure | scheduler) & set(QUEUES))


def test_the_dead_letter_queues_are_found() -> None:
    assert dead_letter_queues() == {
        "IngestDLQ", "RenderDLQ", "InvalidateDLQ", "IndexDLQ", "SearchDLQ", "ScheduleDLQ"
    }  # fmt: skip


@pytest.mark.parametrize("queue", sorted(dead_letter_queues()))
def test_every_dead_letter_queue_alarms_on_its_first_message(queue: str) -> None:
    alarms = [
        r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("Dimensions")
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert len(alarms) == 1, f"{queue}: one alarm on its depth"
    [alarm] = alarms
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["Statistic"] in {"Maximum", "Sum", "Average"}
    assert alarm.get("ActionsEnabled", True) is True
    [action] = alarm["AlarmActions"]
    assert RESOURCES[action["Ref"]]["Type"] == "AWS::SNS::Topic"
    assert "Condition" not in RESOURCES[action["Ref"]], "the topic always exists"


def _context(**parameters: str) -> ResolveContext:
    return ResolveContext.for_template(
        TEMPLATE, stack_name="s", region="eu-south-1", account_id="1", parameters=parameters
    )


def test_the_alarm_topic_mails_the_address_given_and_nobody_without_one() -> None:
    [(name, subscription)] = [
        (n, r) for n, r in RESOURCES.items() if r["Type"] == "AWS::SNS::Subscription"
    ]
    properties = subscription["Properties"]
    assert properties["Protocol"] == "email"
    assert properties["Endpoint"] == {"Ref": "AlarmEmail"}
    assert RESOURCES[properties["TopicArn"]["Ref"]]["Type"] == "AWS::SNS::Topic"
    condition = subscription["Condition"]
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""
    assert evaluate_condition(condition, _context()) is False, f"{name}: no e-mail, none"
    assert evaluate_condition(condition, _context(AlarmEmail="redazione@example.org")) is True


@pytest.mark.parametrize(
    "function", [n for n, r in RESOURCES.items() if r["Type"] == "AWS::Lambda::Function"]
)
def test_every_function_logs_to_its_own_declared_group_with_a_retention(function: str) -> None:
    properties = RESOURCES[function]["Properties"]
    name = properties["FunctionName"]["Fn::Sub"]
    groups = [
        n
        for n, r in RESOURCES.items()
        if r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}
    ]
    assert len(groups) == 1, f"{function}: its log group /aws/lambda/{name} is declared"
    [group] = groups
    retention = RESOURCES[group]["Properties"]["RetentionInDays"]
    assert retention == {"Ref": "LogRetentionDays"}
    assert int(TEMPLATE["Parameters"]["LogRetentionDays"]["Default"]) > 0
    # and its role writes there only, and cannot make another group
    role = RESOURCES[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    logs = [s for s in statements if any(str(a).startswith("logs:") for a in _list(s["Action"]))]
    assert [s["Resource"] for s in logs] == [{"Fn::GetAtt": [group, "Arn"]}]
    assert {a for s in logs for a in _list(s["Action"])} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("queue", QUEUES)
def test_every_queue_is_encrypted(queue: str) -> None:
    properties = RESOURCES[queue]["Properties"]
    assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties


def test_the_table_is_encrypted_and_recoverable() -> None:
    properties = RESOURCES["ArticlesTable"]["Properties"]
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_the_cdn_serves_https_only_with_strict_headers() -> None:
    config = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    [origin] = config["Origins"]
    assert "OriginAccessControlId" in origin, "the private bucket is read through OAC"
    headers = RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    for directive in ("default-src 'none'", "base-uri 'none'", "form-action 'self'",
                      "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert "script-src" not in csp, "no script may run: default-src 'none' covers it"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"

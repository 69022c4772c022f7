"""AWS::S3::Bucket and AWS::S3::BucketPolicy on moto.

A bucket gets its versioning, lifecycle, encryption, public access block, ownership and
notifications: the inbox's NotificationConfiguration is what sends uploads to the ingest
queue, locally as on AWS (moto delivers S3 events to SQS).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from rotativa_tools.local.provision.common import Identity, Provisioning, tolerate, truthy

_APPLIED: Final = frozenset(
    {
        "BucketName",
        "VersioningConfiguration",
        "LifecycleConfiguration",
        "BucketEncryption",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "NotificationConfiguration",
    }
)


def bucket(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    name = props.get("BucketName") or _generated_name(p, logical_id)
    s3: Any = p.clients.s3
    request: dict[str, Any] = {"Bucket": name}
    if p.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": p.region}
    tolerate("BucketAlreadyOwnedByYou", lambda: s3.create_bucket(**request))
    if "VersioningConfiguration" in props:
        status = props["VersioningConfiguration"]["Status"]
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    if "LifecycleConfiguration" in props:
        # moto keeps the rules (GetBucketLifecycleConfiguration answers them) but never
        # expires anything: locally, old versions stay until the moto server stops.
        rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "BucketEncryption" in props:
        rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={"Rules": [_encryption_rule(r) for r in rules]},
        )
    if "PublicAccessBlockConfiguration" in props:
        block = props["PublicAccessBlockConfiguration"]
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "NotificationConfiguration" in props:
        configuration = _notifications(p, logical_id, props["NotificationConfiguration"])
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration=configuration
        )
    p.unhandled(logical_id, props, set(_APPLIED))
    suffix = p.context.url_suffix
    return name, {
        "Arn": f"arn:{p.partition}:s3:::{name}",
        "DomainName": f"{name}.s3.{suffix}",
        "RegionalDomainName": f"{name}.s3.{p.region}.{suffix}",
        "DualStackDomainName": f"{name}.s3.dualstack.{p.region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website.{p.region}.amazonaws.com",
    }


def bucket_policy(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    """Apply the policy less its conditional Deny statements.

    moto evaluates bucket policies on object requests but skips condition operators it
    does not know (all but StringEquals), so `Deny … if aws:SecureTransport is false`
    would deny every request. Conditional denies guard the wire, not the logic under
    test, so they are left out locally, with a note.
    """
    document = dict(props["PolicyDocument"])
    statements = document.get("Statement") or []
    kept = []
    for index, statement in enumerate([statements] if isinstance(statements, dict) else statements):
        if statement.get("Effect") == "Deny" and statement.get("Condition"):
            label = statement.get("Sid", f"#{index}")
            p.notes.append(
                f"{logical_id}: conditional Deny statement {label} is not applied locally "
                "(moto would apply it unconditionally)"
            )
        else:
            kept.append(statement)
    if kept:
        policy = json.dumps({**document, "Statement": kept})
        p.clients.s3.put_bucket_policy(Bucket=props["Bucket"], Policy=policy)
    return str(props["Bucket"]), {}


def _generated_name(p: Provisioning, logical_id: str) -> str:
    """CloudFormation's `stack-logicalid-suffix`, lowercased and cut to S3's 63 characters."""
    suffix = p.suffix(logical_id).lower()
    head = f"{p.stack_name}-{logical_id}".lower()[: 63 - len(suffix) - 1].rstrip("-.")
    return f"{head}-{suffix}"


def _notifications(p: Provisioning, logical_id: str, config: Mapping[str, Any]) -> Any:
    """CloudFormation's notification shape in the S3 API's, queues only: the pump reads
    queues; topic and Lambda targets are left out with a note rather than silently."""
    queues = []
    for item in config.get("QueueConfigurations") or []:
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        found: dict[str, Any] = {"QueueArn": item["Queue"], "Events": [item["Event"]]}
        if rules:
            filters = [{"Name": r["Name"], "Value": r["Value"]} for r in rules]
            found["Filter"] = {"Key": {"FilterRules": filters}}
        queues.append(found)
    for unsupported in ("TopicConfigurations", "LambdaConfigurations"):
        if config.get(unsupported):
            p.notes.append(
                f"{logical_id}: NotificationConfiguration.{unsupported} are not delivered locally"
            )
    api: dict[str, Any] = {"QueueConfigurations": queues}
    if "EventBridgeConfiguration" in config:
        api["EventBridgeConfiguration"] = {}
    return api


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation says ServerSideEncryptionByDefault where the API says Apply…."""
    shape: dict[str, Any] = {}
    if "ServerSideEncryptionByDefault" in rule:
        shape["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    if "BucketKeyEnabled" in rule:
        shape["BucketKeyEnabled"] = truthy(rule["BucketKeyEnabled"])
    return shape


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule in the S3 API's shape (the parts this house uses).

    CloudFormation flattens what the API nests: `ExpiredObjectDeleteMarker` and
    `ExpirationInDays` are the API's `Expiration`, `Prefix` its `Filter`.
    """
    shape: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        shape["ID"] = rule["Id"]
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = truthy(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        shape["Expiration"] = expiration
    if rule.get("NoncurrentVersionExpiration"):
        noncurrent = rule["NoncurrentVersionExpiration"]
        shape["NoncurrentVersionExpiration"] = {k: int(v) for k, v in noncurrent.items()}
    elif "NoncurrentVersionExpirationInDays" in rule:
        days = int(rule["NoncurrentVersionExpirationInDays"])
        shape["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if rule.get("AbortIncompleteMultipartUpload"):
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        shape["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return shape

"""Buckets, queues, table and CDN in template.yaml: encrypted, private, TLS only."""

from __future__ import annotations

from typing import Any

import pytest

from rotativa.local.template import load_template
from tests.conftest import ROOT

RESOURCES: dict[str, Any] = load_template(ROOT / "template.yaml")["Resources"]
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
    for directive in ("default-src 'none'", "base-uri 'none'", "form-action 'none'",
                      "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert "script-src" not in csp, "no script may run: default-src 'none' covers it"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"

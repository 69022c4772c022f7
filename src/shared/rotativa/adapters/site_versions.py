"""The site bucket's kept versions (S3), for `rotativa rollback`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from rotativa.adapters.buckets import COPY_CHECKSUM
from rotativa.domain.history import ObjectHistory

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rotativa.adapters.page_ledger import PageLedger

#: Headers S3 keeps per version that CopyObject would otherwise replace or drop: with
#: MetadataDirective=REPLACE they are all given again, so the copy is the old object.
_KEPT = (
    "ContentType",
    "CacheControl",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    # Not copied by CopyObject at all (S3 documents it): a redirect object would come
    # back as an empty page without it.
    "WebsiteRedirectLocation",
)


class SiteVersions:
    """The site bucket's history of an object. With the page ledger (adapters/page_ledger.py)
    a restore marks the key unknown there, so that the next render asks S3 and writes what
    it renders over the restored bytes, as every write does."""

    def __init__(
        self, bucket: str, client: S3Client | None = None, ledger: PageLedger | None = None
    ) -> None:
        self.bucket = bucket
        self.client: S3Client = client or boto3.client("s3")
        self.ledger = ledger

    def history(self, key: str) -> ObjectHistory:
        versions: list[str] = []
        markers: set[str] = set()
        deleted = False
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for version in page.get("Versions", []):
                if version["Key"] == key:
                    versions.append(str(version["VersionId"]))
            for marker in page.get("DeleteMarkers", []):
                if marker["Key"] == key:
                    markers.add(str(marker["VersionId"]))
                    deleted = deleted or bool(marker.get("IsLatest"))
        return ObjectHistory(key, tuple(versions), frozenset(markers), deleted)

    def restore(self, key: str, version_id: str) -> str:
        head = self.client.head_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        found: dict[str, Any] = dict(head)
        kept = {name: found[name] for name in _KEPT if found.get(name)}
        copied = self.client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key, "VersionId": version_id},
            MetadataDirective="REPLACE",
            Metadata=dict(found.get("Metadata") or {}),
            ChecksumAlgorithm=COPY_CHECKSUM,  # of the restored bytes, not of their parts
            **kept,
        )
        if self.ledger is not None:
            self.ledger.forget([key])
        return str(copied.get("VersionId", "null"))

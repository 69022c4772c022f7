"""The inbox and site buckets (S3)."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rotativa.domain.inbox import InboxObject

_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound", "InvalidArgument"}
CONTENT_HASH = "content-sha256"  # object metadata: the sha256 of the bytes we wrote

mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("image/avif", ".avif")


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


def _head(client: S3Client, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's metadata, or None when there is no such object."""
    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    except ClientError as exc:
        if _missing(exc):
            return None
        raise


def _report_key(key: str) -> str:
    # Imported when used: the RenderFunction's SiteBucket lives in this module too, and
    # must not load the ingest service (upload parser, validation) at its cold start.
    from rotativa.services.ingest import report_key

    return report_key(key)


class InboxBucket:
    """Where editors upload; the ValidateFunction reads it and writes reports into it."""

    def __init__(self, name: str, client: S3Client | None = None) -> None:
        self.name = name
        self.client: S3Client = client or boto3.client("s3")

    def read(self, key: str, version_id: str | None, limit: int) -> tuple[bytes, str | None] | None:
        args: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if version_id:
            args["VersionId"] = version_id
        try:
            response = self.client.get_object(**args)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read(limit + 1)  # never more than the limit and one byte
        finally:
            body.close()
        return data, response.get("VersionId")

    def current(self, key: str, limit: int) -> InboxObject | None:
        """The key's current version, bytes and identity from one GET (never a HEAD then a
        GET: another upload could land between the two)."""
        from rotativa.domain.inbox import InboxObject  # the RenderFunction never loads it

        try:
            response = self.client.get_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read(limit + 1)  # never more than the limit and one byte
        finally:
            body.close()
        return InboxObject(
            data=data,
            version_id=response.get("VersionId"),
            etag=response.get("ETag"),
            last_modified=response["LastModified"],
        )

    def exists(self, key: str) -> bool:
        return _head(self.client, self.name, key) is not None

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        found = self.read(_report_key(key), None, 1_000_000)
        if found is None:
            return None
        try:
            report = json.loads(found[0])
        except ValueError:
            return None
        return report if isinstance(report, dict) else None

    def write_report(self, key: str, report: Mapping[str, Any]) -> None:
        self.client.put_object(
            Bucket=self.name,
            Key=_report_key(key),
            Body=json.dumps(report, ensure_ascii=False, indent=2).encode(),
            ContentType="application/json; charset=utf-8",
        )

    def delete_report(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=_report_key(key))


class SiteBucket:
    """What CloudFront serves. Pages are written only when their bytes change."""

    def __init__(self, name: str, client: S3Client | None = None) -> None:
        self.name = name
        self.client: S3Client = client or boto3.client("s3")

    def stored_hash(self, key: str) -> str | None:
        head = _head(self.client, self.name, key)
        return None if head is None else head.get("Metadata", {}).get(CONTENT_HASH)

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        """Write `body` unless the stored object has the same bytes (and the same redirect);
        the new hash, or None."""
        digest = hashlib.sha256(body + (f"\n→{redirect}".encode() if redirect else b"")).hexdigest()
        if self.stored_hash(key) == digest:
            return None
        extra: dict[str, Any] = {"WebsiteRedirectLocation": redirect} if redirect else {}
        self.client.put_object(
            Bucket=self.name,
            Key=key,
            Body=body,
            ContentType=content_type,
            CacheControl=cache_control,
            Metadata={CONTENT_HASH: digest},
            **extra,
        )
        return digest

    def delete(self, key: str) -> bool:
        """Remove an object; True when there was one."""
        if _head(self.client, self.name, key) is None:
            return False
        self.client.delete_object(Bucket=self.name, Key=key)
        return True


class MediaMirror:
    """Copies `media/…` from the inbox to the site bucket as it is now in the inbox, so
    that duplicated or reordered events all end in the inbox's current state."""

    def __init__(self, inbox: str, site: str, client: S3Client | None = None) -> None:
        self.inbox = inbox
        self.site = site
        self.client: S3Client = client or boto3.client("s3")

    def mirror(self, key: str) -> bool:
        head = _head(self.client, self.inbox, key)
        if head is None:
            self.client.delete_object(Bucket=self.site, Key=key)
            return False
        content_type = (
            mimetypes.guess_type(key)[0] or head.get("ContentType") or "application/octet-stream"
        )
        self.client.copy_object(
            Bucket=self.site,
            Key=key,
            CopySource={
                "Bucket": self.inbox,
                "Key": key,
                "VersionId": head.get("VersionId", "null"),
            }
            if head.get("VersionId")
            else {"Bucket": self.inbox, "Key": key},
            ContentType=content_type,
            CacheControl="public, max-age=86400",
            MetadataDirective="REPLACE",
            TaggingDirective="REPLACE",  # editors' tags stay in the inbox
        )
        return True

"""The inbox and site buckets (S3)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

from rotativa.adapters.page_ledger import (
    ABSENT,
    UNKNOWN,
    PageLedger,
    is_claim,
    is_known,
    stored,
)
from rotativa.domain.pages import SiteWrite, StoreResult

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

    from rotativa.domain.inbox import InboxObject
    from rotativa.domain.media import MediaHead, MediaType

_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound", "InvalidArgument"}
CONTENT_HASH = "content-sha256"  # object metadata: the sha256 of the bytes we wrote
COPY_CHECKSUM: Final = "CRC32"  # what S3 computes anew over a copied object's whole bytes


def content_hash(body: bytes, redirect: str | None = None) -> str:
    """What CONTENT_HASH holds for a site object: its bytes and, for a 301, where it leads
    (a page that becomes a redirect with the same body is still a change)."""
    return hashlib.sha256(body + (f"\n→{redirect}".encode() if redirect else b"")).hexdigest()


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


def _state_of(write: SiteWrite) -> str:
    """The ledger's state for an object once `write` is stored."""
    return ABSENT if write.body is None else stored(content_hash(write.body, write.redirect))


def _raised(result: StoreResult) -> str | None:
    if isinstance(result, Exception):
        raise result
    return result


def _report_key(key: str) -> str:
    # Imported when used: the RenderFunction's SiteBucket lives in this module too, and
    # must not load the inbox's domain (and with it the upload parser) at its cold start.
    from rotativa.domain.inbox import report_key

    return report_key(key)


class InboxBucket:
    """Where editors upload; the ValidateFunction reads it and writes reports into it."""

    def __init__(self, name: str, client: S3Client | None = None) -> None:
        self.name = name
        self.client: S3Client = client or boto3.client("s3")

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
        # (imported when used, as `_report_key` explains)
        from rotativa.domain.inbox import ARTICLES_PREFIX, REPORTS_PREFIX
        from rotativa.domain.pictures import MEDIA_PREFIX

        if key.startswith((ARTICLES_PREFIX, MEDIA_PREFIX, REPORTS_PREFIX)):  # GET allowed there
            return _head(self.client, self.name, key) is not None
        # Elsewhere (an upload at the bucket's root) the ValidateFunction may not read the
        # object, only list the bucket (template.yaml): a listing says whether it is there.
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=key, MaxKeys=1)
        return any(item.get("Key") == key for item in listed.get("Contents", []))

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        found = self.current(_report_key(key), 1_000_000)
        if found is None:
            return None
        try:
            report = json.loads(found.data)
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
    """What CloudFront serves. Pages are written only when their bytes change.

    With a `PageLedger` (the RenderFunction's), a batch of pages learns their stored hashes
    from the articles table in one read (`store_many`); without, each write asks S3 first
    (HeadObject). Every writer of pages into a ledgered bucket must pass the ledger, or
    mark what it wrote unknown in it (`PageLedger.forget`): the ledger is trusted.
    """

    def __init__(
        self, name: str, client: S3Client | None = None, ledger: PageLedger | None = None
    ) -> None:
        self.name = name
        self.client: S3Client = client or boto3.client("s3")
        self.ledger = ledger

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
        write = SiteWrite(key, body, content_type, cache_control, redirect)
        if self.ledger is not None:
            return _raised(self.store_many([write])[0])
        digest = content_hash(body, redirect)
        if self.stored_hash(key) == digest:
            return None
        self._put(write, digest)
        return digest

    def delete(self, key: str) -> bool:
        """Remove an object; True when there was one."""
        if self.ledger is not None:
            return _raised(self.store_many([SiteWrite(key, None)])[0]) is not None
        if _head(self.client, self.name, key) is None:
            return False
        self.client.delete_object(Bucket=self.name, Key=key)
        return True

    def store_many(self, writes: Sequence[SiteWrite]) -> list[StoreResult]:
        """Store each write unless unchanged (`BatchStorage`): with the ledger, one read of
        the stored hashes, one claim of the keys that change, their S3 writes, one settle;
        no HeadObject but for keys the ledger does not know (written before it, or by a
        writer that lost a race). Without the ledger, one by one."""
        if self.ledger is None:
            return [self._store_unledgered(write) for write in writes]
        ledger = self.ledger
        unique = list({w.key: w for w in writes}.values())  # a key named twice: once
        wanted = {w.key: _state_of(w) for w in unique}
        states = ledger.read(list(wanted))
        results: dict[str, StoreResult] = {}
        expected: dict[str, str | None] = {}  # the keys to claim, and the state read
        contended: list[SiteWrite] = []
        for write in unique:
            state = states.get(write.key)
            if state == wanted[write.key]:
                results[write.key] = None  # the ledger knows it holds these bytes already
            elif is_claim(state):
                contended.append(write)
            else:
                expected[write.key] = state
        claim = ledger.new_claim()
        claimed = ledger.claim(expected, claim) if expected else set()
        settled: dict[str, str] = {}
        for write in unique:
            if write.key not in claimed:
                continue
            known = states.get(write.key)
            try:
                if is_known(known):  # the ledger says what S3 holds: no need to ask
                    results[write.key] = self._store_known(write, known == ABSENT)
                else:
                    results[write.key] = self._store_unledgered(write, raise_=True)
                settled[write.key] = wanted[write.key]
            except Exception as exc:  # that write fails alone, and S3 is asked next time
                results[write.key] = exc
                settled[write.key] = UNKNOWN
        contended += [w for w in unique if w.key in expected and w.key not in claimed]
        if contended:
            # Another writer holds these keys (or took them since the read): S3 is asked,
            # and the ledger told to ask it, before (so the other's settle fails) and after.
            keys = [w.key for w in contended]
            ledger.forget(keys)
            for write in contended:
                results[write.key] = self._store_unledgered(write)
            ledger.forget(keys)
        if settled:
            with contextlib.suppress(Exception):
                # Not settled, the keys keep this batch's claim and are asked of S3 until it
                # lapses: slower, never wrong. The pages are stored either way.
                ledger.settle(settled, claim)
        reported: set[str] = set()  # a key's result goes to its first write, once
        answers: list[StoreResult] = []
        for write in writes:
            answers.append(None if write.key in reported else results[write.key])
            reported.add(write.key)
        return answers

    def _store_known(self, write: SiteWrite, absent: bool) -> str | None:
        if write.body is None:
            if absent:
                return None
            self.client.delete_object(Bucket=self.name, Key=write.key)
            return f"deleted:{write.key}"
        digest = content_hash(write.body, write.redirect)
        self._put(write, digest)
        return digest

    def _store_unledgered(self, write: SiteWrite, *, raise_: bool = False) -> StoreResult:
        try:
            if write.body is None:
                if _head(self.client, self.name, write.key) is None:
                    return None
                self.client.delete_object(Bucket=self.name, Key=write.key)
                return f"deleted:{write.key}"
            digest = content_hash(write.body, write.redirect)
            if self.stored_hash(write.key) == digest:
                return None
            self._put(write, digest)
            return digest
        except Exception as exc:
            if raise_:
                raise
            return exc

    def _put(self, write: SiteWrite, digest: str) -> None:
        assert write.body is not None
        extra: dict[str, Any] = (
            {"WebsiteRedirectLocation": write.redirect} if write.redirect else {}
        )
        self.client.put_object(
            Bucket=self.name,
            Key=write.key,
            Body=write.body,
            ContentType=write.content_type,
            CacheControl=write.cache_control,
            Metadata={CONTENT_HASH: digest},
            **extra,
        )

    # --- a bundle written as a whole (the search index: `BundleFiles`) -----------------------

    def digests(self, prefix: str) -> dict[str, str]:
        """Key → MD5 of every object below `prefix`, from one paginated listing: the ETag of
        an object written by one PutObject is its MD5 (a multipart upload's is not: '')."""
        found: dict[str, str] = {}
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                etag = str(item.get("ETag", "")).strip('"')
                found[str(item["Key"])] = "" if "-" in etag else etag
        return found

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        self.client.put_object(
            Bucket=self.name, Key=key, Body=body, ContentType=content_type, CacheControl=cache
        )

    def delete_keys(self, keys: Sequence[str]) -> None:
        """Delete `keys`, a thousand per request; raises when S3 refuses any."""
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            response = self.client.delete_objects(
                Bucket=self.name,
                Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
            )
            errors = response.get("Errors", [])
            if errors:
                raise RuntimeError(f"S3 kept {len(errors)} search files: {errors[0]}")


class MediaInboxBucket(InboxBucket):
    """The inbox as media uploads read it: one version at a time, and only its head.

    The ValidateFunction never holds a whole video: it reads the size and the first bytes
    of one version, and the site's copy is made by S3 from that same version.
    """

    def head_media(self, key: str, limit: int) -> MediaHead | None:
        from rotativa.domain.media import MediaHead

        head = _head(self.client, self.name, key)
        if head is None:
            return None
        size = int(head.get("ContentLength", 0))
        version_id = head.get("VersionId") or None
        data = b""
        if size > 0:
            args: dict[str, Any] = {
                "Bucket": self.name,
                "Key": key,
                "Range": f"bytes=0-{limit - 1}",
            }
            if version_id:
                args["VersionId"] = version_id
            try:
                response = self.client.get_object(**args)
            except ClientError as exc:
                if _missing(exc):
                    return None  # deleted between the two calls: its event follows
                raise
            body = response["Body"]
            try:
                data = body.read(limit)  # the range asked for no more; never trust that
            finally:
                body.close()
        return MediaHead(
            head=data,
            size=size,
            version=_version(head),
            version_id=version_id,
            last_modified=head.get("LastModified"),
        )

    def read_media(self, key: str, source: MediaHead, limit: int) -> bytes | None:
        """The whole of one version, to decode a picture: at most `limit` bytes are read."""
        args: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if source.version_id:
            args["VersionId"] = source.version_id
        elif source.version:
            args["IfMatch"] = source.version  # the bytes that were judged, or none
        try:
            response = self.client.get_object(**args)
        except ClientError as exc:
            if _missing(exc) or str(exc.response.get("Error", {}).get("Code")) in {
                "PreconditionFailed",
                "412",
            }:
                return None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read(limit + 1)
        finally:
            body.close()
        return data if len(data) <= limit else None

    def version_of(self, key: str) -> str | None:
        head = _head(self.client, self.name, key)
        return None if head is None else _version(head)


def _version(head: Mapping[str, Any]) -> str:
    return str(head.get("VersionId") or head.get("ETag") or "")


class SiteMediaBucket:
    """The site bucket's media/: copies of inbox versions, with the type their bytes prove."""

    def __init__(self, inbox: str, site: str, client: S3Client | None = None) -> None:
        self.inbox = inbox
        self.site = site
        self.client: S3Client = client or boto3.client("s3")

    def publish(self, key: str, source: MediaHead, media_type: MediaType, cache: str) -> None:
        copy_source: CopySourceTypeDef = {"Bucket": self.inbox, "Key": key}
        extra: dict[str, Any] = {}
        if source.version_id:
            copy_source["VersionId"] = source.version_id
        elif source.version:
            extra["CopySourceIfMatch"] = source.version  # the bytes that were judged
        if media_type.disposition:
            name = key.rsplit("/", 1)[-1]  # normal form: no quote, no control character
            extra["ContentDisposition"] = f'{media_type.disposition}; filename="{name}"'
        self.client.copy_object(
            Bucket=self.site,
            Key=key,
            CopySource=copy_source,
            ContentType=media_type.content_type,
            CacheControl=cache,
            MetadataDirective="REPLACE",  # the uploader's Content-Type and metadata stay behind
            TaggingDirective="REPLACE",  # editors' tags stay in the inbox
            # A checksum of the copy's own bytes: an upload made in parts (`aws s3 cp` past
            # 8 MB) carries a checksum of its parts, which does not describe the one-part
            # copy, and a reader that checks it (boto3 does by default) fails on it.
            ChecksumAlgorithm=COPY_CHECKSUM,
            **extra,
        )

    def remove(self, key: str) -> None:
        self.client.delete_object(Bucket=self.site, Key=key)

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        self.client.put_object(
            Bucket=self.site, Key=key, Body=body, ContentType=content_type, CacheControl=cache
        )

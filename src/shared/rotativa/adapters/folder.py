"""Folders on disk as the cloud's buckets: a content folder as the inbox, a folder as the
site bucket.

A content folder is what `samples/` is: `site.yaml`, `articles/`, `media/`; the files an
editor would upload from it are listed here once (`upload_files`), for `rotativa local`,
`rotativa dev` and `rotativa rebuild FOLDER` alike. `FolderInbox` plays the inbox with the
article files read from it (`read_uploads`), for ingest to read as it reads S3, when
`rotativa rebuild FOLDER` and `rotativa preview` publish a folder in process.
`FolderBucket` plays the site bucket for `rotativa rebuild --out` and `rotativa preview`:
object key → file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rotativa.adapters.memory import MemoryBucket
from rotativa.domain.inbox import ARTICLES_PREFIX, FileUpload, InboxObject
from rotativa.domain.media import MEDIA_MAX_BYTES, MediaHead, MediaType
from rotativa.domain.pages import object_key
from rotativa.domain.pictures import MEDIA_PREFIX

UPLOAD_PREFIXES = (MEDIA_PREFIX, ARTICLES_PREFIX)  # media first: articles may show them


def upload_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(inbox key, file) for everything an editor would upload from the folder, media
    first, each prefix in key order."""
    for prefix in UPLOAD_PREFIXES:
        root = folder / prefix.rstrip("/")
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts):
                continue  # editors' tools leave hidden files (.DS_Store, swap files)
            yield prefix + relative.as_posix(), path


def article_uploads(folder: Path) -> list[tuple[str, Path]]:
    """The article uploads of a content folder (or of its `articles/` folder), in the
    order `rotativa local` sends them."""
    if not (folder / ARTICLES_PREFIX).is_dir() and folder.name == ARTICLES_PREFIX.rstrip("/"):
        folder = folder.parent
    return [(key, path) for key, path in upload_files(folder) if key.startswith(ARTICLES_PREFIX)]


def modified_at(path: Path) -> datetime:
    """A file's modification time, to the second: when a folder's upload "arrived"."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)


def media_uploads(folder: Path, keys: Iterable[str] | None = None) -> list[FileUpload]:
    """The media uploads of a content folder, read (only those in `keys`, when given)."""
    wanted = None if keys is None else set(keys)
    return [
        read_upload(key, path)
        for key, path in upload_files(folder)
        if key.startswith(MEDIA_PREFIX) and (wanted is None or key in wanted)
    ]


def read_upload(key: str, path: Path) -> FileUpload:
    """The upload `key` as the file `path` holds it now."""
    return FileUpload(key, path, path.read_bytes(), modified_at(path))


def read_uploads(folder: Path) -> list[FileUpload]:
    """A content folder's article uploads, read, in the order `rotativa local` sends them."""
    return [read_upload(key, path) for key, path in article_uploads(folder)]


class FolderInbox:
    """The inbox holding a folder's uploads, all at once, as after `rotativa local` sent
    them: each key's bytes, with the file's time as S3's LastModified and its place in the
    folder as its version, and the editors' reports ingest writes beside them."""

    def __init__(self, uploads: Iterable[FileUpload], name: str = "folder") -> None:
        self.name = name
        self._objects = {
            upload.key: InboxObject(upload.data, str(number), None, upload.arrived)
            for number, upload in enumerate(uploads, start=1)
        }
        self._reports: dict[str, dict[str, Any]] = {}

    def current(self, key: str, limit: int) -> InboxObject | None:
        found = self._objects.get(key)
        if found is None:
            return None
        return InboxObject(found.data[: limit + 1], found.version_id, None, found.last_modified)

    def exists(self, key: str) -> bool:
        return key in self._objects

    # --- as media uploads read it ----------------------------------------------------------

    def head_media(self, key: str, limit: int) -> MediaHead | None:
        found = self._objects.get(key)
        if found is None:
            return None
        version = found.version_id or ""
        return MediaHead(found.data[:limit], len(found.data), version, version, found.last_modified)

    def version_of(self, key: str) -> str | None:
        found = self._objects.get(key)
        return None if found is None else found.version_id

    def read_media(self, key: str, source: MediaHead, limit: int) -> bytes | None:
        found = self._objects.get(key)
        if found is None or found.version_id != source.version or len(found.data) > limit:
            return None
        return found.data

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        return self._reports.get(key)

    def write_report(self, key: str, report: Mapping[str, Any]) -> None:
        self._reports[key] = dict(report)

    def delete_report(self, key: str) -> None:
        self._reports.pop(key, None)


class FolderBucket:
    """The site bucket played by a folder (object key → file under `root`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_if_changed(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        redirect: str | None = None,
    ) -> str | None:
        # A folder keeps bytes only: an old address is its "page moved" page, with a link.
        del content_type, cache_control, redirect
        target = self.root / key
        if target.is_file() and target.read_bytes() == body:
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return hashlib.sha256(body).hexdigest()

    def delete(self, key: str) -> bool:
        target = self.root / key
        if not target.is_file():
            return False
        target.unlink()
        return True

    def digests(self, prefix: str) -> dict[str, str]:
        found = {}
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and path.is_file():
                found[key] = hashlib.md5(path.read_bytes()).hexdigest()
        return found

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        self.put_if_changed(key, body, content_type=content_type, cache_control=cache)

    def delete_keys(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.delete(key)


class FolderSiteMedia:
    """The site bucket's `media/` for a folder published in process: a media file is
    copied from the `FolderInbox` and a picture's variants written, into `site` (an
    in-memory bucket or a folder), as `SiteMediaBucket` does in S3."""

    def __init__(self, inbox: FolderInbox, site: MemoryBucket | FolderBucket) -> None:
        self.inbox = inbox
        self.site = site

    def publish(self, key: str, source: MediaHead, media_type: MediaType, cache: str) -> None:
        data = self.inbox.read_media(key, source, MEDIA_MAX_BYTES)
        if data is not None:
            self.site.put_if_changed(
                key, data, content_type=media_type.content_type, cache_control=cache
            )

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        self.site.put_if_changed(key, body, content_type=content_type, cache_control=cache)

    def remove(self, key: str) -> None:
        self.site.delete(key)


def page_file(root: Path, path: str) -> Path:
    """Where a site path's bytes are in a folder written by `FolderBucket`."""
    return root / object_key(path)

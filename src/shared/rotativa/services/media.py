"""What the ValidateFunction does with an event about a file under `media/`.

The site's copy of a media file follows the inbox's current version, whatever event
arrives and in whatever order: the file is looked at now (its size and the head of its
bytes, at one version), judged by `domain.media` and then either copied to the site
bucket at exactly that version with the Content-Type its bytes prove, or refused with a
report under `reports/media/…`. A refused upload leaves what is published at its site key
as it was, as a refused article does; a file that is gone from the inbox is removed from
the site. Only the media upload's own site key (`domain.media.site_key`, the identity on
keys in normal form) is ever written or deleted, and a key not in normal form writes and
deletes nothing but its report.

A picture (JPEG, PNG, GIF, WebP, AVIF) is not copied: `services.picture_desk` publishes
its variants, re-encoded without the camera's metadata, and the articles that show it are
re-committed with them. A picture its decoder refuses (a bomb, damaged bytes) is refused
like any media upload, with its report.

Two invocations may handle two uploads of one key at once. Each one, after acting, asks
the inbox for the key's current version again and starts over if it moved, so the last
to act is one that saw the current version: the site converges on the inbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rotativa.domain.inbox import InboxEvent, IngestOutcome, IngestResult
from rotativa.domain.media import (
    CACHE_CONTROL,
    SNIFF_BYTES,
    MediaHead,
    MediaType,
    judge_media,
    printable,
    report_subject,
    site_key,
)
from rotativa.domain.messages import Language
from rotativa.domain.problems import Problem, Severity
from rotativa.services.ports import MediaInbox, MediaSite, ReportReader, Telemetry

if TYPE_CHECKING:
    from rotativa.services.picture_desk import PictureDesk

ROUNDS = 3  # looks at the inbox before giving up on a key that keeps changing


class MediaUploads:
    """Publishes, refuses or removes media files; `Ingest` hands it every media event."""

    def __init__(
        self,
        inbox: MediaInbox,
        site: MediaSite,
        telemetry: Telemetry,
        language: Language = "it",
        pictures: PictureDesk | None = None,
    ) -> None:
        self.inbox = inbox
        self.site = site
        self.telemetry = telemetry
        self.language = language
        self.pictures = pictures  # None: pictures are copied as they are (no Pillow here)

    def handle(self, event: InboxEvent) -> IngestResult:
        outcome: tuple[IngestOutcome, tuple[Problem, ...]] = (IngestOutcome.IGNORED, ())
        for _ in range(ROUNDS):
            version, outcome = self._settle(event)
            if self.inbox.version_of(event.key) == version:
                break
        result, problems = outcome
        metric = {
            IngestOutcome.MEDIA_COPIED: "MediaPublished",
            IngestOutcome.MEDIA_REMOVED: "MediaRemoved",
            IngestOutcome.REJECTED: "UploadRejected",
        }.get(result)
        if metric:
            self.telemetry.count(metric)
        return IngestResult(event, result, problems)

    def _settle(
        self, event: InboxEvent
    ) -> tuple[str | None, tuple[IngestOutcome, tuple[Problem, ...]]]:
        """Make the site (and the report) agree with the inbox's current version of the
        key; that version (None: gone) and what was done."""
        key = event.key
        target = site_key(key)
        found = self.inbox.head_media(key, SNIFF_BYTES)
        if found is None:
            if target is not None:
                self.site.remove(target)  # its own key, and nothing else
                if self.pictures is not None:
                    self.pictures.withdraw(target)  # and its variants, if it was a picture
            self._clear_report(key)
            return None, (IngestOutcome.MEDIA_REMOVED, ())
        verdict = judge_media(key, found.head, found.size)
        if verdict.media_type is None or target is None:
            self._write_report(event, found, "rejected", verdict.problems, None)
            return found.version, (IngestOutcome.REJECTED, verdict.problems)
        problems = verdict.problems
        if self.pictures is not None and verdict.media_type.family == "image":
            made = self.pictures.publish(target, found)
            if made.unchanged:  # its report was written when it was made: it stands
                return found.version, (IngestOutcome.MEDIA_COPIED, ())
            problems = made.problems
            if made.record is None and not problems:
                # The version judged is gone already: the event of what replaced it decides.
                return found.version, (IngestOutcome.STALE, ())
            if made.record is None:
                self._write_report(event, found, "rejected", problems, None)
                return found.version, (IngestOutcome.REJECTED, problems)
        else:
            self.site.publish(target, found, verdict.media_type, CACHE_CONTROL)
        if problems:
            self._write_report(event, found, "accepted", problems, verdict.media_type)
        else:
            self._clear_report(key)
        return found.version, (IngestOutcome.MEDIA_COPIED, problems)

    # --- reports --------------------------------------------------------------------------

    def _write_report(
        self,
        event: InboxEvent,
        found: MediaHead,
        status: str,
        problems: tuple[Problem, ...],
        media_type: MediaType | None,
    ) -> None:
        uploaded = found.last_modified or event.event_time
        report: dict[str, Any] = {
            "key": printable(event.key),
            "status": status,
            "version_id": found.version_id,
            "order": event.order,
            "uploaded_at": uploaded.isoformat(),
            "size": found.size,
            "errors": [p.as_dict(self.language) for p in problems if p.severity is Severity.ERROR],
            "warnings": [
                p.as_dict(self.language) for p in problems if p.severity is Severity.WARNING
            ],
        }
        if media_type is not None:
            report["content_type"] = media_type.content_type
        self.inbox.write_report(report_subject(event.key), report)

    def _clear_report(self, key: str) -> None:
        subject = report_subject(key)
        if self.inbox.read_report(subject) is not None:
            self.inbox.delete_report(subject)


def refused_media(inbox: ReportReader, key: str) -> bool:
    """Whether media upload `key` stands refused (its report says so): an article whose
    `image.src` names it shows a picture the site does not have, and should be told."""
    report = inbox.read_report(report_subject(key))
    return report is not None and report.get("status") == "rejected"

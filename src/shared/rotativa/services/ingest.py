"""What the ValidateFunction does with one inbox event.

An article upload is read (at the version the event names), validated exactly as
`rotativa check` does, and committed to the articles table only when it is newer than what
the table holds and its address is free. A rejected upload gets a report beside it in the
inbox (`reports/<key>.json`); nothing already published is touched. Media are mirrored to
the site bucket as they are now in the inbox, so reordered events converge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any, Protocol

from rotativa.domain.inbox import MEDIA_PREFIX, REPORTS_PREFIX, Change, InboxEvent
from rotativa.domain.problems import Problem, Severity, error, warning
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.schedules import lifecycle_state
from rotativa.domain.site import SiteSettings
from rotativa.services.validation import ValidationReport, validate_upload


class CommitOutcome(StrEnum):
    COMMITTED = "committed"
    STALE = "stale"  # the table already holds this or a newer version of the upload
    PATH_TAKEN = "path-taken"  # another upload owns the section/slug address


@dataclass(frozen=True)
class Commit:
    outcome: CommitOutcome
    owner: str | None = None  # for PATH_TAKEN: the upload that has the address


class Inbox(Protocol):
    """The inbox bucket, as the ValidateFunction uses it."""

    def read(self, key: str, version_id: str | None, limit: int) -> tuple[bytes, str | None] | None:
        """The object's bytes (at most `limit` + 1 of them) and the version they are, or
        None when it is gone. Without `version_id`, the current version."""
        ...

    def exists(self, key: str) -> bool: ...

    def read_report(self, key: str) -> Mapping[str, Any] | None: ...

    def write_report(self, key: str, report: Mapping[str, Any]) -> None: ...

    def delete_report(self, key: str) -> None: ...


class SiteMedia(Protocol):
    def handle(self, event: InboxEvent) -> IngestResult:
        """Publish, refuse or remove the media file `event` is about (services/media.py)."""
        ...


class ArticleLedger(Protocol):
    """The articles table, as the ValidateFunction writes it."""

    def get(self, key: str) -> StoredArticle | None: ...

    def commit(self, stored: StoredArticle, *, release_path: str | None) -> Commit: ...


class Telemetry(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


class IngestOutcome(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    UNPUBLISHED = "unpublished"
    REJECTED = "rejected"
    STALE = "stale"
    MEDIA_COPIED = "media-copied"
    MEDIA_REMOVED = "media-removed"
    IGNORED = "ignored"


@dataclass(frozen=True)
class IngestResult:
    event: InboxEvent
    outcome: IngestOutcome
    problems: tuple[Problem, ...] = field(default_factory=tuple)


_OUTCOMES = {
    ArticleState.PUBLISHED: (IngestOutcome.PUBLISHED, "ArticlePublished"),
    ArticleState.DRAFT: (IngestOutcome.DRAFT, "DraftSaved"),
    ArticleState.SCHEDULED: (IngestOutcome.SCHEDULED, "ArticleScheduled"),
    ArticleState.EXPIRED: (IngestOutcome.EXPIRED, "ExpiredArticleSaved"),
}


def report_key(key: str) -> str:
    return f"{REPORTS_PREFIX}{key}.json"


class Ingest:
    def __init__(
        self,
        settings: SiteSettings,
        inbox: Inbox,
        media: SiteMedia,
        ledger: ArticleLedger,
        telemetry: Telemetry,
    ) -> None:
        self.settings = settings
        self.inbox = inbox
        self.media = media
        self.ledger = ledger
        self.telemetry = telemetry

    def handle(self, event: InboxEvent) -> IngestResult:
        if event.is_media:
            return self.media.handle(event)  # its bytes decide: services/media.py
        if not event.is_article:
            return IngestResult(event, IngestOutcome.IGNORED)
        before = self.ledger.get(event.key)
        if before is not None and before.order >= event.order:
            return IngestResult(event, IngestOutcome.STALE)
        if event.change is Change.DELETE:
            return self._unpublish(event, before)
        return self._publish(event, before)

    # --- deletes --------------------------------------------------------------------------

    def _unpublish(self, event: InboxEvent, before: StoredArticle | None) -> IngestResult:
        tombstone = StoredArticle(
            key=event.key,
            order=event.order,
            state=ArticleState.DELETED,
            received_at=event.event_time,
            version_id=event.version_id,
            first_published=before.first_published if before else None,
        )
        commit = self.ledger.commit(tombstone, release_path=before.path if before else None)
        if commit.outcome is not CommitOutcome.COMMITTED:
            return IngestResult(event, IngestOutcome.STALE)
        self._clear_report(event)
        self.telemetry.count("ArticleUnpublished")
        return IngestResult(event, IngestOutcome.UNPUBLISHED)

    # --- puts -----------------------------------------------------------------------------

    def _publish(self, event: InboxEvent, before: StoredArticle | None) -> IngestResult:
        # The adapter reads at most the limit and one byte; validation refuses the excess.
        found = self.inbox.read(event.key, event.version_id, self.settings.max_upload_bytes)
        if found is None:
            return IngestResult(event, IngestOutcome.STALE)  # deleted since: its event follows
        data, version_id = found
        event = replace(event, version_id=version_id or event.version_id)
        report = validate_upload(event.key, data, self.settings)
        if report.article is None:
            return self._reject(event, report.problems)
        problems = (*report.problems, *self._missing_media(report))
        article = report.article
        # The upload's own time decides an embargo, not the clock of whichever retry runs
        # this: a retried event lands in the same state.
        state = lifecycle_state(article, event.event_time)
        first_published = before.first_published if before else None
        if first_published is None and state is ArticleState.PUBLISHED:
            first_published = event.event_time
        changed = (
            before is not None
            and before.article is not None
            and (before.article.model_dump(exclude={"key"}) != article.model_dump(exclude={"key"}))
        )
        was_public = before is not None and before.first_published is not None
        stored = StoredArticle(
            key=event.key,
            order=event.order,
            state=state,
            received_at=event.event_time,
            version_id=event.version_id,
            article=article,
            first_published=first_published,
            updated=event.event_time
            if changed and was_public
            else (before.updated if before else None),
        )
        release = before.path if before is not None and before.path != article.path else None
        commit = self.ledger.commit(stored, release_path=release)
        if commit.outcome is CommitOutcome.STALE:
            return IngestResult(event, IngestOutcome.STALE)
        if commit.outcome is CommitOutcome.PATH_TAKEN:
            taken = error("slug_taken", field="slug", path=article.path, owner=commit.owner or "?")
            return self._reject(event, (*problems, taken))
        if problems:
            self._write_report(event, "accepted", problems)
        else:
            self._clear_report(event)
        outcome, metric = _OUTCOMES[state]
        self.telemetry.count(metric)
        return IngestResult(event, outcome, tuple(problems))

    def _missing_media(self, report: ValidationReport) -> list[Problem]:
        image = report.article.image if report.article else None
        if image is None or not image.is_local:
            return []
        key = str(PurePosixPath(image.src.lstrip("/")))
        if not key.startswith(MEDIA_PREFIX) or not self.inbox.exists(key):
            return [warning("image_missing", field="image.src", value=image.src)]
        return []

    def _reject(
        self, event: InboxEvent, problems: tuple[Problem, ...] | list[Problem]
    ) -> IngestResult:
        self._write_report(event, "rejected", problems)
        self.telemetry.count("UploadRejected")
        return IngestResult(event, IngestOutcome.REJECTED, tuple(problems))

    # --- reports --------------------------------------------------------------------------

    def _write_report(self, event: InboxEvent, status: str, problems: Any) -> None:
        current = self.inbox.read_report(event.key)
        if current is not None and str(current.get("order", "")) > event.order:
            return  # a newer upload already has its report
        language = self.settings.locale
        self.inbox.write_report(
            event.key,
            {
                "key": event.key,
                "status": status,
                "version_id": event.version_id,
                "order": event.order,
                "uploaded_at": event.event_time.isoformat(),
                "errors": [p.as_dict(language) for p in problems if p.severity is Severity.ERROR],
                "warnings": [
                    p.as_dict(language) for p in problems if p.severity is Severity.WARNING
                ],
            },
        )

    def _clear_report(self, event: InboxEvent) -> None:
        current = self.inbox.read_report(event.key)
        if current is not None and str(current.get("order", "")) <= event.order:
            self.inbox.delete_report(event.key)

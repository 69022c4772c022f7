"""What the ValidateFunction does with one inbox event.

An article upload is read (at the version the event names), validated exactly as
`rotativa check` does, and committed to the articles table only when it is newer than what
the table holds and its address is free. A rejected upload gets a report beside it in the
inbox (`reports/<key>.json`); nothing already published is touched. Media are mirrored to
the site bucket as they are now in the inbox, so reordered events converge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from rotativa.domain.article import Article
from rotativa.domain.inbox import (
    Change,
    InboxEvent,
    IngestOutcome,
    IngestResult,
    confirmed_order,
    misplaced,
    order_after,
)
from rotativa.domain.messages import Language
from rotativa.domain.pictures import MEDIA_PREFIX
from rotativa.domain.problems import Problem, Severity, error, warning
from rotativa.domain.records import ArticleState, CommitOutcome, KeptBody, StoredArticle
from rotativa.domain.schedules import lifecycle_state
from rotativa.domain.site import SiteSettings
from rotativa.domain.text import shorten, visible
from rotativa.domain.twins import TWIN_WINNER, name_address, twin_of
from rotativa.services.media import refused_media
from rotativa.services.picture_desk import pictures_shown, remember_body
from rotativa.services.ports import ArticleLedger, Inbox, SiteMedia, Telemetry
from rotativa.services.validation import ValidationReport, validate_upload

if TYPE_CHECKING:
    from rotativa.services.picture_desk import PictureDesk

_OUTCOMES = {
    ArticleState.PUBLISHED: (IngestOutcome.PUBLISHED, "ArticlePublished"),
    ArticleState.DRAFT: (IngestOutcome.DRAFT, "DraftSaved"),
    ArticleState.SCHEDULED: (IngestOutcome.SCHEDULED, "ArticleScheduled"),
    ArticleState.EXPIRED: (IngestOutcome.EXPIRED, "ExpiredArticleSaved"),
}


REPORT_MAX_PROBLEMS = 20  # of each severity; the report also counts them all
REPORT_MAX_MESSAGE = 500  # characters of one message (values quoted from the upload)
REPORT_MAX_FIELD = 100


def _reported(problem: Problem, language: Language) -> dict[str, Any]:
    entry = problem.as_dict(language)
    entry["message"] = shorten(visible(str(entry["message"])), REPORT_MAX_MESSAGE)
    if entry.get("field") is not None:
        entry["field"] = shorten(visible(str(entry["field"])), REPORT_MAX_FIELD)
    return entry


class Ingest:
    def __init__(
        self,
        settings: SiteSettings,
        inbox: Inbox,
        media: SiteMedia,
        ledger: ArticleLedger,
        telemetry: Telemetry,
        pictures: PictureDesk | None = None,
    ) -> None:
        self.settings = settings
        self.inbox = inbox
        self.media = media
        self.ledger = ledger
        self.telemetry = telemetry
        self.pictures = pictures  # None: articles are stored without picture refs

    #: Commits that lose a race with another one are tried again from a fresh read.
    ATTEMPTS = 5

    def handle(self, event: InboxEvent) -> IngestResult:
        """Bring the table in line with what the inbox holds now for the event's key.

        The event is a hint to look, never the truth: it may be replayed, reordered,
        forged or about another bucket. What S3 holds now (the key's current version, or
        its absence) is read and committed only if the table still holds what was read
        before, so concurrent events for one key converge on S3's last word."""
        if event.bucket != self.inbox.name:
            self.telemetry.count("ForeignEventIgnored")
            return IngestResult(event, IngestOutcome.FOREIGN)
        if event.is_media:
            return self.media.handle(event)  # its bytes decide: services/media.py
        if not event.is_article:
            return self._misplaced(event)
        for _ in range(self.ATTEMPTS):
            result = self._attempt(event)
            if result is not None:
                return result
        raise RuntimeError(f"{event.key}: lost {self.ATTEMPTS} commits in a row; retry later")

    def _attempt(self, event: InboxEvent) -> IngestResult | None:
        """One read-check-commit; None when another commit got in between (try again)."""
        before = self.ledger.get(event.key)
        # The adapter reads at most the limit and one byte; validation refuses the excess.
        current = self.inbox.current(event.key, self.settings.max_upload_bytes)
        if current is None:
            if before is None or before.state is ArticleState.DELETED:
                return IngestResult(event, IngestOutcome.STALE)  # gone: nothing to publish
            return self._unpublish(event, before)  # S3 says it is gone, whatever the event
        if event.change is Change.DELETE or (
            event.names_a_version() and not event.describes(current)
        ):
            # The key holds another version than the event speaks of: that version's own
            # event (or the current one, already committed) decides.
            return IngestResult(event, IngestOutcome.STALE)
        if (
            before is not None
            and current.version_id is not None
            and before.version_id == current.version_id
        ):
            return IngestResult(event, IngestOutcome.STALE)  # already this version
        order = confirmed_order(current, event)
        if before is not None and order <= before.order:
            order = order_after(before.order)  # reports and readers see orders only grow
        event = replace(event, version_id=current.version_id, confirmed_order=order)
        return self._publish(event, before, current.data)

    def _misplaced(self, event: InboxEvent) -> IngestResult:
        """An upload outside articles/ and media/, or of a type no article has: nothing is
        published, and its editor is told where it belongs (a report, as for a rejection),
        for as long as the file is there. The inbox's own reports come back here too (every
        write is an event): they are left alone, or each report would beget another."""
        if event.is_ours:
            return IngestResult(event, IngestOutcome.IGNORED)
        if event.change is Change.PUT and self.inbox.exists(event.key):
            return self._reject(event, (misplaced(event.key),))
        self._clear_report(event)  # gone (or never there): its report goes too
        return IngestResult(event, IngestOutcome.IGNORED)

    # --- deletes --------------------------------------------------------------------------

    def _bury(self, before: StoredArticle, event: InboxEvent) -> InboxEvent | None:
        """Replace `before` with a tombstone (its order just after, its address let go);
        the event as committed, or None when the item moved on since it was read."""
        order = order_after(before.order)
        tombstone = StoredArticle(
            key=before.key,
            order=order,
            state=ArticleState.DELETED,
            received_at=event.event_time,
            version_id=event.version_id if event.key == before.key else None,
            first_published=before.first_published,
        )
        commit = self.ledger.commit(tombstone, release_path=before.path, seen=before.order)
        if commit.outcome is not CommitOutcome.COMMITTED:
            return None
        if self.pictures is not None:
            self.pictures.forget(before.key, before.article, None)
        return replace(event, key=before.key, confirmed_order=order)

    def _unpublish(self, event: InboxEvent, before: StoredArticle) -> IngestResult | None:
        buried = self._bury(before, event)
        if buried is None:
            return None
        event = buried
        self._clear_report(event)
        self.telemetry.count("ArticleUnpublished")
        return IngestResult(event, IngestOutcome.UNPUBLISHED)

    # --- puts -----------------------------------------------------------------------------

    def _publish(
        self, event: InboxEvent, before: StoredArticle | None, data: bytes
    ) -> IngestResult | None:
        report = validate_upload(event.key, data, self.settings, now=event.event_time)
        if report.article is None:
            return self._reject(event, report.problems)
        article = report.article
        if report.body_html:  # validation's HTML is of this body (`_validate`)
            remember_body(article.body, report.body_html)
        twin = twin_of(event.key)
        if twin is not None and twin.endswith(TWIN_WINNER) and self.inbox.exists(twin):
            # `x.md` and `x.json` are one name: the Markdown file wins, whichever came first.
            self.ledger.wait_for(name_address(event.key), event.key)
            live = before is not None and before.state is not ArticleState.DELETED
            if live and before is not None and self._unpublish(event, before) is None:
                return None  # something changed meanwhile: look again
            return self._reject(event, (error("name_twin", field="file", twin=twin),))
        problems = (*report.problems, *self._missing_media(report), *self._aliases_held(article))
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
        # The pictures it shows, as made now (their uses recorded first: services/picture_desk).
        pictures = self.pictures.refs_for(event.key, article) if self.pictures else ()
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
            pictures=pictures,
            kept_body=KeptBody.of(article.body, report.body_html),  # none: rendered later
        )
        release = before.path if before is not None and before.path != article.path else None
        commit = self.ledger.commit(
            stored, release_path=release, seen=before.order if before else None
        )
        if commit.outcome is CommitOutcome.STALE:
            return None
        if twin is not None and commit.outcome is CommitOutcome.PATH_TAKEN and commit.owner == twin:
            # The JSON twin has the address: it steps aside for the Markdown file.
            twin_before = self.ledger.get(twin)
            if twin_before is not None and twin_before.state is not ArticleState.DELETED:
                self._step_aside(twin_before, replace(event, version_id=None))
            return None  # try again, now that the address is free
        if commit.outcome is CommitOutcome.PATH_TAKEN:
            # Kept in mind: when the holder lets the address go, this upload is tried again.
            self.ledger.wait_for(article.path, event.key)
            taken = error("slug_taken", field="slug", path=article.path, owner=commit.owner or "?")
            return self._reject(event, (*problems, taken))
        if self.pictures is not None:
            self.pictures.forget(event.key, before.article if before else None, article)
            if pictures_shown(article):
                # A picture made while this was being committed: looked at again, now that
                # the commit is there for its maker to see too (services/picture_desk.py).
                self.pictures.refresh(event.key)
        if problems:
            self._write_report(event, "accepted", problems)
        else:
            self._clear_report(event)
        outcome, metric = _OUTCOMES[state]
        self.telemetry.count(metric)
        return IngestResult(event, outcome, tuple(problems))

    def _step_aside(self, loser: StoredArticle, event: InboxEvent) -> None:
        """Unpublish the JSON twin of a Markdown upload and tell its editor why."""
        buried = self._bury(loser, event)
        if buried is not None:
            self.ledger.wait_for(name_address(loser.key), loser.key)
            twin = twin_of(loser.key) or "?"
            self._write_report(buried, "rejected", [error("name_twin", field="file", twin=twin)])

    def _aliases_held(self, article: Article) -> list[Problem]:
        """Aliases another upload holds (as its page or its own old address) stay with it."""
        if not article.aliases:
            return []
        holders = self.ledger.address_holders(article.aliases)
        return [
            warning("alias_taken", field="aliases", value=path, owner=holder)
            for path in article.aliases
            if (holder := holders.get(path)) is not None and holder != article.key
        ]

    def _missing_media(self, report: ValidationReport) -> list[Problem]:
        image = report.article.image if report.article else None
        if image is None or not image.is_local:
            return []
        key = str(PurePosixPath(image.src.lstrip("/")))
        if not key.startswith(MEDIA_PREFIX) or not self.inbox.exists(key):
            return [warning("image_missing", field="image.src", value=image.src)]
        if refused_media(self.inbox, key):
            # The file is there but never reaches the site (its bytes were refused).
            return [warning("image_refused", field="image.src", value=key)]
        return []

    def _reject(
        self, event: InboxEvent, problems: tuple[Problem, ...] | list[Problem]
    ) -> IngestResult:
        self._write_report(event, "rejected", problems)
        self.telemetry.count("UploadRejected")
        return IngestResult(event, IngestOutcome.REJECTED, tuple(problems))

    # --- reports --------------------------------------------------------------------------

    def _write_report(self, event: InboxEvent, status: str, problems: Any) -> None:
        """The editor's report: bounded, so it can always be written and read back (the first
        `REPORT_MAX_PROBLEMS` errors and warnings, with their totals), and with what the
        upload brought shown escaped, so a character UTF-8 cannot encode (a JSON `\ud800`)
        or that would drive a terminal cannot break the report or its reader."""
        current = self.inbox.read_report(event.key)
        if current is not None and _newer_report(current, event):
            return  # a newer upload already has its report
        language = self.settings.locale
        errors = [p for p in problems if p.severity is Severity.ERROR]
        warnings = [p for p in problems if p.severity is Severity.WARNING]
        self.inbox.write_report(
            event.key,
            {
                "key": event.key,
                "status": status,
                "version_id": event.version_id,
                "order": event.order,
                "uploaded_at": event.event_time.isoformat(),
                "errors": [_reported(p, language) for p in errors[:REPORT_MAX_PROBLEMS]],
                "warnings": [_reported(p, language) for p in warnings[:REPORT_MAX_PROBLEMS]],
                "errors_total": len(errors),
                "warnings_total": len(warnings),
            },
        )

    def _clear_report(self, event: InboxEvent) -> None:
        current = self.inbox.read_report(event.key)
        if current is not None and not _newer_report(current, event):
            self.inbox.delete_report(event.key)


def _newer_report(report: Mapping[str, Any], event: InboxEvent) -> bool:
    """Whether `report` is about a later upload than `event`'s. A report on the very version
    the event is about is not: looking at it again (a recheck) gives the newer verdict."""
    if event.version_id is not None and report.get("version_id") == event.version_id:
        return False
    return str(report.get("order", "")) > event.order

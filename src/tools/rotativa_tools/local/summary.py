"""What a run of the local cloud did, told from what really happened.

Nothing here estimates: uploads are judged by what the system left behind (the rejection
report beside the upload, the article item in the table), pages by the writes the
functions made to the site bucket (seen through botocore's hooks, like the CallCounter),
invalidations by what the distribution holds, AWS calls by the CallCounter. The same
outcome rules serve `rotativa local`'s summary and `rotativa dev`'s one line per event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.buckets import InboxBucket
from rotativa.domain.inbox import Change
from rotativa.domain.media import report_subject
from rotativa.domain.messages import Language, render_message
from rotativa.domain.pictures import MEDIA_PREFIX
from rotativa.domain.records import ArticleState
from rotativa.domain.schedules import DueChange
from rotativa.domain.search import SEARCH_BUNDLE_PREFIX
from rotativa_tools.local.pump import Invocation
from rotativa_tools.local.runtime import current_function
from rotativa_tools.local.scheduler import Fired, format_duration, site_time

if TYPE_CHECKING:
    from botocore.hooks import BaseEventHooks
    from mypy_boto3_cloudfront import CloudFrontClient

    from rotativa.domain.site import SiteSettings
    from rotativa_tools.local.cloud import LocalCloud


PATHS_SHOWN = 30  # invalidated paths listed in the table; the JSON has them all


class Outcome(StrEnum):
    PUBLISHED = "published"
    DRAFT = "saved as draft"
    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    UNPUBLISHED = "unpublished"
    REJECTED = "rejected"
    MEDIA_COPIED = "media copied"
    MEDIA_REMOVED = "media removed"
    REMOVED = "removed"  # a file that was never published, deleted with its report
    LOST = "not processed"  # neither committed nor rejected: look at the DLQs


@dataclass(frozen=True)
class UploadOutcome:
    key: str
    outcome: Outcome
    report: Mapping[str, Any] | None = None
    language: Language = "it"  # the report's, the site's: its line is named in it too

    @property
    def first_error(self) -> str | None:
        return _first(self.report, "errors", self.language)

    @property
    def warnings(self) -> list[Mapping[str, Any]]:
        return list((self.report or {}).get("warnings") or [])

    def describe(self) -> str:
        """`published`, `published (1 warning: …)`, `rejected: <first error>`."""
        if self.outcome is Outcome.REJECTED:
            return f"rejected: {self.first_error or 'see its report'}"
        warnings = self.warnings
        told = (Outcome.PUBLISHED, Outcome.DRAFT, Outcome.SCHEDULED, Outcome.MEDIA_COPIED)
        if warnings and self.outcome in told:
            noun = "warning" if len(warnings) == 1 else "warnings"
            first = _first(self.report, "warnings", self.language)
            return f"{self.outcome} ({len(warnings)} {noun}: {first})"
        return str(self.outcome)


def _first(report: Mapping[str, Any] | None, kind: str, language: Language) -> str | None:
    problems = (report or {}).get(kind) or []
    if not problems:
        return None
    first = problems[0]
    return f"{first.get('message', first.get('code', '?'))}{_at_line(first, language)}"


def _at_line(problem: Mapping[str, Any], language: Language) -> str:
    """` (riga 3)` after an Italian message, ` (line 3)` after an English one."""
    line = problem.get("line")
    return f" ({render_message('at_line', language, line=line)})" if line else ""


class UploadJudge:
    """Tells what became of an upload from the report beside it and the table's item."""

    def __init__(self, inbox: InboxBucket, table: ArticlesTable, language: Language = "it") -> None:
        self.inbox = inbox
        self.table = table
        self.language = language  # the site's: the one its reports are written in

    @classmethod
    def for_cloud(cls, cloud: LocalCloud, site: SiteSettings) -> UploadJudge:
        return cls(
            InboxBucket(cloud.inbox, cloud.clients.s3),
            ArticlesTable(cloud.table, site, cloud.clients.dynamodb),
            site.locale,
        )

    def judge(self, key: str, change: Change = Change.PUT) -> UploadOutcome:
        found = self._judge(key, change)
        return replace(found, language=self.language)

    def _judge(self, key: str, change: Change) -> UploadOutcome:
        if key.startswith(MEDIA_PREFIX):
            # A refused media file has its report under reports/media/, as an article does.
            media_report = self.inbox.read_report(report_subject(key))
            if media_report is not None and media_report.get("status") == "rejected":
                return UploadOutcome(key, Outcome.REJECTED, media_report)
            removed = change is Change.DELETE
            outcome = Outcome.MEDIA_REMOVED if removed else Outcome.MEDIA_COPIED
            return UploadOutcome(key, outcome, media_report)
        report = self.inbox.read_report(key)
        stored = self.table.get(key)
        rejected = (
            report is not None
            and report.get("status") == "rejected"
            and (stored is None or str(report.get("order", "")) >= stored.order)
        )
        if rejected:
            return UploadOutcome(key, Outcome.REJECTED, report)
        if stored is None and change is Change.DELETE and report is None:
            # A file never published (misplaced, or refused) deleted: nothing was lost.
            return UploadOutcome(key, Outcome.REMOVED)
        if stored is None:
            return UploadOutcome(key, Outcome.LOST, report)
        state = {
            ArticleState.PUBLISHED: Outcome.PUBLISHED,
            ArticleState.DRAFT: Outcome.DRAFT,
            ArticleState.SCHEDULED: Outcome.SCHEDULED,
            ArticleState.EXPIRED: Outcome.EXPIRED,
            ArticleState.DELETED: Outcome.UNPUBLISHED,
        }[stored.state]
        return UploadOutcome(key, state, report)


class SiteWrites:
    """The functions' writes to the site bucket: pages written and removed, media and the
    search index's files apart.

    A botocore `before-parameter-build` hook on the session the functions' clients come
    from; clients copy the session's hooks when they are made, so attach it before the
    first invocation (right after `LocalCloud.start`). The harness's own calls (made
    outside any function) are not the system's work and are not recorded.
    """

    _OPERATIONS = ("PutObject", "DeleteObject", "CopyObject", "DeleteObjects")

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self.written: list[str] = []
        self.removed: list[str] = []
        self.search_written: list[str] = []  # the SearchFunction's (cerca/pagefind/)
        self.search_removed: list[str] = []

    def attach(self, events: BaseEventHooks) -> SiteWrites:
        for operation in self._OPERATIONS:
            events.register(f"before-parameter-build.s3.{operation}", self._seen)
        return self

    def _seen(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if current_function.get() is None or params.get("Bucket") != self.bucket:
            return
        if model.name == "DeleteObjects":
            objects = (params.get("Delete") or {}).get("Objects") or []
            self.search_removed.extend(str(o.get("Key", "")) for o in objects)
            return
        key = str(params.get("Key", ""))
        if key.startswith(MEDIA_PREFIX):
            return  # a copy of an editor's upload, not a page the system rendered
        if key.startswith(SEARCH_BUNDLE_PREFIX):
            self.search_written.append(key)  # the search index, not a page
            return
        if model.name == "DeleteObject":
            self.removed.append(key)
        else:
            self.written.append(key)

    def mark(self) -> tuple[int, int]:
        """Where the record stands now, to count what happens after."""
        return len(self.written), len(self.removed)

    def since(self, mark: tuple[int, int]) -> tuple[list[str], list[str]]:
        return self.written[mark[0] :], self.removed[mark[1] :]


@dataclass(frozen=True)
class Invalidation:
    id: str
    reference: str
    paths: tuple[str, ...]


class InvalidationLog:
    """The distribution's invalidations, each fetched once: what CloudFront was asked."""

    def __init__(self, cloudfront: CloudFrontClient, distribution_id: str) -> None:
        self.cloudfront = cloudfront
        self.distribution_id = distribution_id
        self._known: dict[str, Invalidation] = {}

    def new(self) -> list[Invalidation]:
        """Invalidations created since the last call (all of them the first time)."""
        listed = self.cloudfront.list_invalidations(DistributionId=self.distribution_id)
        fresh = []
        for summary in listed.get("InvalidationList", {}).get("Items", []):
            if summary["Id"] in self._known:
                continue
            detail = self.cloudfront.get_invalidation(
                DistributionId=self.distribution_id, Id=summary["Id"]
            )["Invalidation"]
            batch = detail["InvalidationBatch"]
            found = Invalidation(
                detail["Id"], batch["CallerReference"], tuple(batch["Paths"].get("Items", []))
            )
            self._known[found.id] = found
            fresh.append(found)
        return fresh


@dataclass(frozen=True)
class FiredSchedule:
    """A schedule that fired when the clock moved: an article's embargo or expiry
    (`action`, `key`), or a recurring one such as the news-sitemap refresh (no key)."""

    schedule: str  # its name in the schedule group
    at: str  # when it was due, ISO 8601 in the site's time zone
    action: str | None = None  # publish, expire
    key: str | None = None

    @classmethod
    def of(cls, fired: Fired, zone: ZoneInfo) -> FiredSchedule:
        try:
            due = DueChange.from_message(fired.message) if fired.message else None
        except (KeyError, ValueError):
            due = None  # not a due change rotativa made: say which schedule it was
        if due is None:
            return cls(fired.name, fired.at.astimezone(zone).isoformat())
        return cls(fired.name, due.at.astimezone(zone).isoformat(), due.action.value, due.key)


@dataclass(frozen=True)
class ClockAdvance:
    """What `rotativa local --advance` did: how far the local clock moved, and the
    schedules that fired on the way (their changes are in the run's outcomes)."""

    by: str  # "3h", "1h30m"
    seconds: int
    now: str  # the local clock afterwards, ISO 8601 in the site's time zone
    time_zone: str
    fired: list[FiredSchedule] = field(default_factory=list)

    @classmethod
    def collect(
        cls, delta: timedelta, now: datetime, fired: Iterable[Fired], zone: ZoneInfo
    ) -> ClockAdvance:
        return cls(
            by=format_duration(delta),
            seconds=int(delta.total_seconds()),
            now=now.astimezone(zone).isoformat(timespec="seconds"),
            time_zone=zone.key,
            fired=sorted(
                (FiredSchedule.of(f, zone) for f in fired),
                key=lambda f: (datetime.fromisoformat(f.at), f.key or f.schedule),
            ),
        )

    def describe(self) -> str:
        """`clock moved ahead 3h: 2 schedules fired`."""
        count = len(self.fired)
        noun = "schedule" if count == 1 else "schedules"
        what = f"{count} {noun} fired" if count else "no schedule fired"
        return f"clock moved ahead {self.by}: {what}"

    def lines(self) -> list[str]:
        zone = ZoneInfo(self.time_zone)
        lines = [self.describe()]
        for fired in self.fired:
            due = site_time(datetime.fromisoformat(fired.at), zone)
            if fired.key is not None:
                lines.append(f"  {fired.action:<9}{fired.key}  (due {due})")
            else:
                lines.append(f"  {fired.schedule}  (due {due})")
        return lines


@dataclass
class RunSummary:
    """The answer of `rotativa local`: its JSON keys are a contract with scripts and CI."""

    published: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"key", "report"}
    pages_written: int = 0
    search_files_written: int = 0  # the search index's (cerca/pagefind/), after its window
    invalidation_requests: int = 0
    invalidated_paths: list[str] = field(default_factory=list)
    aws_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    drafts: list[str] = field(default_factory=list)
    scheduled: list[str] = field(default_factory=list)  # waiting for their publish_at
    expired: list[str] = field(default_factory=list)  # past their expires_at
    unpublished: list[str] = field(default_factory=list)
    not_processed: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    pages_removed: int = 0
    function_failures: list[dict[str, Any]] = field(default_factory=list)
    clock_advance: ClockAdvance | None = None  # `--advance`: the clock's move, what fired
    language: Language = "it"  # of the reports quoted above (the site's)

    @classmethod
    def collect(
        cls,
        outcomes: Iterable[UploadOutcome],
        writes: SiteWrites,
        invalidations: Iterable[Invalidation],
        aws_calls: dict[str, dict[str, int]],
        invocations: Iterable[Invocation] = (),
        clock_advance: ClockAdvance | None = None,
    ) -> RunSummary:
        """`invocations` are the pump's: the failed ones are listed, even when a retry
        later succeeded, because a retry that hides a bug is still a bug. With a
        `clock_advance`, the outcomes are to be judged after the clock moved, so that an
        article its schedule published counts as published."""
        outcomes = list(outcomes)
        summary = cls(aws_calls=aws_calls, clock_advance=clock_advance)
        summary.language = outcomes[0].language if outcomes else summary.language
        summary.function_failures = [
            asdict(invocation)
            for invocation in invocations
            if invocation.error or invocation.failed
        ]
        lists = {
            Outcome.PUBLISHED: summary.published,
            Outcome.DRAFT: summary.drafts,
            Outcome.SCHEDULED: summary.scheduled,
            Outcome.EXPIRED: summary.expired,
            Outcome.UNPUBLISHED: summary.unpublished,
            Outcome.REMOVED: summary.unpublished,
            Outcome.LOST: summary.not_processed,
            Outcome.MEDIA_COPIED: summary.media,
            Outcome.MEDIA_REMOVED: summary.media,
        }
        for outcome in outcomes:
            if outcome.outcome is Outcome.REJECTED:
                summary.rejected.append({"key": outcome.key, "report": outcome.report})
            else:
                lists[outcome.outcome].append(outcome.key)
        summary.pages_written = len(writes.written)
        summary.pages_removed = len(writes.removed)
        summary.search_files_written = len(writes.search_written)
        batches = list(invalidations)
        summary.invalidation_requests = len(batches)
        summary.invalidated_paths = sorted({path for batch in batches for path in batch.paths})
        return summary

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    def as_table(self) -> str:
        lines: list[str] = []
        lines.append(f"{'published':<22}{len(self.published)}")
        for name, keys in (
            ("saved as draft", self.drafts),
            ("scheduled", self.scheduled),
            ("expired", self.expired),
            ("unpublished", self.unpublished),
            ("media copied", self.media),
        ):
            if keys:
                lines.append(f"{name:<22}{len(keys)}")
        lines.append(f"{'rejected':<22}{len(self.rejected)}")
        for item in self.rejected:
            outcome = UploadOutcome(item["key"], Outcome.REJECTED, item["report"], self.language)
            lines.append(f"  {item['key']}: {outcome.first_error or 'see its report'}")
            report = item["report"] or {}
            for problem in (report.get("errors") or [])[1:]:
                line = _at_line(problem, self.language)
                lines.append(f"  {'':{len(item['key'])}}  {problem.get('message')}{line}")
        if self.not_processed:
            lines.append(f"{'not processed':<22}{len(self.not_processed)}  (see the DLQs)")
            lines.extend(f"  {key}" for key in self.not_processed)
        if self.clock_advance is not None:
            lines.extend(self.clock_advance.lines())
        removed = f" ({self.pages_removed} removed)" if self.pages_removed else ""
        lines.append(f"{'pages written':<22}{self.pages_written}{removed}")
        if self.search_files_written:
            lines.append(f"{'search index':<22}{self.search_files_written} files written")
        lines.append(
            f"{'invalidations':<22}{self.invalidation_requests} "
            f"{'request' if self.invalidation_requests == 1 else 'requests'}, "
            f"{len(self.invalidated_paths)} paths"
        )
        shown = self.invalidated_paths[:PATHS_SHOWN]
        lines.extend(f"  {path}" for path in shown)
        if len(self.invalidated_paths) > len(shown):
            hidden = len(self.invalidated_paths) - len(shown)
            lines.append(f"  … and {hidden} more (--json lists them all)")
        if self.function_failures:
            lines.append(f"{'function failures':<22}{len(self.function_failures)}")
            for failure in self.function_failures:
                error = failure["error"] or "reported failed records"
                lines.append(
                    f"  {failure['function']}: {failure['failed']} of {failure['records']} "
                    f"records failed: {error}"
                )
        total = sum(n for operations in self.aws_calls.values() for n in operations.values())
        lines.append(f"{'AWS calls':<22}{total}")
        for service, operations in self.aws_calls.items():
            for operation, count in operations.items():
                lines.append(f"  {service:<12}{operation:<28}{count:>7}")
        return "\n".join(lines)

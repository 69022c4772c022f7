"""`rotativa status`: is anything stuck, what was refused, how much is published, and
what is scheduled to appear or go.

Read-only and cheap on any size of site: queue depths are queue attributes, DLQ messages
are peeked (visibility 0, nothing is consumed), rejections are the newest reports in the
inbox, and the number of published articles is the sum of the sections' listing counters
(`ArticlesTable.counts`: one BatchGetItem for every section, never a scan). Scheduled
embargoes and expiries are the article schedule group's one-time schedules: one
ListSchedules page per hundred and one GetSchedule each (the list does not carry the
moment or the article), so their cost grows with what is waiting, not with the site. The
same code reads a local stack and a deployed one: both are described by the template's
Outputs (and the schedule group by the template's name for it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.domain.inbox import REPORTS_PREFIX, MalformedNotification, parse_notification
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.schedules import DUE_MARKER, DueChange, ScheduleAction
from rotativa_tools.local.scheduler import site_time

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

    from rotativa.domain.site import SiteSettings
    from rotativa_tools.local.stack import AwsClients

QUEUE_SUFFIX = "QueueUrl"
DLQ_SUFFIX = "DLQUrl"
PEEK_LIMIT = 10  # DLQ messages shown per queue
REJECTIONS_SHOWN = 10
REPORTS_READ = 50  # newest reports opened at most, to find the rejections among them
SCHEDULES_SHOWN = 10  # upcoming embargoes and expiries in the table; the JSON has them all


@dataclass(frozen=True)
class QueueDepth:
    name: str
    dead_letter: bool
    waiting: int
    in_flight: int
    delayed: int


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    receives: int
    reason: str


@dataclass(frozen=True)
class Rejection:
    key: str
    uploaded_at: str
    first_error: str
    errors: int


@dataclass(frozen=True)
class Warned:
    """An upload accepted (published, saved, scheduled) whose report still has warnings
    for its editor: a missing image, a picture too small for search, an unknown field."""

    key: str
    uploaded_at: str
    first_warning: str
    warnings: int


@dataclass(frozen=True)
class UpcomingChange:
    """An article's embargo ending (`publish`) or expiry (`expire`), waiting for its moment."""

    key: str
    action: str
    at: str  # ISO 8601 in the site's time zone


@dataclass
class Schedules:
    """The article schedule group's embargoes and expiries still to come, soonest first."""

    group: str
    time_zone: str
    upcoming: list[UpcomingChange] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.upcoming:
            return ["nothing scheduled (no embargo or expiry waiting)"]
        zone = ZoneInfo(self.time_zone)
        lines = ["scheduled (soonest first)"]
        for change in self.upcoming[:SCHEDULES_SHOWN]:
            moment = site_time(datetime.fromisoformat(change.at), zone)
            lines.append(f"  {moment}  {change.action:<9}{change.key}")
        hidden = len(self.upcoming) - SCHEDULES_SHOWN
        if hidden > 0:
            lines.append(f"  … and {hidden} more (--json lists them all)")
        return lines


@dataclass
class StackStatus:
    queues: list[QueueDepth] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warned: list[Warned] = field(default_factory=list)
    published: int | None = None
    sections: dict[str, int] = field(default_factory=dict)
    schedules: Schedules | None = None  # None: the stack has no article schedule group

    @property
    def healthy(self) -> bool:
        return not any(q.dead_letter and (q.waiting or q.in_flight) for q in self.queues)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    def as_table(self) -> str:
        lines = [f"{'queue':<22}{'waiting':>8}{'in flight':>11}{'delayed':>9}"]
        for queue in self.queues:
            flag = "  ← dead letters" if queue.dead_letter and queue.waiting else ""
            lines.append(
                f"{queue.name:<22}{queue.waiting:>8}{queue.in_flight:>11}{queue.delayed:>9}{flag}"
            )
        if self.dead_letters:
            lines.append("")
            lines.append("dead letters")
            for letter in self.dead_letters:
                lines.append(f"  {letter.queue}: {letter.reason} (received {letter.receives}×)")
        lines.append("")
        if self.rejections:
            lines.append("latest rejections (newest first)")
            for rejection in self.rejections:
                more = f" (+{rejection.errors - 1} more)" if rejection.errors > 1 else ""
                lines.append(f"  {rejection.uploaded_at}  {rejection.key}: {rejection.first_error}")
                if more:
                    lines[-1] += more
        else:
            lines.append("no rejected uploads")
        if self.warned:
            lines.append("")
            lines.append("accepted with warnings (newest first)")
            for warned in self.warned:
                more = f" (+{warned.warnings - 1} more)" if warned.warnings > 1 else ""
                lines.append(f"  {warned.uploaded_at}  {warned.key}: {warned.first_warning}{more}")
        lines.append("")
        if self.published is None:
            lines.append("published articles    unknown (the site's sections are not known)")
        else:
            per_section = ", ".join(f"{slug} {n}" for slug, n in self.sections.items())
            lines.append(f"published articles    {self.published}  ({per_section})")
        if self.schedules is not None:
            lines.append("")
            lines.extend(self.schedules.lines())
        return "\n".join(lines)


def collect_status(
    clients: AwsClients,
    outputs: Mapping[str, str],
    site: SiteSettings | None,
    schedule_group: str | None = None,
) -> StackStatus:
    """`schedule_group` is the stack's ArticleScheduleGroup (None: not looked at)."""
    status = StackStatus()
    for key in outputs:  # the template's order: each queue, then its DLQ
        if not key.endswith(QUEUE_SUFFIX) and not key.endswith(DLQ_SUFFIX):
            continue
        name = key.removesuffix("Url")
        url = outputs[key]
        dead_letter = key.endswith(DLQ_SUFFIX)
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        depth = QueueDepth(
            name=name,
            dead_letter=dead_letter,
            waiting=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        )
        status.queues.append(depth)
        if dead_letter and depth.waiting:
            status.dead_letters.extend(_peek(clients, name, url))
    inbox = outputs.get("InboxBucketName")
    if inbox:
        status.rejections, status.warned = _reports(clients.s3, inbox)
    table = outputs.get("ArticlesTableName")
    if table and site is not None and site.sections:
        listings = {s.slug: ListingId(ListingKind.SECTION, s.slug) for s in site.sections}
        counts = ArticlesTable(table, site, clients.dynamodb).counts(list(listings.values()))
        status.sections = {slug: counts[listing] for slug, listing in listings.items()}
        status.published = sum(status.sections.values())
    if schedule_group:
        zone = site.zone if site is not None else ZoneInfo("UTC")
        status.schedules = upcoming_changes(clients.scheduler, schedule_group, zone)
    return status


def upcoming_changes(
    scheduler: EventBridgeSchedulerClient, group: str, zone: ZoneInfo
) -> Schedules | None:
    """Every embargo and expiry the group holds, soonest first; None when there is no such
    group (a stack deployed before scheduling). Other schedules of the group (the hourly
    news-sitemap refresh) are not an article's and are left out."""
    prefixes = tuple(f"{action.value}-" for action in ScheduleAction)  # schedule_name's
    names: list[str] = []
    try:
        pages = scheduler.get_paginator("list_schedules").paginate(
            GroupName=group, PaginationConfig={"PageSize": 100}
        )
        for page in pages:
            names.extend(
                s["Name"] for s in page.get("Schedules", []) if s["Name"].startswith(prefixes)
            )
    except ClientError as exc:
        if _error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    upcoming: list[tuple[datetime, UpcomingChange]] = []
    for name in names:
        try:
            schedule = scheduler.get_schedule(Name=name, GroupName=group)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                continue  # fired (and deleted itself) since it was listed
            raise
        try:
            due = DueChange.from_message(str(schedule.get("Target", {}).get("Input") or ""))
        except (KeyError, ValueError):
            due = None
        if due is None:
            continue  # not a change rotativa scheduled
        change = UpcomingChange(due.key, due.action.value, due.at.astimezone(zone).isoformat())
        upcoming.append((due.at.astimezone(UTC), change))
    upcoming.sort(key=lambda item: (item[0], item[1].key, item[1].action))
    return Schedules(group, zone.key, [change for _, change in upcoming])


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _peek(clients: AwsClients, queue: str, url: str) -> list[DeadLetter]:
    """Look at up to PEEK_LIMIT messages without taking them (visibility timeout 0)."""
    letters: dict[str, DeadLetter] = {}
    for _ in range(3):  # SQS samples servers: a few receives find more of a small queue
        received = clients.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=PEEK_LIMIT,
            VisibilityTimeout=0,
            AttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        for message in received:
            letters.setdefault(
                message["MessageId"],
                DeadLetter(
                    queue=queue,
                    message_id=message["MessageId"],
                    receives=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                    reason=dead_letter_reason(message.get("Body", "")),
                ),
            )
        if len(letters) >= PEEK_LIMIT or not received:
            break
    return list(letters.values())[:PEEK_LIMIT]


def dead_letter_reason(body: str) -> str:
    """What a dead letter was about, from its body: the DLQ keeps no error text (Lambda
    does not add one to SQS messages), so the subject and the failure condition are what
    a developer can act on."""
    try:
        message: Any = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:80]!r}"
    if not isinstance(message, dict):
        return f"unexpected message: {body[:80]}"
    if "DDBStreamBatchInfo" in message:
        info = message["DDBStreamBatchInfo"]
        condition = (message.get("requestContext") or {}).get("condition", "failed")
        error = (message.get("responseContext") or {}).get("functionError")
        cause = f"{condition}, {error}" if error else condition
        return (
            f"{info.get('batchSize', '?')} table changes not indexed ({cause}); "
            f"sequence {info.get('startSequenceNumber')}…{info.get('endSequenceNumber')}"
        )
    if "Records" in message or message.get("Event") == "s3:TestEvent":
        try:
            events = parse_notification(message)
        except MalformedNotification as exc:
            return f"unreadable inbox notification: {exc}"
        if not events:
            return "S3 test event"
        keys = ", ".join(f"{e.change} {e.key}" for e in events)
        return f"inbox event not processed: {keys}"
    if message.get("type") == DUE_MARKER:
        try:
            due = DueChange.from_message(message)
        except (KeyError, ValueError):
            return f"unreadable due change: {body[:80]}"
        assert due is not None
        return f"{due.action} of {due.key} (due {due.at.isoformat()}) not made"
    if "changes" in message:
        return f"invalidation of {len(message['changes'])} changed paths not sent"
    if "kind" in message:
        what = " ".join(str(message[k]) for k in ("kind", "ref", "page") if message.get(k))
        return f"page not rendered: {what}"
    return f"unexpected message: {body[:80]}"


def _reports(s3: S3Client, inbox: str) -> tuple[list[Rejection], list[Warned]]:
    """The newest reports' rejections, and the accepted uploads they still warn about."""
    reports: list[tuple[Any, str]] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=inbox, Prefix=REPORTS_PREFIX):
        reports.extend((item["LastModified"], item["Key"]) for item in page.get("Contents", []))
    reports.sort(reverse=True)
    rejected: list[Rejection] = []
    warned: list[Warned] = []
    for _, key in reports[:REPORTS_READ]:
        try:
            report = json.loads(s3.get_object(Bucket=inbox, Key=key)["Body"].read())
        except (ValueError, s3.exceptions.NoSuchKey):
            continue  # replaced or cleared since it was listed
        if not isinstance(report, dict):
            continue
        subject = str(report.get("key", key))
        uploaded_at = str(report.get("uploaded_at", ""))
        if report.get("status") == "rejected" and len(rejected) < REJECTIONS_SHOWN:
            errors = report.get("errors") or []
            rejected.append(Rejection(subject, uploaded_at, _first(errors), len(errors)))
        elif report.get("status") == "accepted" and len(warned) < REJECTIONS_SHOWN:
            warnings = report.get("warnings") or []
            if warnings:
                warned.append(Warned(subject, uploaded_at, _first(warnings), len(warnings)))
        if len(rejected) == len(warned) == REJECTIONS_SHOWN:
            break
    return rejected, warned


def _first(problems: list[Any]) -> str:
    first = problems[0] if problems and isinstance(problems[0], dict) else {}
    line = f" (line {first['line']})" if first.get("line") else ""
    return f"{first.get('message', '?')}{line}"

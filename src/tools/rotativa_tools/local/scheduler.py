"""EventBridge Scheduler, locally: moto keeps the schedules, a clock the tests move fires them.

moto stores schedules but never runs them. `LocalScheduler.fire_due` does what the service
would have done by the clock's time: a one-time `at(...)` schedule whose moment has come
sends its target input once (and deletes itself when `ActionAfterCompletion` is DELETE), a
`rate(...)` schedule sends it once for the periods that passed. Targets are SQS queues, as
in template.yaml. The event pump asks for due schedules only when everything else is quiet,
so what fires is "later" than all the work already under way, as it is on AWS.

The scheduler's own calls go through a session of their own: they are the service's
work, not the functions', and are not counted as the system's AWS calls.

`parse_duration` reads how far `rotativa local --advance` moves the clock.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
LOOK_INTERVAL_SECONDS = 1.0
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_DURATION_PART = re.compile(r"(\d+)([wdhms])")
_DURATION_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
#: The furthest `rotativa local --advance` moves the clock (datetimes end in year 9999).
MAX_ADVANCE = timedelta(days=3650)


class LocalClock:
    """The local cloud's time: the wall clock, moved ahead by what the tests asked."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            return (self._frozen_at or datetime.now(UTC)) + self._offset

    @property
    def offset(self) -> timedelta:
        """How far ahead of the wall clock it is (the functions run that far ahead too)."""
        with self._lock:
            if self._frozen_at is None:
                return self._offset
            return self._frozen_at + self._offset - datetime.now(UTC)

    def freeze(self) -> datetime:
        """From now on time moves only by `advance`: the time the local cloud's own work
        takes (moto is slower than AWS) does not count. The burst benchmark runs on it, so
        that uploads arrive over as many batching windows as it says, however slow moto is."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = datetime.now(UTC)
            return self._frozen_at + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the local clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def advance_to(self, moment: datetime) -> datetime:
        """Move to `moment` (aware), or stay when it has passed already."""
        return self.advance(max(moment - self.now(), timedelta(0)))


def parse_duration(text: str) -> timedelta:
    """How far to move the local clock: `3h`, `90m`, `2d`, `1h30m`, `45s`, `1w` (a number
    and a unit, repeated). ValueError, saying what is accepted, for anything else."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit, e.g. 3h, 90m, 2d or "
            "1h30m (units: w, d, h, m, s)"
        )
    delta = timedelta(seconds=sum(int(number) * _DURATION_UNITS[unit] for number, unit in parts))
    if delta <= timedelta(0):
        raise ValueError(f"{text!r}: the clock only moves forward; give more than nothing")
    if delta > MAX_ADVANCE:
        raise ValueError(f"{text!r} is more than {format_duration(MAX_ADVANCE)} (ten years)")
    return delta


def format_duration(delta: timedelta) -> str:
    """`3h`, `1h30m`, `2d`, `1d2h3m4s`: days, hours, minutes and seconds, whole seconds."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _DURATION_UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def site_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as an editor reads it: `2026-12-01 07:00 CET` (seconds only when it has
    some), in the site's time zone."""
    local = moment.astimezone(zone)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
    return f"{shown} {local.tzname()}"


@dataclass(frozen=True)
class Fired:
    group: str
    name: str
    target_arn: str
    at: datetime  # when it was due (a recurring schedule: the end of the period that passed)
    message: str = ""  # the target input it sent


def due_moment(expression: str, zone: str | None) -> datetime | None:
    """The moment of a one-time `at(...)` expression; None for recurring ones."""
    match = _AT.match(expression.strip())
    if match is None:
        return None
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=ZoneInfo(zone or "UTC"))


def rate_period(expression: str) -> timedelta | None:
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).rstrip("s")])


class LocalScheduler:
    def __init__(
        self,
        scheduler: EventBridgeSchedulerClient,
        sqs: SQSClient,
        clock: LocalClock,
    ) -> None:
        self.scheduler = scheduler
        self.sqs = sqs
        self.clock = clock
        self.fired: list[Fired] = []
        self._last_run: dict[str, datetime] = {}  # recurring schedules: arn → last run
        self._done: set[tuple[str, str]] = set()  # one-time schedules kept after running
        # `rotativa dev` asks whenever it is idle (every 0.2 s): on the wall clock, once a
        # second is enough (Scheduler's own granularity is a minute); a moved clock is
        # looked at at once.
        self._last_look: tuple[float, timedelta] | None = None

    def schedules(self) -> list[dict[str, Any]]:
        """Every schedule of every group, in full."""
        found = []
        groups = self.scheduler.get_paginator("list_schedule_groups").paginate()
        for group in (g for page in groups for g in page.get("ScheduleGroups", [])):
            pages = self.scheduler.get_paginator("list_schedules").paginate(GroupName=group["Name"])
            for summary in (s for page in pages for s in page.get("Schedules", [])):
                found.append(
                    dict(self.scheduler.get_schedule(Name=summary["Name"], GroupName=group["Name"]))
                )
        return found

    def fire_due(self) -> list[Fired]:
        """Run every schedule whose time has come by the clock; what ran."""
        look = (time.monotonic(), self.clock.offset)
        if (
            self._last_look is not None
            and look[1] == self._last_look[1]
            and look[0] - self._last_look[0] < LOOK_INTERVAL_SECONDS
        ):
            return []
        self._last_look = look
        now = self.clock.now()
        fired = []
        for schedule in self.schedules():
            if schedule.get("State") == "DISABLED":
                continue
            moment = self._due(schedule, now)
            if moment is None:
                continue
            target = schedule["Target"]
            message = self._deliver(target)
            fired.append(
                Fired(schedule["GroupName"], schedule["Name"], target["Arn"], moment, message)
            )
            if due_moment(schedule["ScheduleExpression"], None) is None:
                self._last_run[schedule["Arn"]] = now
            elif schedule.get("ActionAfterCompletion") == "DELETE":
                self.scheduler.delete_schedule(
                    Name=schedule["Name"], GroupName=schedule["GroupName"]
                )
            else:
                self._done.add((schedule["Arn"], schedule["ScheduleExpression"]))
        self.fired.extend(fired)
        return fired

    def _due(self, schedule: dict[str, Any], now: datetime) -> datetime | None:
        expression = str(schedule["ScheduleExpression"])
        moment = due_moment(expression, schedule.get("ScheduleExpressionTimezone"))
        if moment is not None:
            done = (schedule["Arn"], expression) in self._done
            return moment if moment <= now and not done else None
        period = rate_period(expression)
        if period is None:
            raise NotImplementedError(
                f"schedule {schedule['Name']}: the local cloud runs at() and rate() "
                f"expressions, not {expression!r}"
            )
        created = schedule.get("CreationDate")
        start = created if isinstance(created, datetime) else now
        last = self._last_run.setdefault(schedule["Arn"], start)
        return last + period if now >= last + period else None

    def _deliver(self, target: dict[str, Any]) -> str:
        arn = str(target["Arn"])
        if arn.split(":")[2] != "sqs":
            raise NotImplementedError(f"the local cloud delivers schedules to SQS, not {arn}")
        url = self.sqs.get_queue_url(QueueName=arn.split(":")[-1])["QueueUrl"]
        message = str(target.get("Input") or "{}")
        self.sqs.send_message(QueueUrl=url, MessageBody=message)
        return message

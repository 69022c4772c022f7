"""Embargoes and expiries: keep each upload's schedules in line with the table, and make
the change a schedule carries when it fires.

`Timetable.follow` runs in the IndexFunction for every change of an article item: the
schedules follow what the table says now (read afresh, so a reordered or repeated stream
record converges), never what one event said. `Timetable.fire` runs in the
ValidateFunction when a schedule's message arrives on the ingest queue: a conditional
write of the new state, whose stream record then travels like an upload's.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from rotativa.domain.records import StoredArticle
from rotativa.domain.schedules import (
    DueChange,
    ScheduleAction,
    has_timing,
    schedule_name,
    transition,
    wanted_schedules,
)
from rotativa.services.ports import ScheduleBook, StateLedger


class FireOutcome(StrEnum):
    APPLIED = "applied"
    OUTDATED = "outdated"  # the article changed since the schedule was made: nothing to do


class Timetable:
    def __init__(self, ledger: StateLedger, schedules: ScheduleBook | None = None) -> None:
        self.ledger = ledger
        self.schedules = schedules

    def follow(
        self, old: StoredArticle | None, new: StoredArticle | None, now: datetime
    ) -> list[DueChange]:
        """Create, move or delete the upload's schedules to match `new` (the table's state
        now), and make at once the changes whose moment has passed while this one travelled;
        returns those. Uploads that never had a `publish_at` or `expires_at` cost nothing."""
        if not (has_timing(old) or has_timing(new)):
            return []
        if self.schedules is None:
            raise RuntimeError("this function has no scheduler to keep schedules with")
        current = new or old
        assert current is not None
        wanted = wanted_schedules(new)
        made_now = []
        for action in ScheduleAction:
            name = schedule_name(action, current.key)
            at = wanted.get(action)
            if at is None or at <= now:
                self.schedules.delete(name)
            if at is None:
                continue
            due = DueChange(current.key, action, at)
            if at <= now:
                made_now.append(due)
            else:
                self.schedules.put(name, at, due.message())
        for due in made_now:  # publish before expire, as ScheduleAction orders them
            self.fire(due)
        return made_now

    def fire(self, due: DueChange) -> FireOutcome:
        """Make the change `due` carries if the article still calls for it. A duplicate or
        late delivery, or one for a version since replaced, changes nothing."""
        before = self.ledger.get(due.key)
        after = transition(before, due)
        if before is None or after is None:
            return FireOutcome.OUTDATED
        if not self.ledger.transition(before, after):
            return FireOutcome.OUTDATED  # the item moved on between read and write: it wins
        return FireOutcome.APPLIED

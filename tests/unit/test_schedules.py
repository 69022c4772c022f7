"""Embargoes and expiries without AWS: the states, the schedules an upload calls for, and
the change a schedule makes when it fires (on in-memory fakes)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rotativa.domain.pages import PageKind, PageRef
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.schedules import (
    DueChange,
    ScheduleAction,
    lifecycle_state,
    schedule_name,
    transition,
    wanted_schedules,
)
from rotativa.domain.site import SiteSettings
from rotativa.services.scheduling import FireOutcome, Timetable
from rotativa.services.validation import validate_upload
from tests.events import load_event
from tests.fakes import MemoryLedger, MemorySchedules

NOW = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
KEY = "articles/giunta.md"
PUBLISH, EXPIRE = ScheduleAction.PUBLISH, ScheduleAction.EXPIRE


def stored(
    settings: SiteSettings,
    *,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
    state: ArticleState | None = None,
    draft: bool = False,
    order: str = "01",
) -> StoredArticle:
    extra = f"publish_at: {publish_at.isoformat()}\n" if publish_at else ""
    extra += f"expires_at: {expires_at.isoformat()}\n" if expires_at else ""
    extra += "status: draft\n" if draft else ""
    text = f"---\ntitle: Giunta\nsection: Sport\n{extra}---\nTesto.\n"
    article = validate_upload(KEY, text.encode(), settings).article
    assert article is not None
    return StoredArticle(KEY, order, state or lifecycle_state(article, NOW), NOW, article=article)


# --- states -------------------------------------------------------------------------------


def test_the_state_an_upload_is_stored_in(settings: SiteSettings) -> None:
    hour = timedelta(hours=1)
    assert stored(settings).state is ArticleState.PUBLISHED
    assert stored(settings, publish_at=NOW + hour).state is ArticleState.SCHEDULED
    assert stored(settings, publish_at=NOW - hour).state is ArticleState.PUBLISHED
    assert stored(settings, publish_at=NOW).state is ArticleState.PUBLISHED  # its moment: now
    assert stored(settings, expires_at=NOW + hour).state is ArticleState.PUBLISHED
    assert stored(settings, expires_at=NOW).state is ArticleState.EXPIRED
    expired = stored(settings, publish_at=NOW - 2 * hour, expires_at=NOW - hour)
    assert expired.state is ArticleState.EXPIRED
    assert stored(settings, publish_at=NOW + hour, draft=True).state is ArticleState.DRAFT


def test_only_a_published_article_is_visible(settings: SiteSettings) -> None:
    hour = timedelta(hours=1)
    assert stored(settings).visible
    assert not stored(settings, publish_at=NOW + hour).visible
    assert not stored(settings, expires_at=NOW).visible
    assert not stored(settings, draft=True).visible


def test_the_schedules_a_state_calls_for(settings: SiteSettings) -> None:
    hour = timedelta(hours=1)
    both = stored(settings, publish_at=NOW + hour, expires_at=NOW + 2 * hour)
    assert wanted_schedules(both) == {PUBLISH: NOW + hour, EXPIRE: NOW + 2 * hour}
    live = stored(settings, expires_at=NOW + hour)
    assert wanted_schedules(live) == {EXPIRE: NOW + hour}
    assert wanted_schedules(stored(settings)) == {}
    assert wanted_schedules(stored(settings, publish_at=NOW + hour, draft=True)) == {}
    assert wanted_schedules(stored(settings, expires_at=NOW - hour)) == {}
    tombstone = StoredArticle(KEY, "02", ArticleState.DELETED, NOW)
    assert wanted_schedules(tombstone) == {}
    assert wanted_schedules(None) == {}


def test_schedule_names_are_per_upload_and_action_and_fit_the_service() -> None:
    long_key = "articles/" + "à" * 300 + ".md"
    names = {schedule_name(a, k) for a in ScheduleAction for k in (KEY, long_key)}
    assert len(names) == 4
    for name in names:
        assert len(name) <= 64
        assert all(c.isascii() and (c.isalnum() or c in "-_.") for c in name)


def test_a_due_change_travels_as_a_message_and_other_messages_are_not_one() -> None:
    due = DueChange(KEY, PUBLISH, NOW)
    assert DueChange.from_message(due.message()) == due
    assert DueChange.from_message('{"Records": []}') is None
    assert DueChange.from_message("not json") is None
    assert DueChange.from_message('{"Event": "s3:TestEvent"}') is None
    with pytest.raises(ValueError, match="naive"):
        DueChange.from_message(due.message().replace("+00:00", ""))


# --- the change a schedule makes ---------------------------------------------------------


def test_publish_applies_only_to_the_version_it_was_made_for(settings: SiteSettings) -> None:
    moment = NOW + timedelta(hours=1)
    waiting = stored(settings, publish_at=moment)
    published = transition(waiting, DueChange(KEY, PUBLISH, moment))
    assert published is not None
    assert published.state is ArticleState.PUBLISHED
    assert published.first_published == moment  # the date the site shows, without `date`
    assert transition(waiting, DueChange(KEY, PUBLISH, moment + timedelta(seconds=1))) is None
    assert transition(published, DueChange(KEY, PUBLISH, moment)) is None  # done already
    assert transition(None, DueChange(KEY, PUBLISH, moment)) is None


def test_expire_applies_to_scheduled_and_published_articles(settings: SiteSettings) -> None:
    end = NOW + timedelta(hours=3)
    for before in (
        stored(settings, expires_at=end),
        stored(settings, publish_at=NOW + timedelta(hours=1), expires_at=end),
    ):
        after = transition(before, DueChange(KEY, EXPIRE, end))
        assert after is not None
        assert after.state is ArticleState.EXPIRED
    draft = stored(settings, expires_at=end, draft=True)
    assert transition(draft, DueChange(KEY, EXPIRE, end)) is None


# --- the timetable ------------------------------------------------------------------------


def test_follow_makes_moves_and_deletes_schedules(settings: SiteSettings) -> None:
    schedules = MemorySchedules()
    first = stored(settings, publish_at=NOW + timedelta(hours=1))
    ledger = MemoryLedger(first)
    timetable = Timetable(ledger, schedules)

    timetable.follow(None, first, NOW)
    name = schedule_name(PUBLISH, KEY)
    assert set(schedules.schedules) == {name}
    moment, message = schedules.schedules[name]
    assert moment == NOW + timedelta(hours=1)
    assert DueChange.from_message(message) == DueChange(KEY, PUBLISH, moment)

    moved = stored(settings, publish_at=NOW + timedelta(hours=5), order="02")
    timetable.follow(first, moved, NOW)
    assert schedules.schedules[name][0] == NOW + timedelta(hours=5)

    lifted = stored(settings, order="03")
    timetable.follow(moved, lifted, NOW)
    assert schedules.schedules == {}


def test_follow_costs_nothing_for_uploads_without_timing(settings: SiteSettings) -> None:
    schedules = MemorySchedules()
    plain = stored(settings)
    Timetable(MemoryLedger(plain)).follow(None, plain, NOW)  # no scheduler needed either
    Timetable(MemoryLedger(plain), schedules).follow(plain, replace(plain, order="02"), NOW)
    assert schedules.calls == []


def test_a_moment_that_passed_in_transit_is_made_at_once(settings: SiteSettings) -> None:
    # GIVEN an embargo that ended while the change travelled to the IndexFunction
    waiting = stored(settings, publish_at=NOW + timedelta(minutes=1))
    ledger, schedules = MemoryLedger(waiting), MemorySchedules()

    made = Timetable(ledger, schedules).follow(None, waiting, NOW + timedelta(minutes=2))

    # THEN it is published now, through the ledger, and no schedule is left behind
    assert made == [DueChange(KEY, PUBLISH, NOW + timedelta(minutes=1))]
    after = ledger.get(KEY)
    assert after is not None
    assert after.state is ArticleState.PUBLISHED
    assert schedules.schedules == {}


def test_fire_is_idempotent_and_loses_to_a_newer_upload(settings: SiteSettings) -> None:
    moment = NOW + timedelta(hours=1)
    waiting = stored(settings, publish_at=moment)
    ledger = MemoryLedger(waiting)
    timetable = Timetable(ledger)
    due = DueChange(KEY, PUBLISH, moment)

    assert timetable.fire(due) is FireOutcome.APPLIED
    assert timetable.fire(due) is FireOutcome.OUTDATED  # delivered twice
    assert timetable.fire(DueChange("articles/other.md", PUBLISH, moment)) is FireOutcome.OUTDATED

    # a newer upload sneaking in between read and write wins
    class Racing(MemoryLedger):
        def get(self, key: str) -> StoredArticle | None:
            found = super().get(key)
            self.articles[KEY] = stored(settings, publish_at=moment, order="02")
            return found

    racing = Racing(stored(settings, publish_at=moment))
    assert Timetable(racing).fire(due) is FireOutcome.OUTDATED
    current = racing.get(KEY)
    assert current is not None
    assert current.state is ArticleState.SCHEDULED


def test_the_sample_events_of_scheduler_deliveries_read_as_their_changes() -> None:
    # GIVEN what EventBridge Scheduler puts on the queues (events/, for sam local invoke)
    [due_body] = [r["body"] for r in load_event("validate/due-change")["Records"]]
    [refresh_body] = [r["body"] for r in load_event("render/news-sitemap-refresh")["Records"]]

    # THEN the ValidateFunction reads a due change, the RenderFunction a page
    assert DueChange.from_message(due_body) == DueChange(
        "articles/piano-traffico.md", PUBLISH, datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    )
    assert PageRef.from_message(json.loads(refresh_body)) == PageRef.of(PageKind.NEWS_SITEMAP)

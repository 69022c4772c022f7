"""Embargoes and expiries on moto: EventBridge schedules made from the table, fired by the
local cloud's clock, changing the article through the table like an upload does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rotativa.domain.schedules import DUE_MARKER, ScheduleAction, schedule_name
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import (
    all_invalidated_paths,
    article,
    site_page,
    table_item,
)

KEY = "articles/consiglio.md"
PATH = "/sport/consiglio/"
PAGE = PATH + "index.html"  # what the viewer-request function makes of PATH: the cache key


def at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).replace(microsecond=0).isoformat()


def upload(cloud: LocalCloud, *, publish_at: str | None = None, expires_at: str | None = None,
           title: str = "Consiglio comunale") -> None:  # fmt: skip
    extra = ""
    if publish_at:
        extra += f"publish_at: {publish_at}\n"
    if expires_at:
        extra += f"expires_at: {expires_at}\n"
    cloud.put(KEY, article(title, slug="consiglio", date=at(-timedelta(hours=1)), extra=extra))
    cloud.run_until_quiet()


def article_schedules(cloud: LocalCloud) -> dict[str, dict[str, Any]]:
    names = {schedule_name(action, KEY): action.value for action in ScheduleAction}
    return {names[s["Name"]]: s for s in cloud.schedules() if s["Name"] in names}


def state(cloud: LocalCloud) -> str:
    item = table_item(cloud, KEY)
    assert item is not None
    return str(item["state"])


def test_an_embargoed_article_waits_for_its_schedule_then_publishes(cloud: LocalCloud) -> None:
    # GIVEN an article embargoed for an hour
    moment = at(timedelta(hours=1))
    upload(cloud, publish_at=moment)

    # THEN it is stored, not shown, and one schedule will publish it through the ingest queue
    assert state(cloud) == "scheduled"
    assert site_page(cloud, PATH) is None
    assert "Consiglio comunale" not in (site_page(cloud, "/") or "")
    schedule = article_schedules(cloud)["publish"]
    assert schedule["ScheduleExpression"] == f"at({moment[:19]})"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == cloud.stack.attribute("IngestQueue", "Arn")
    assert schedule["Target"]["RoleArn"] == cloud.stack.attribute("SchedulerRole", "Arn")
    assert json.loads(schedule["Target"]["Input"])["type"] == DUE_MARKER

    # WHEN half the time passes, nothing changes
    cloud.advance(timedelta(minutes=30))
    assert site_page(cloud, PATH) is None

    # WHEN the moment comes
    cloud.advance(timedelta(minutes=31))

    # THEN the article, its section and the homepage are live and invalidated; the
    # schedule is gone
    assert state(cloud) == "published"
    assert "Consiglio comunale" in (site_page(cloud, PATH) or "")
    assert "Consiglio comunale" in (site_page(cloud, "/") or "")
    assert "Consiglio comunale" in (site_page(cloud, "/sport/") or "")
    assert {PAGE, "/index.html", "/sport/index.html"} <= all_invalidated_paths(cloud)
    assert article_schedules(cloud) == {}


def test_editing_the_embargo_moves_its_schedule_and_removing_it_publishes_now(
    cloud: LocalCloud,
) -> None:
    upload(cloud, publish_at=at(timedelta(hours=1)))
    later = at(timedelta(hours=5))

    upload(cloud, publish_at=later)
    schedules = article_schedules(cloud)
    assert list(schedules) == ["publish"]
    assert schedules["publish"]["ScheduleExpression"] == f"at({later[:19]})"
    cloud.advance(timedelta(hours=2))
    assert site_page(cloud, PATH) is None, "the old moment no longer publishes it"

    upload(cloud)  # the embargo is lifted
    assert state(cloud) == "published"
    assert site_page(cloud, PATH) is not None
    assert article_schedules(cloud) == {}


def test_deleting_an_embargoed_upload_deletes_its_schedules(cloud: LocalCloud) -> None:
    upload(cloud, publish_at=at(timedelta(hours=1)), expires_at=at(timedelta(days=2)))
    assert set(article_schedules(cloud)) == {"publish", "expire"}

    cloud.delete(KEY)
    cloud.run_until_quiet()

    assert article_schedules(cloud) == {}
    cloud.advance(timedelta(hours=2))
    assert state(cloud) == "deleted"
    assert site_page(cloud, PATH) is None


def test_an_expiry_unpublishes_the_article_at_its_time(cloud: LocalCloud) -> None:
    # GIVEN a live article that expires in two hours
    upload(cloud, expires_at=at(timedelta(hours=2)))
    assert state(cloud) == "published"
    assert site_page(cloud, PATH) is not None
    assert set(article_schedules(cloud)) == {"expire"}

    # WHEN the time comes
    cloud.advance(timedelta(hours=3))

    # THEN its page is gone and no listing shows it, but the upload is kept
    assert state(cloud) == "expired"
    assert site_page(cloud, PATH) is None
    assert "Consiglio comunale" not in (site_page(cloud, "/") or "")
    assert "Consiglio comunale" not in (site_page(cloud, "/sport/") or "")
    assert PAGE in all_invalidated_paths(cloud)

    # AND a new expiry in the future brings it back
    upload(cloud, expires_at=at(timedelta(days=30)))
    assert state(cloud) == "published"
    assert site_page(cloud, PATH) is not None


def test_an_upload_already_past_its_expiry_is_kept_and_not_shown(cloud: LocalCloud) -> None:
    upload(cloud, publish_at=at(-timedelta(days=2)), expires_at=at(-timedelta(days=1)))
    assert state(cloud) == "expired"
    assert site_page(cloud, PATH) is None
    assert article_schedules(cloud) == {}


def test_embargo_and_expiry_both_passing_in_one_jump(cloud: LocalCloud) -> None:
    upload(cloud, publish_at=at(timedelta(hours=1)), expires_at=at(timedelta(hours=2)))
    cloud.advance(timedelta(hours=3))
    assert state(cloud) == "expired"
    assert site_page(cloud, PATH) is None
    assert article_schedules(cloud) == {}


def test_a_due_change_delivered_twice_or_for_an_old_version_changes_nothing(
    cloud: LocalCloud,
) -> None:
    moment = at(timedelta(hours=1))
    upload(cloud, publish_at=moment)
    message = article_schedules(cloud)["publish"]["Target"]["Input"]
    queue = cloud.stack.physical_id("IngestQueue")

    # a stale message (a moment the article no longer has) is ignored
    stale = json.loads(message) | {"at": at(timedelta(minutes=5))}
    cloud.clients.sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(stale))
    cloud.run_until_quiet()
    assert state(cloud) == "scheduled"

    # the right one, delivered twice, publishes once
    for _ in range(2):
        cloud.clients.sqs.send_message(QueueUrl=queue, MessageBody=message)
    cloud.run_until_quiet()
    assert state(cloud) == "published"
    assert site_page(cloud, PATH) is not None
    assert len([i for i in cloud.invalidations() if PAGE in i["paths"]]) == 1


def test_the_news_sitemap_drops_articles_as_they_age(cloud: LocalCloud) -> None:
    # GIVEN an article of 47 hours ago, in the Google News sitemap
    cloud.put(KEY, article("Consiglio comunale", slug="consiglio", date=at(-timedelta(hours=47))))
    cloud.run_until_quiet()
    assert PATH in (site_page(cloud, "/news-sitemap.xml") or "")
    refresh = [s for s in cloud.schedules() if s["ScheduleExpression"] == "rate(1 hour)"]
    assert [s["Target"]["Arn"] for s in refresh] == [cloud.stack.attribute("RenderQueue", "Arn")]

    # WHEN two hours pass with no upload at all
    cloud.advance(timedelta(hours=2))

    # THEN the hourly refresh has rendered it without the article
    assert PATH not in (site_page(cloud, "/news-sitemap.xml") or "")
    assert site_page(cloud, PATH) is not None

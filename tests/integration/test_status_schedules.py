"""`rotativa status` on the local cloud: the embargoes and expiries waiting in the stack's
schedule group, found by the name template.yaml gives the group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rotativa_tools.local.cloud import DEFAULT_REGION, DEFAULT_TEMPLATE, LocalCloud
from rotativa_tools.local.content import site_from_parameters
from rotativa_tools.local.template import ResolveContext, load_template
from rotativa_tools.ops.status import collect_status
from rotativa_tools.ops.target import schedule_group_name
from tests.integration.pipeline_helpers import article


def test_status_lists_the_local_stacks_embargoes_and_expiries(cloud: LocalCloud) -> None:
    # GIVEN an embargoed article that will also expire, and a live one that will expire
    now = datetime.now(UTC).replace(microsecond=0)
    date = (now - timedelta(hours=1)).isoformat()
    publish, expire, later = (now + timedelta(hours=h) for h in (2, 30, 5))
    extra = f"publish_at: {publish.isoformat()}\nexpires_at: {expire.isoformat()}\n"
    cloud.put("articles/giunta.md", article("Giunta", slug="giunta", date=date, extra=extra))
    extra = f"expires_at: {later.isoformat()}\n"
    cloud.put("articles/bando.md", article("Bando", slug="bando", date=date, extra=extra))
    cloud.run_until_quiet()

    # WHEN status looks for the schedule group where `rotativa status` does (the template)
    template = load_template(DEFAULT_TEMPLATE)
    context = ResolveContext.for_template(
        template, stack_name="rotativa-local", region=DEFAULT_REGION, account_id="123456789012"
    )
    group = schedule_group_name(template, context)
    assert group == cloud.stack.physical_id("ArticleScheduleGroup")
    site = site_from_parameters(cloud.stack.parameters)
    status = collect_status(cloud.clients, cloud.stack.outputs, site, group)

    # THEN it lists the three changes waiting, soonest first, in the site's time zone,
    # and not the hourly news-sitemap refresh
    assert status.schedules is not None
    upcoming = [(c.action, c.key, c.at) for c in status.schedules.upcoming]
    rome = site.zone
    assert upcoming == [
        ("publish", "articles/giunta.md", publish.astimezone(rome).isoformat()),
        ("expire", "articles/bando.md", later.astimezone(rome).isoformat()),
        ("expire", "articles/giunta.md", expire.astimezone(rome).isoformat()),
    ]
    assert "scheduled (soonest first)" in status.as_table()

    # WHEN the embargo ends THEN it is no longer listed
    cloud.advance(timedelta(hours=3))
    status = collect_status(cloud.clients, cloud.stack.outputs, site, group)
    assert status.schedules is not None
    assert [(c.action, c.key) for c in status.schedules.upcoming] == [
        ("expire", "articles/bando.md"),
        ("expire", "articles/giunta.md"),
    ]

"""One cached factory per function: settings validated at cold start, adapters wired once.

Handlers call these; tests call the services directly with fakes or moto-backed adapters.
No AWS client is created at import time.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

if TYPE_CHECKING:
    # Each function imports only what its own factory needs, when it first calls it: the
    # InvalidateFunction never loads Jinja, Markdown or the DynamoDB adapter, and the
    # ValidateFunction never loads the page templates (cold starts, docs/benchmarks.md).
    from aws_lambda_powertools import Metrics

    from rotativa.adapters.render_marks import PendingRenders
    from rotativa.domain.site import SiteSettings
    from rotativa.services.indexing import Indexer
    from rotativa.services.ingest import Ingest
    from rotativa.services.invalidation import Invalidator
    from rotativa.services.rendering import PageRenderer
    from rotativa.services.scheduling import Timetable
    from rotativa.services.search import SearchIndexer


class EnvironmentProblem(ValueError):
    """A function's environment lacks a variable, or holds one it cannot use."""


def bounded(low: int, high: int) -> Any:
    """A whole-number variable between `low` and `high`, both included."""
    return field(metadata={"bounds": (low, high)})


@dataclass(frozen=True)
class FunctionEnvironment:
    """The resource names a function reads from its environment; missing ones fail at cold
    start with the variable's name, never with a default that points somewhere else.

    A dataclass, not a pydantic model: strings and bounded integers need no schema, and the
    InvalidateFunction, which has no other use for pydantic, would load it for two variables
    (a fifth of its cold start, docs/benchmarks.md section 4). Every field is required: a
    `str` must be non-empty, a `bounded` one a whole number in its range."""

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        for spec in fields(cls):
            variable = spec.name.upper()
            raw = env.get(variable, "").strip()
            if not raw:
                problems.append(f"{variable} is not set")
            elif "bounds" not in spec.metadata:
                values[spec.name] = raw
            else:
                low, high = spec.metadata["bounds"]
                number = int(raw) if raw.lstrip("-").isdigit() else None
                if number is None or not low <= number <= high:
                    problems.append(f"{variable}={raw!r} is not a whole number in {low}-{high}")
                else:
                    values[spec.name] = number
        if problems:
            raise EnvironmentProblem(f"{cls.__name__}: " + "; ".join(problems))
        return cls(**values)


@dataclass(frozen=True)
class ValidateEnvironment(FunctionEnvironment):
    articles_table: str
    inbox_bucket: str
    site_bucket: str


@dataclass(frozen=True)
class IndexEnvironment(FunctionEnvironment):
    articles_table: str
    render_queue_url: str
    ingest_queue_url: str  # uploads waiting for a freed address are looked at again
    # Embargoes and expiries: where schedules live, whom they message, with which role.
    schedule_group: str
    schedule_target_arn: str
    schedule_role_arn: str
    schedule_dead_letter_arn: str
    search_queue_url: str  # where the search index is marked stale
    related_update_limit: int = bounded(0, 100)  # (bounded fields last: mypy sees a default)


@dataclass(frozen=True)
class RenderEnvironment(FunctionEnvironment):
    articles_table: str
    site_bucket: str
    invalidate_queue_url: str


@dataclass(frozen=True)
class SearchEnvironment(FunctionEnvironment):
    articles_table: str
    site_bucket: str
    invalidate_queue_url: str


@dataclass(frozen=True)
class InvalidateEnvironment(FunctionEnvironment):
    distribution_id: str
    wildcard_threshold: int = bounded(1, 3000)


_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def publish_counts(metrics: Metrics) -> Callable[[_Handler], _Handler]:
    """Powertools' `log_metrics`, silent when the invocation counted nothing.

    Most invocations count nothing (a due change, a stale or duplicated event, S3's test
    event), and `log_metrics` warns "No application metrics to publish" on each of them:
    a warning on every invoke is noise that hides the warnings that matter. What was counted
    is published as `log_metrics` does (one EMF line), even when the handler raised."""

    def decorate(handler: _Handler) -> _Handler:
        @functools.wraps(handler)
        def published(event: Any, context: Any) -> Any:
            try:
                return handler(event, context)
            finally:
                if metrics.metric_set:
                    metrics.flush_metrics()

        return cast("_Handler", published)

    return decorate


class MetricsTelemetry:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def count(self, name: str, value: int = 1) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


@cache
def site() -> SiteSettings:
    from rotativa.domain.site import SiteSettings

    return SiteSettings.from_environment(os.environ)


@cache
def ingest(metrics: Metrics) -> Ingest:
    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.buckets import MediaInboxBucket, SiteMediaBucket
    from rotativa.services.ingest import Ingest
    from rotativa.services.media import MediaUploads
    from rotativa.services.picture_desk import PictureDesk

    env = ValidateEnvironment.load()
    inbox = MediaInboxBucket(env.inbox_bucket)
    telemetry = MetricsTelemetry(metrics)
    table = ArticlesTable(env.articles_table, site())
    site_media = SiteMediaBucket(env.inbox_bucket, env.site_bucket, inbox.client)  # one client
    pictures = PictureDesk(inbox, site_media, table, table)
    media = MediaUploads(inbox, site_media, telemetry, site().locale, pictures)
    return Ingest(site(), inbox, media, table, telemetry, pictures)


@cache
def timetable() -> Timetable:
    """The ValidateFunction's: it makes the changes schedules carry, and keeps none."""
    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.services.scheduling import Timetable

    env = ValidateEnvironment.load()
    return Timetable(ArticlesTable(env.articles_table, site()))


@cache
def indexer() -> Indexer:
    from rotativa import clock
    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.queues import IngestRechecks, RenderQueue, SearchQueue
    from rotativa.adapters.render_marks import PendingRenders
    from rotativa.adapters.scheduler import ArticleSchedules
    from rotativa.adapters.streams import TableStream
    from rotativa.services.indexing import Indexer, IndexSettings
    from rotativa.services.scheduling import Timetable

    env = IndexEnvironment.load()
    table = ArticlesTable(env.articles_table, site())
    schedules = ArticleSchedules(
        env.schedule_group,
        env.schedule_target_arn,
        env.schedule_role_arn,
        env.schedule_dead_letter_arn,
    )
    # One SQS client for the three queues; pages a waiting request names are left out.
    marks = PendingRenders(env.articles_table, table.client, clock.now)
    render = RenderQueue(env.render_queue_url, marks=marks)
    return Indexer(
        site(),
        table,
        render,
        IndexSettings(related_update_limit=env.related_update_limit),
        timetable=Timetable(table, schedules),
        waiting=(table, IngestRechecks(env.ingest_queue_url, render.client)),
        changes=TableStream(site()),
        search=SearchQueue(env.search_queue_url, render.client),
    )


@cache
def page_renderer() -> PageRenderer:
    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.buckets import SiteBucket
    from rotativa.adapters.page_ledger import PageLedger
    from rotativa.adapters.queues import InvalidateQueue
    from rotativa.services.rendering import PageRenderer

    env = RenderEnvironment.load()
    table = ArticlesTable(env.articles_table, site())
    return PageRenderer(
        site(),
        table,
        SiteBucket(env.site_bucket, ledger=PageLedger(env.articles_table, table.client)),
        InvalidateQueue(env.invalidate_queue_url),
    )


@cache
def render_marks() -> PendingRenders:
    """The RenderFunction's side of the pending renders, on its renderer's table client."""
    from rotativa import clock
    from rotativa.adapters.render_marks import PendingRenders

    table = RenderEnvironment.load().articles_table
    return PendingRenders(table, getattr(page_renderer().source, "client", None), clock.now)


@cache
def search_indexer() -> SearchIndexer:
    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.buckets import SiteBucket
    from rotativa.adapters.pagefind import build_bundle
    from rotativa.adapters.queues import InvalidateQueue
    from rotativa.services.search import SearchIndexer

    env = SearchEnvironment.load()
    table = ArticlesTable(env.articles_table, site())
    return SearchIndexer(
        site(),
        table,
        table,
        SiteBucket(env.site_bucket),
        InvalidateQueue(env.invalidate_queue_url),
        build_bundle,
        builds=table,
    )


@cache
def invalidator() -> Invalidator:
    from rotativa.adapters.cdn import Distribution
    from rotativa.services.invalidation import Invalidator

    env = InvalidateEnvironment.load()
    return Invalidator(Distribution(env.distribution_id), env.wildcard_threshold)


def reset() -> None:
    """Forget every cached service (tests and the local cloud switch environments)."""
    factories = (site, ingest, timetable, indexer, page_renderer, render_marks, search_indexer)
    for factory in (*factories, invalidator):
        factory.cache_clear()

"""Incremental publish and burst, measured on the local cloud (template.yaml on moto).

For each site size N the site is seeded (see `benchmarks.seeding`: what N publishes would
have left behind), then one more article is uploaded to the inbox and the four functions
run until the system is quiet. Counted: the functions' AWS calls by operation
(`cloud.counter`), the pages the RenderFunction rendered and wrote, the paths invalidated,
and the wall time of the pipeline in this process, split by function (the rest is the
local event pump: polling moto's queues and stream).

The burst uploads many articles at once and counts what coalescing is for: invalidation
requests and paths, and how often the homepage was rendered.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto import mock_aws

from benchmarks.corpus import ROME, GeneratedArticle, generate
from benchmarks.seeding import seed
from rotativa.domain.pages import PageKind, PageRef, RenderRequest
from rotativa.domain.site import SiteSettings
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.pump import Invocation

RENDER = "RenderFunction"
#: Rebuilds the search index once per window of publishes, however many: its calls are
#: counted apart (`search_calls`), not as the cost of one publish.
SEARCH = "SearchFunction"


@dataclass
class Probe:
    """What the functions did: invocations, seconds and the pages the renderer got."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    invocations: Counter[str] = field(default_factory=Counter)
    pages_rendered: int = 0
    home_renders: int = 0

    def observe(self, invocation: Invocation, event: dict[str, Any]) -> None:
        self.invocations[invocation.function] += 1
        if invocation.function != RENDER:
            return
        # The RenderFunction renders each distinct page of a batch once.
        refs = {
            page
            for r in event["Records"]
            for page in RenderRequest.from_message(json.loads(r["body"])).pages
        }
        self.pages_rendered += len(refs)
        self.home_renders += PageRef.of(PageKind.HOME) in refs

    def reset(self) -> None:
        self.seconds.clear()
        self.invocations.clear()
        self.pages_rendered = self.home_renders = 0


def time_functions(cloud: LocalCloud, probe: Probe) -> None:
    """Time each handler call the pump makes, through its invoker (`runtime.invoke`)."""
    original = cloud.pump.invoker

    def invoke(spec: Any, event: dict[str, Any], **kwargs: Any) -> Any:
        if isinstance(probe, BurstProbe):
            probe.begin()
        started = time.perf_counter()
        try:
            return original(spec, event, **kwargs)
        finally:
            probe.seconds[spec.logical_id] += time.perf_counter() - started

    cloud.pump.invoker = invoke


def cloud_site(cloud: LocalCloud) -> SiteSettings:
    """The site as the functions see it (the template's SITE_* variables)."""
    return SiteSettings.from_environment(cloud.stack.functions[RENDER].environment)


def extra_article(number: int, moment: datetime) -> GeneratedArticle:
    """The article published into every site: the same for every N (so that the pages it
    touches are comparable), in the largest section, with a common and a rare tag."""
    template = generate(1, seed=number)[0]
    return GeneratedArticle(
        key=f"articles/sesto-san-giovanni/nuovo-articolo-{number}.md",
        title=f"Nuovo articolo numero {number} sulla metrotranvia",
        section="Sesto San Giovanni",
        date=moment,
        tags=("Trasporti", "Metrotranvia", "Via Marelli"),
        authors=("Chiara Colombo",),
        body=template.body,
    )


def _calls(
    by_function: Mapping[tuple[str, str, str], int], counted: Callable[[str], bool]
) -> dict[str, int]:
    """`service:operation` → calls, of the functions `counted` keeps."""
    found: dict[str, int] = {}
    for (function, service, operation), count in sorted(by_function.items()):
        if counted(function):
            found[f"{service}:{operation}"] = found.get(f"{service}:{operation}", 0) + count
    return found


def flatten(calls: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {
        f"{service}:{operation}": count
        for service, operations in sorted(calls.items())
        for operation, count in sorted(operations.items())
    }


@dataclass
class PublishResult:
    n: int
    seed_seconds: float
    calls: dict[str, int]
    pages_rendered: int
    pages_written: int
    invalidation_paths: int
    invalidations: int
    wall_seconds: float  # median of the repeats
    wall_all: list[float]
    cpu_seconds: float  # median process time of the same publishes (less noisy)
    moto_window: dict[str, Any]  # the same publishes again with benchmarks/moto_window.py
    function_seconds: dict[str, float]
    invocations: dict[str, int]
    search_calls: dict[str, int]  # the search index's rebuild, one per window (see SEARCH)

    @property
    def calls_total(self) -> int:
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "calls_total": self.calls_total}


def measure_publishes(
    cloud: LocalCloud,
    probe: Probe,
    now: datetime,
    numbers: Iterable[int],
    first: dict[str, Any],
    log: Callable[[str], None],
) -> tuple[list[float], list[float]]:
    """Publish one new article per number; wall and CPU seconds of each, and the counts of
    the first into `first`."""
    walls: list[float] = []
    cpus: list[float] = []
    for number in numbers:
        article = extra_article(number, now - timedelta(minutes=60 - number))
        before = len(cloud.invalidations())
        cloud.counter.reset()
        probe.reset()
        started, cpu = time.perf_counter(), time.process_time()
        cloud.put(article.key, article.upload())
        cloud.run_until_quiet()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        everything = cloud.invalidations()
        invalidations = [
            i
            for i in everything[: len(everything) - before]
            if not all(path.startswith("/cerca/pagefind/") for path in i["paths"])
        ]  # the search index's own comes from its rebuild, once per window
        if not first:
            by_function = cloud.counter.by_function
            first.update(
                calls=_calls(by_function, lambda function: function != SEARCH),
                search_calls=_calls(by_function, lambda function: function == SEARCH),
                pages_rendered=probe.pages_rendered,
                pages_written=by_function[(RENDER, "s3", "PutObject")]
                + by_function[(RENDER, "s3", "DeleteObject")],
                invalidation_paths=sum(len(i["paths"]) for i in invalidations),
                invalidations=len(invalidations),
                function_seconds={k: round(v, 4) for k, v in sorted(probe.seconds.items())},
                invocations=dict(sorted(probe.invocations.items())),
            )
        log(f"    publish {number}: {walls[-1]:.3f} s wall, {cpus[-1]:.3f} s CPU, "
            f"{sum(cloud.counter.calls.values())} calls")  # fmt: skip
    return walls, cpus


def publish_one(
    n: int,
    *,
    repeats: int = 3,
    moto_window: bool = False,
    freeze: bool = True,
    log: Callable[[str], None] = print,
) -> PublishResult:
    """Seed a site of `n` articles, then publish one more (`repeats` times, each a new
    article) and measure the pipeline."""
    probe = Probe()
    with mock_aws():
        cloud = LocalCloud.start(observer=probe.observe)
        time_functions(cloud, probe)
        site = cloud_site(cloud)
        now = datetime.now(UTC).replace(microsecond=0)
        # The site's newest article two hours ago; the new ones an hour ago and later
        # (within the news sitemap's 48 hours, as a real publish is).
        end = (now - timedelta(hours=2)).astimezone(ROME)
        started = time.perf_counter()
        seeded = seed(cloud, site, generate(n, end=end), now)
        seed_seconds = time.perf_counter() - started
        log(f"  N={n}: seeded {seeded.articles} articles, {seeded.table_items} table items, "
            f"{seeded.site_objects} site objects in {seed_seconds:.1f} s")  # fmt: skip
        if freeze:
            # On AWS the table and the bucket are not in the functions' heap; here moto's
            # hundreds of thousands of objects are, and every full garbage collection
            # walks them. Frozen, they stay out of the collector's way (gc.freeze).
            gc.collect()
            gc.freeze()
        # A warm-up publish first: the functions' modules load and their clients are
        # made once per process, as in warm Lambdas; the measured publishes follow.
        warm = extra_article(0, now - timedelta(minutes=61))
        cloud.put(warm.key.replace("sesto-san-giovanni", "bresso"), warm.upload())
        cloud.run_until_quiet()
        first: dict[str, Any] = {}
        walls, cpus = measure_publishes(cloud, probe, now, range(1, repeats + 1), first, log)
        window: dict[str, Any] = {}
        if moto_window:
            from benchmarks import moto_window as patch

            patch.apply()
            log("    with the proposed moto query window (benchmarks/moto_window.py):")
            found: dict[str, Any] = {}
            w_walls, w_cpus = measure_publishes(
                cloud, probe, now, range(repeats + 1, 2 * repeats + 1), found, log
            )
            window = {
                "wall_seconds": round(statistics.median(w_walls), 4),
                "cpu_seconds": round(statistics.median(w_cpus), 4),
                "function_seconds": found["function_seconds"],
                "calls_total": sum(found["calls"].values()),
            }
    gc.unfreeze()
    return PublishResult(
        n=n,
        seed_seconds=round(seed_seconds, 2),
        wall_seconds=round(statistics.median(walls), 4),
        wall_all=[round(w, 4) for w in walls],
        cpu_seconds=round(statistics.median(cpus), 4),
        moto_window=window,
        **first,
    )


@dataclass
class BurstProbe(Probe):
    """The burst's view of the functions: each render, when it began (the local clock's
    time, the wall clock's), what it rendered, and the CreateInvalidation calls by window."""

    cloud: LocalCloud | None = None
    started: datetime | None = None  # the burst's first upload, by the local clock
    window_seconds: int = 60
    renders_by_window: Counter[int] = field(default_factory=Counter)
    home_by_window: Counter[int] = field(default_factory=Counter)
    invalidations_by_window: Counter[int] = field(default_factory=Counter)
    uploads_by_window: Counter[int] = field(default_factory=Counter)
    #: Renders of a page whose request was sent before the page's previous render began:
    #: that render had read the change that asked for it (the requirement: none).
    redundant: int = 0
    twice_in_a_batch_window: int = 0  # a page rendered by two invocations of one render window
    distinct: set[PageRef] = field(default_factory=set)
    last_at: dict[str, float] = field(default_factory=dict)  # clock seconds, per function
    _last_render: dict[PageRef, float] = field(default_factory=dict)
    _render_window: dict[PageRef, tuple[int, int]] = field(default_factory=dict)
    _invalidations_seen: int = 0
    _began: float = 0.0

    def window(self) -> int:
        assert self.cloud is not None
        assert self.started is not None
        elapsed = (self.cloud.clock.now() - self.started).total_seconds()
        return int(elapsed // self.window_seconds)

    def begin(self) -> None:
        """Called by `time_functions` as a handler begins (the wall clock's time)."""
        self._began = time.time()

    def observe(self, invocation: Invocation, event: dict[str, Any]) -> None:
        self.invocations[invocation.function] += 1
        if self.cloud is None or self.started is None:
            return
        at = (self.cloud.clock.now() - self.started).total_seconds()
        self.last_at[invocation.function] = round(at, 1)
        if invocation.function == "InvalidateFunction":
            made = self.cloud.counter.calls[("cloudfront", "CreateInvalidation")]
            self.invalidations_by_window[self.window()] += made - self._invalidations_seen
            self._invalidations_seen = made
        if invocation.function != RENDER:
            return
        render_window = self.cloud.stack.functions[RENDER].events[0].batching_window_seconds
        slot = int((self.cloud.clock.now() - self.started).total_seconds() // max(render_window, 1))
        sent: dict[PageRef, float] = {}
        for record in event["Records"]:
            at = int(record.get("attributes", {}).get("SentTimestamp", "0")) / 1000
            for page in RenderRequest.from_message(json.loads(record["body"])).pages:
                sent[page] = max(sent.get(page, 0.0), at)
        for page, at in sent.items():
            if self._last_render.get(page, -1.0) > at:
                self.redundant += 1
            self._last_render[page] = self._began
            previous = self._render_window.get(page)
            if previous is not None and previous[0] == slot:
                self.twice_in_a_batch_window += 1
            self._render_window[page] = (slot, self.invocations[RENDER])
        self.distinct |= sent.keys()
        self.pages_rendered += len(sent)
        home = PageRef.of(PageKind.HOME) in sent
        self.home_renders += home
        self.renders_by_window[self.window()] += len(sent)
        self.home_by_window[self.window()] += home


@dataclass
class BurstResult:
    uploads: int
    site_before: int
    windows: int  # the invalidation batching windows the uploads arrived over
    window_seconds: int  # the template's InvalidateFunction MaximumBatchingWindowInSeconds
    arrival_seconds: int  # local-clock seconds from the first upload to the last
    drain_seconds: float  # local-clock seconds from the last upload until quiet
    last_invocation_at: dict[str, float]  # local-clock seconds from the first upload
    create_invalidation_requests: int
    invalidations_by_window: dict[int, int]
    invalidated_paths: int
    homepage_renders: int
    homepage_renders_by_window: dict[int, int]
    pages_rendered: int
    pages_rendered_by_window: dict[int, int]
    distinct_pages_rendered: int
    pages_rendered_per_upload: float
    redundant_renders: int  # rendered again though the previous render had read its change
    rendered_twice_in_a_render_window: int
    pages_left_out: int  # not sent by the IndexFunction: a pending request named them
    pending_marks: bool
    pages_written: int
    calls_total: int
    calls: dict[str, int]
    wall_seconds: float
    upload_seconds: float
    function_seconds: dict[str, float]
    invocations: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def without_pending_marks() -> Iterator[None]:
    """Every page the IndexFunction names is sent (as before pending renders were kept)."""
    from rotativa.adapters.render_marks import PendingRenders

    original = PendingRenders.pending

    def pending(self: PendingRenders, pages: Sequence[PageRef]) -> set[PageRef]:  # noqa: ARG001
        return set()

    PendingRenders.pending = pending  # type: ignore[method-assign]
    try:
        yield
    finally:
        PendingRenders.pending = original  # type: ignore[method-assign]


def burst(
    uploads: int,
    *,
    site_before: int = 100,
    windows: int = 5,
    marks: bool = True,
    log: Callable[[str], None] = print,
) -> BurstResult:
    """`uploads` new articles arriving at an even rate over `windows` of the template's
    invalidation batching windows (a wire feed's burst), into a seeded site of `site_before`
    articles. The local clock is frozen and moved one second at a time: each second's
    uploads are put, then what is due by then is delivered, every event source keeping its
    template batching window by that clock (`EventPump(timed=True)`). Then the pipeline
    runs until quiet. The functions' own time is not on that clock (see docs/benchmarks.md)."""
    probe = BurstProbe()
    unmarked = nullcontext() if marks else without_pending_marks()
    with mock_aws(), unmarked:
        cloud = LocalCloud.start(observer=probe.observe)
        time_functions(cloud, probe)
        cloud.pump.timed = True
        site = cloud_site(cloud)
        window = cloud.stack.functions["InvalidateFunction"].events[0].batching_window_seconds
        span = max(1, windows * window)  # windows=0: every upload at once (in second 0)
        now = datetime.now(UTC).replace(microsecond=0)
        corpus = generate(site_before + uploads, end=(now - timedelta(minutes=5)).astimezone(ROME))
        old, new = corpus[:site_before], corpus[site_before:]
        started = time.perf_counter()
        seed(cloud, site, old, now)
        log(f"  burst: seeded {site_before} articles in {time.perf_counter() - started:.1f} s")
        cloud.counter.reset()
        probe.reset()
        probe.cloud, probe.window_seconds = cloud, window
        probe.started = cloud.clock.freeze()
        started, uploading = time.perf_counter(), 0.0
        for second in range(span):
            due = new[second * uploads // span : (second + 1) * uploads // span]
            put = time.perf_counter()
            for article in due:
                cloud.put(article.key, article.upload())
            uploading += time.perf_counter() - put
            probe.uploads_by_window[probe.window()] += len(due)
            cloud.pump.run_due(max_rounds=100_000)
            if second + 1 < span:
                cloud.clock.advance(timedelta(seconds=1))
            if (second + 1) % window == 0:
                done = (second + 1) * uploads // span
                log(f"    {second + 1} s: {done} uploads, {probe.pages_rendered} renders, "
                    f"{time.perf_counter() - started:.0f} s wall")  # fmt: skip
        last = cloud.clock.now()
        cloud.run_until_quiet(max_rounds=100_000)
        drain = (cloud.clock.now() - last).total_seconds()
        wall = time.perf_counter() - started
        invalidations = cloud.invalidations()
        by_function = cloud.counter.by_function
        calls = flatten(cloud.counter.as_dict())
        queue = getattr(bootstrap_indexer_queue(), "left_out", 0)
        return BurstResult(
            uploads=uploads,
            site_before=site_before,
            windows=windows,
            window_seconds=window,
            arrival_seconds=span - 1,
            drain_seconds=round(drain, 1),
            last_invocation_at=dict(sorted(probe.last_at.items())),
            create_invalidation_requests=calls.get("cloudfront:CreateInvalidation", 0),
            invalidations_by_window=dict(sorted(probe.invalidations_by_window.items())),
            invalidated_paths=sum(len(i["paths"]) for i in invalidations),
            homepage_renders=probe.home_renders,
            homepage_renders_by_window=dict(sorted(probe.home_by_window.items())),
            pages_rendered=probe.pages_rendered,
            pages_rendered_by_window=dict(sorted(probe.renders_by_window.items())),
            distinct_pages_rendered=len(probe.distinct),
            pages_rendered_per_upload=round(probe.pages_rendered / max(uploads, 1), 2),
            redundant_renders=probe.redundant,
            rendered_twice_in_a_render_window=probe.twice_in_a_batch_window,
            pages_left_out=queue,
            pending_marks=marks,
            pages_written=by_function[(RENDER, "s3", "PutObject")]
            + by_function[(RENDER, "s3", "DeleteObject")],
            calls_total=sum(calls.values()),
            calls=calls,
            wall_seconds=round(wall, 2),
            upload_seconds=round(uploading, 2),
            function_seconds={k: round(v, 2) for k, v in sorted(probe.seconds.items())},
            invocations=dict(sorted(probe.invocations.items())),
        )


def bootstrap_indexer_queue() -> Any:
    """The IndexFunction's render queue, as its cached factory made it (None if it did not)."""
    from rotativa import bootstrap

    if bootstrap.indexer.cache_info().currsize == 0:
        return None
    return bootstrap.indexer().queue


def flat_verdict(results: Sequence[PublishResult]) -> dict[str, Any]:
    """The promise: at the largest N, calls and pages within 20% of the smallest N's,
    and wall time within 50%."""
    small, large = results[0], results[-1]

    def ratio(a: float, b: float) -> float:
        return round(b / a, 3) if a else float("inf")

    figures = {
        "calls": ratio(small.calls_total, large.calls_total),
        "pages_rendered": ratio(small.pages_rendered, large.pages_rendered),
        "pages_written": ratio(small.pages_written, large.pages_written),
        "wall_seconds": ratio(small.wall_seconds, large.wall_seconds),
    }
    limits = {"calls": 1.2, "pages_rendered": 1.2, "pages_written": 1.2, "wall_seconds": 1.5}
    return {
        "from_n": small.n,
        "to_n": large.n,
        "ratios": figures,
        "within": {name: figures[name] <= limits[name] for name in figures},
    }

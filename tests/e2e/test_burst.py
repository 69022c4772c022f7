"""A wire feed drops 200 articles at once: the work must not multiply with the burst.

The articles are generated here (five sections, a handful of tags, a month of dates), all
uploaded before the pipeline runs, as an agency's batch lands in seconds. The batching
windows of template.yaml (render 2 s, invalidate 60 s) must coalesce the burst: far fewer
homepage renders than articles, and a few CloudFront invalidations, not hundreds.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from moto import mock_aws

from rotativa.rendering import SiteRenderer
from tests.e2e.conftest import Run, covered

BURST = 200
SECTIONS = ("Sesto San Giovanni", "Cinisello Balsamo", "Cologno Monzese", "Bresso", "Sport")
TAGS = ("Scuola", "Traffico", "Cultura", "Calcio", "Sanità", "Lavori pubblici", "Ambiente")


def burst_article(number: int) -> tuple[str, str, str]:
    """(key, text, site path) of the burst's article `number`."""
    section = SECTIONS[number % len(SECTIONS)]
    tags = sorted({TAGS[number % len(TAGS)], TAGS[(number * 3 + 1) % len(TAGS)]})
    day, hour, minute = 1 + number % 28, 6 + number % 14, number % 60
    slug = f"notizia-{number:03d}"
    text = (
        f'---\ntitle: "Notizia {number}: la redazione aggiorna la cronaca locale"\n'
        f"section: {section}\ndate: 2024-05-{day:02d}T{hour:02d}:{minute:02d}\n"
        f"tags: [{', '.join(tags)}]\nauthors: [Agenzia]\n---\n"
        f"Il testo della notizia {number}, arrivata con il lancio d'agenzia.\n\n"
        "Un secondo paragrafo, per dare al riassunto qualcosa da scegliere.\n"
    )
    path = "/" + section.lower().replace(" ", "-") + f"/{slug}/"
    return f"articles/{slug}.md", text, path


@pytest.fixture
def homepage_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real renders of the homepage (the RenderFunction's own renderer calls)."""
    renders: list[int] = []
    original = SiteRenderer.home_page

    def counting(self: SiteRenderer, *args: Any, **kwargs: Any) -> bytes:
        renders.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SiteRenderer, "home_page", counting)
    return renders


def test_a_burst_of_200_uploads_is_coalesced(
    aws_environment: None,  # noqa: ARG001 - order only
    homepage_renders: list[int],
) -> None:
    with mock_aws():
        run = Run.start()
        articles = [burst_article(n) for n in range(BURST)]

        # WHEN a feed uploads 200 articles at once
        started = time.monotonic()
        for key, text, _ in articles:
            run.put(key, text)
        run.cloud.run_until_quiet()
        elapsed = time.monotonic() - started

        # THEN every article is published: its page, the table, the counters
        for key, _, path in articles:
            assert run.page(path) is not None, path
            stored = run.table.get(key)
            assert stored is not None
            assert stored.state.value == "published", key
        counts = run.section_counts()
        assert sum(counts.values()) == BURST
        assert set(counts.values()) == {BURST // len(SECTIONS)}
        # the listings paginate: 40 per section is a front page and two buckets
        assert run.page("/sport/page/2/") is not None
        assert run.page("/sport/page/3/") is None

        # THEN the burst was coalesced: few invalidations, far fewer homepage renders
        invalidations = run.cloud.invalidations()
        paths = {p for i in invalidations for p in i["paths"]}
        assert 1 <= len(invalidations) <= 3
        for _, _, path in articles:
            assert covered(path + "index.html", paths), path
        homepage_writes = run.writes.written.count("index.html")
        assert 1 <= homepage_writes <= len(homepage_renders)
        assert len(homepage_renders) <= BURST // 5
        renders = [i for i in run.cloud.pump.invocations if i.function == "RenderFunction"]
        assert len(homepage_renders) <= len(renders)  # at most once per render batch
        # and the search index was rebuilt once for the whole burst, with every article
        searches = [i for i in run.cloud.pump.invocations if i.function == "SearchFunction"]
        assert len(searches) == 1
        assert searches[0].records > 1  # the hints of many index batches, in one window
        entry = json.loads(run.cloud.site_files()["cerca/pagefind/pagefind-entry.json"])
        assert entry["languages"]["it"]["page_count"] == BURST

        # and the figures, for whoever tunes the pipeline (pytest -s shows them)
        calls = sum(run.cloud.counter.calls.values())
        print(
            f"\nburst of {BURST}: {elapsed:.0f} s, {len(invalidations)} invalidation requests "
            f"({len(paths)} paths), {len(homepage_renders)} homepage renders, "
            f"{homepage_writes} homepage writes, {len(run.writes.written)} page writes, "
            f"{len(renders)} render batches, {calls} AWS calls"
        )

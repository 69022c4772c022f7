"""Rebuild in process, from a folder indexed into the table's in-memory twin: every page
named, rendered once, no AWS."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rotativa.adapters.folder import FolderBucket, page_file
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import Rebuild, fan_out, site_pages
from rotativa_tools.cli import main
from rotativa_tools.cli.rebuild import ProgressBar, load_folder
from tests.conftest import SAMPLES

NOW = datetime(2024, 5, 3, tzinfo=UTC)


@pytest.fixture
def memory(settings: SiteSettings) -> MemoryTable:
    table, invalid = load_folder(SAMPLES / "articles", settings, NOW)
    assert invalid == []
    return table


def test_every_page_of_the_site_is_named_once(memory: MemoryTable, settings: SiteSettings) -> None:
    refs = site_pages(memory, settings)

    assert len(refs) == len(set(refs))
    articles = [r for r in refs if r.kind is PageKind.ARTICLE]
    assert len(articles) == 24  # every sample is published
    sport = ListingId(ListingKind.SECTION, "sport")
    assert PageRef.listing(sport, 0) in refs  # the front and the stable bucket
    assert PageRef.listing(sport, 1) in refs
    assert PageRef.listing(sport, 2) not in refs
    assert PageRef.feed() in refs
    assert PageRef.feed(sport) in refs
    assert PageRef.feed(ListingId(ListingKind.AUTHOR, "chiara-colombo")) in refs
    for kind in (PageKind.HOME, PageKind.NOT_FOUND, PageKind.ASSETS, PageKind.SITEMAP_INDEX):
        assert PageRef.of(kind) in refs


def test_slices_read_like_the_table(memory: MemoryTable) -> None:
    listing = ListingId(ListingKind.SECTION, "sesto-san-giovanni")
    newest = memory.members(listing)
    assert memory.count(listing) == len(newest) == 6
    assert [t.date for t in newest] == sorted((t.date for t in newest), reverse=True)
    assert memory.slice(listing, skip_newest=1, take=2) == newest[1:3]
    # newest_first=False skips the oldest, and still answers newest first
    assert memory.slice(listing, skip_newest=1, take=2, newest_first=False) == newest[-3:-1]
    assert memory.slice(listing, skip_newest=10, take=5) == []
    assert memory.months() == ["2024-05", "2024-04"]


def test_related_boxes_keep_pinned_slugs_first_and_never_the_article(memory: MemoryTable) -> None:
    key = "articles/cologno-casa-di-comunita-inaugurazione.md"
    box = memory.related(key)
    assert 1 <= len(box) <= 5
    assert key not in box
    for stored_key in box:
        assert memory.get(stored_key) is not None
    pinned = {
        a.key: a.article.related for a in memory.articles() if a.article and a.article.related
    }
    assert pinned, "the samples pin related articles"
    for owner, slugs in pinned.items():
        first = memory.teasers(memory.related(owner)[:1])
        assert next(iter(first.values())).slug == slugs[0]


def test_a_rebuild_writes_every_page_then_nothing(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path
) -> None:
    refs = site_pages(memory, settings)
    collected: list[list[tuple[str, str]]] = []

    class Invalidations:
        def send(self, changes: Sequence[tuple[str, str]]) -> None:
            collected.append(list(changes))

    rebuild = Rebuild(settings, memory, FolderBucket(tmp_path), Invalidations())
    first = rebuild.run(refs, NOW)
    again = rebuild.run(refs, NOW)

    assert first.pages == len(refs)
    assert first.written == first.files > len(refs)  # the assets are several files
    assert again.written == 0
    assert len(collected) == 1  # changed paths handed on once, and only when there are some
    assert page_file(tmp_path, "/").is_file()
    assert page_file(tmp_path, "/sport/feed.xml").is_file()
    assert (
        b"Articoli correlati"
        in page_file(tmp_path, "/sesto-san-giovanni/massimo-carrera-spartak-mosca/").read_bytes()
    )


def test_forked_workers_write_the_same_bytes(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path
) -> None:
    refs = site_pages(memory, settings)
    Rebuild(settings, memory, FolderBucket(tmp_path / "one")).run(refs, NOW)
    seen: list[int] = []
    report = Rebuild(settings, memory, FolderBucket(tmp_path / "two")).run(
        refs, NOW, jobs=2, progress=lambda done, _total: seen.append(done)
    )

    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*")
           if p.is_file()}  # fmt: skip
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*")
           if p.is_file()}  # fmt: skip
    assert one == two
    assert report.pages == len(refs)
    assert seen[-1] == len(refs)


def test_fan_out_sends_every_page_in_chunks(memory: MemoryTable, settings: SiteSettings) -> None:
    refs = site_pages(memory, settings)
    sent: list[PageRef] = []

    class Queue:
        def send(self, pages: Iterable[PageRef]) -> None:
            sent.extend(pages)

    assert fan_out(refs, Queue()) == len(refs)
    assert sent == refs


def test_the_command_rebuilds_a_content_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert main(["rebuild", str(SAMPLES), "--out", str(out), "--quiet"]) == 0
    first = capsys.readouterr().out
    assert main(["rebuild", str(SAMPLES), "--out", str(out), "--quiet", "--lang", "en"]) == 0
    second = capsys.readouterr().out

    assert (out / "index.html").is_file()
    assert (out / "sport" / "index.html").is_file()
    assert "scritte" in first
    assert " 0 written" in second


def test_the_command_needs_a_source_and_a_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARTICLES_TABLE", raising=False)
    assert main(["rebuild", "--out", str(tmp_path)]) == 2
    assert main(["rebuild", str(SAMPLES)]) == 2
    assert main(["rebuild", str(SAMPLES), "--render-queue-url", "https://sqs.example/q"]) == 2
    assert "rotativa rebuild:" in capsys.readouterr().err


def test_the_progress_bar_writes_lines_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar("pagine", stream)
    for done in range(1, 101):
        bar(done, 100)

    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 12
    assert lines[-1].startswith("[" + "#" * 30 + "] 100%  100/100 pagine")


def test_a_folder_is_published_as_the_cloud_would_twins_and_taken_addresses(
    settings: SiteSettings, tmp_path: Path
) -> None:
    """`x.md` beside `x.json`: the Markdown file wins (domain.twins), whatever the order;
    two files with one address: the first keeps it, as the address claims do."""
    articles = tmp_path / "articles"
    articles.mkdir()
    front = "---\ntitle: {}\nsection: Sport\ndate: 2024-05-01T10:00\n{}---\nTesto.\n"
    (articles / "derby.md").write_text(front.format("Il derby in Markdown", ""))
    (articles / "derby.json").write_text(
        '{"title": "Il derby in JSON", "section": "Sport", "body": "Testo."}'
    )
    (articles / "a-copia.md").write_text(front.format("La copia", "slug: finale\n"))
    (articles / "b-finale.md").write_text(front.format("La finale", "slug: finale\n"))

    table, invalid = load_folder(tmp_path, settings, NOW)

    assert sorted(p.name for p in invalid) == ["b-finale.md", "derby.json"]
    shown = {a.key: a.article.title for a in table.articles() if a.visible and a.article}
    assert shown == {"articles/derby.md": "Il derby in Markdown", "articles/a-copia.md": "La copia"}
